package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/forkcast/forkcast/results"
)

// Table is a sweep's results, tidy: one row per point × metric. It is
// sweep.json; sweep.csv holds the same rows.
type Table struct {
	Forkcast     string   `json:"forkcast"`
	Scenario     string   `json:"scenario"`
	Variant      string   `json:"variant,omitempty"`
	Sets         []string `json:"sets,omitempty"` // --seed, --duration, --set, as KEY=VALUE
	Vary         []Vary   `json:"vary"`
	Replications int      `json:"replications"`
	Seeds        []uint64 `json:"seeds"` // replication r's seed, the same at every point
	Points       int      `json:"points"`
	Metrics      []Metric `json:"metrics"`
	Rows         []Row    `json:"rows"`
}

// Row is one metric at one point.
type Row struct {
	Point    int      `json:"point"`
	Settings []string `json:"settings"` // the varied keys' values, in Vary order
	Metric   string   `json:"metric"`
	Unit     string   `json:"unit"`
	// Mean over the replications that have a value; nil if none has.
	Mean *float64 `json:"mean"`
	// CILo and CIHi are the 95% t-interval of the mean,
	// mean ± t(0.975, n−1)·s/√n; nil with fewer than 2 values.
	CILo *float64 `json:"ci_lo"`
	CIHi *float64 `json:"ci_hi"`
	N    int      `json:"n"` // replications with a value
	// Values holds one value per replication, in seed order; NaN (null in
	// JSON, empty in CSV) where the run has none.
	Values Values `json:"values"`
}

// Values are per-replication values; NaN is written as null.
type Values []float64

func (v Values) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		if math.IsNaN(x) {
			b.WriteString("null")
			continue
		}
		js, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		b.Write(js)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

func (v *Values) UnmarshalJSON(data []byte) error {
	var raw []*float64
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*v = make(Values, len(raw))
	for i, x := range raw {
		(*v)[i] = math.NaN()
		if x != nil {
			(*v)[i] = *x
		}
	}
	return nil
}

// NewTable tabulates a sweep of the scenario named scenario whose seed is
// seed: res holds each point's metrics, in the order of the design's grid.
func NewTable(d Design, scenario string, seed uint64, res []Result) *Table {
	t := &Table{
		Forkcast: results.Version, Scenario: scenario, Variant: d.Source.Variant,
		Vary: d.Vary, Replications: d.Replications, Seeds: Seeds(seed, d.Replications),
		Points: len(res), Metrics: Metrics,
	}
	for _, s := range d.Source.Sets {
		t.Sets = append(t.Sets, s.String())
	}
	grid := d.Grid()
	for p, r := range res {
		for m, metric := range Metrics {
			e := r.Estimates[m]
			row := Row{Point: p, Settings: grid[p], Metric: metric.Name, Unit: metric.Unit,
				CILo: e.Lo, CIHi: e.Hi, N: e.N, Values: r.Values[m]}
			if e.N > 0 {
				mean := e.Mean
				row.Mean = &mean
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// Get returns the row of metric name at point p.
func (t *Table) Get(p int, name string) Row {
	return t.Rows[p*len(t.Metrics)+MetricIndex(name)]
}

// WriteJSON writes sweep.json.
func (t *Table) WriteJSON(path string) error {
	js, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(js, '\n'), 0o644)
}

// ReadTable reads a sweep.json.
func ReadTable(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// WriteCSV writes sweep.csv: point, one column per varied key, metric,
// unit, mean, ci_lo, ci_hi, n, then rep_0 … rep_{R-1}; an empty cell is a
// missing value. Numbers are written exactly (the shortest text that reads
// back as the same float64).
func (t *Table) WriteCSV(path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"point"}
	for _, v := range t.Vary {
		head = append(head, v.Key)
	}
	head = append(head, "metric", "unit", "mean", "ci_lo", "ci_hi", "n")
	for r := range t.Replications {
		head = append(head, "rep_"+strconv.Itoa(r))
	}
	w.Write(head)
	for _, row := range t.Rows {
		rec := []string{strconv.Itoa(row.Point)}
		rec = append(rec, row.Settings...)
		rec = append(rec, row.Metric, row.Unit, cell(row.Mean), cell(row.CILo), cell(row.CIHi), strconv.Itoa(row.N))
		for _, v := range row.Values {
			rec = append(rec, cell(&v))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func cell(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}
