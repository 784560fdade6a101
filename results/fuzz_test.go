package results

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the readers of result files. `go test` runs each on its
// seeds (below and testdata/fuzz/NAME); to search for crashes, run one at a
// time, e.g.
//
//	go test ./results -run '^$' -fuzz '^FuzzReadCSV$' -fuzztime 10m
//
// (docs/plots.md lists them all.)

func FuzzReadCSV(f *testing.F) {
	var b bytes.Buffer
	_ = WriteCSV(&b, sample().Rows)
	f.Add(b.String())
	f.Add(csvWith("latency_p99_ms", "NaN"))
	f.Add(csvWith("pss_mb", "1e308"))
	f.Add(csvWith("time_s", "-0"))
	f.Add("time_s\n")
	f.Add(strings.Join(Columns(), ",") + "\n\"1\n")
	f.Fuzz(func(t *testing.T, in string) {
		prev := math.Inf(-1)
		n := 0
		err := ScanCSV(strings.NewReader(in), func(r Row) error {
			n++
			if err := CheckRow(r); err != nil {
				t.Fatalf("accepted row %d with %v", n, err)
			}
			if !(r.TimeS > prev) {
				t.Fatalf("accepted row %d at %v after %v", n, r.TimeS, prev)
			}
			prev = r.TimeS
			return nil
		})
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("error of type %T, want *FileError: %v", err, err)
			}
		}
	})
}

func FuzzReadSummary(f *testing.F) {
	js, _ := json.MarshalIndent(sample().Summary, "", "  ")
	f.Add(js)
	f.Add([]byte(`{"forkcast":"0.1.0","source":"runtime","interval_s":1,"requests":{"offered":-1}}`))
	f.Add([]byte(`{"latency":{"p50_ms":1e999}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("{\"scenario\":\"\\u0000\"}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ReadSummary(in)
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("error of type %T, want *FileError: %v", err, err)
			}
			return
		}
		// What is accepted survives being written and read again.
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSummary(out); err != nil {
			t.Fatalf("accepted %q but not its own re-encoding: %v", in, err)
		}
	})
}

func FuzzReadHistogram(f *testing.F) {
	h := NewHistogram()
	for i := range 100 {
		h.Record(time.Duration(i*i) * time.Millisecond)
	}
	var b bytes.Buffer
	_ = WriteHistogram(&b, h, SimulatorEpoch, 60)
	f.Add(b.String())
	f.Add("Tag=run,0,1,1,HISTFAAAACB4nJNpmSzMwMDAwQABTFCaEUwzMjIyMzAyMDEwAABBeAJM\n")
	f.Add("Tag=run,0,1,1,\n")
	f.Add("Tag=,,,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ReadHistogram(strings.NewReader(in))
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("error of type %T, want *FileError: %v", err, err)
			}
			return
		}
		prev := CDFPoint{MS: math.Inf(-1)}
		for _, p := range h.CDF() {
			if !(p.MS > prev.MS) || p.Fraction < prev.Fraction || p.Fraction > 1 {
				t.Fatalf("CDF not increasing: %v after %v", p, prev)
			}
			prev = p
		}
		_ = h.QuantileMS(0.99)
		var out bytes.Buffer
		if err := WriteHistogram(&out, h, SimulatorEpoch, 1); err != nil {
			t.Fatal(err)
		}
		back, err := ReadHistogram(&out)
		if err != nil || !back.Equal(h) {
			t.Fatalf("accepted a histogram that does not survive being written again: %v", err)
		}
	})
}

func FuzzScanLog(f *testing.F) {
	f.Add("[Sat Jan 01 00:00:01.500000 2000] [mpm_prefork:info] [pid 1001] AH00162: server seems busy\n")
	f.Add("[Sat Jan 01 00:00:01.500000 2000] [x:y] [pid 99999999999] \n")
	f.Add("[Mon Feb 30 25:61:61.000000 2000] [a:b] [pid 1] m\n")
	f.Fuzz(func(t *testing.T, in string) {
		err := ScanLog(strings.NewReader(in), SimulatorEpoch, func(l LogLine) error {
			if l.Module == "" || l.Level == "" || l.PID < 0 {
				t.Fatalf("accepted a line without module, level or pid: %+v", l)
			}
			return nil
		})
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("error of type %T, want *FileError: %v", err, err)
			}
		}
	})
}
