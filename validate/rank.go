package validate

import "fmt"

// Rank is where a measured value falls among n replications' values: Below
// of them are lower, Equal the same (within the measurement's resolution).
// If the real run and the replications are draws of one distribution — the
// model varies what varies in reality, by as much — the measured value is
// as likely to take any of the n+1 places among them, ties broken at
// random, so over many metrics the places spread evenly: the rank
// histogram of ensemble forecasts (Ranks). A two-way outcome counts the
// same: a model that gives the real branch its real odds ranks it evenly
// too, which no single run can show.
type Rank struct {
	Below int `json:"below"`
	Equal int `json:"equal"`
	N     int `json:"n"`
}

func rankOf(vals []float64, measured, resolution float64) *Rank {
	r := &Rank{N: len(vals)}
	for _, v := range vals {
		switch {
		case v < measured:
			r.Below++
		case v == measured || v < measured+resolution:
			r.Equal++
		}
	}
	return r
}

// Fifths spreads the measured value over the fifths of the rank scale:
// its n+1 places, each [j, j+1)/(n+1), cut in five equal parts; the places
// Below … Below+Equal weigh 1/(Equal+1) each. The five shares sum to 1.
func (r Rank) Fifths() [5]float64 {
	var f [5]float64
	places := float64(r.N + 1)
	w := 1 / float64(r.Equal+1)
	for j := r.Below; j <= r.Below+r.Equal; j++ {
		lo, hi := float64(j)/places, float64(j+1)/places
		for i := range f {
			if ov := min(hi, float64(i+1)/5) - max(lo, float64(i)/5); ov > 0 {
				f[i] += w * ov * places
			}
		}
	}
	return f
}

// Ranks is a rank histogram: Shares[i] is the share of the N ranked
// measured values in the i-th fifth of their places among the
// replications, lowest first (Rank.Fifths). 20% each when the model's
// spread is reality's; more at both ends when its bands are too narrow,
// more in the middle when too wide, more on one side when it is biased.
// A value every replication predicted exactly (a failure share of 0 in
// every run, real or simulated) could take any place and says nothing of
// the spread: it is counted in AllAlike, not ranked.
type Ranks struct {
	N        int        `json:"n"`
	Shares   [5]float64 `json:"shares"`
	AllAlike int        `json:"all_alike"`
}

// Add ranks one more measured value.
func (h *Ranks) Add(r Rank) {
	if r.N == 0 {
		return
	}
	if r.Equal == r.N {
		h.AllAlike++
		return
	}
	f := r.Fifths()
	n := float64(h.N)
	h.N++
	for i := range h.Shares {
		h.Shares[i] = (h.Shares[i]*n + f[i]) / float64(h.N)
	}
}

// String is the histogram in percent, lowest fifth first.
func (h Ranks) String() string {
	s := h.Shares
	return fmt.Sprintf("%.0f%% %.0f%% %.0f%% %.0f%% %.0f%%", 100*s[0], 100*s[1], 100*s[2], 100*s[3], 100*s[4])
}

// Text is the histogram in one line with what it means.
func (h Ranks) Text() string {
	return fmt.Sprintf("ranks: %d measured values by fifth of their place among the replications, lowest first: %s (20%% each when the model varies as reality does; ends high: bands too narrow; %d predicted exactly by every replication left out)",
		h.N, h, h.AllAlike)
}
