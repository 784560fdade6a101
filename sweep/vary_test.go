package sweep

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVary(t *testing.T) {
	cases := []struct {
		arg    string
		key    string
		values []string
		scale  string
	}{
		{"apache.mpm=prefork,worker,event", "apache.mpm", []string{"prefork", "worker", "event"}, Category},
		{"apache.max_request_workers=10..50:10", "apache.max_request_workers", []string{"10", "20", "30", "40", "50"}, Linear},
		{"apache.max_request_workers=10..45:10", "apache.max_request_workers", []string{"10", "20", "30", "40"}, Linear},
		{"apache.max_request_workers=1..64:x2", "apache.max_request_workers", []string{"1", "2", "4", "8", "16", "32", "64"}, Log},
		{"apache.max_request_workers=1..1000:log10", "apache.max_request_workers", []string{"1", "10", "100", "1000"}, Log},
		{"apache.max_request_workers=1..10:x1.5", "apache.max_request_workers", []string{"1", "2", "3", "5", "8"}, Log},
		{"workload.phase[1].rate=0.1..0.5:0.1", "workload.phase[1].rate", []string{"0.1", "0.2", "0.3", "0.4", "0.5"}, Linear},
		{"workload.phase[1].rate=1.0..3:1", "workload.phase[1].rate", []string{"1.0", "2.0", "3.0"}, Linear},
		{"apache.keep_alive_timeout=1s..5s:2s", "apache.keep_alive_timeout", []string{"1s", "3s", "5s"}, Linear},
		{"apache.keep_alive_timeout=100ms..400ms:100", "apache.keep_alive_timeout", []string{"100ms", "200ms", "300ms", "400ms"}, Linear},
		{"app.request_cpu=exp(20ms),uniform(10ms, 30ms)", "app.request_cpu", []string{"exp(20ms)", "uniform(10ms, 30ms)"}, Category},
		{"apache.keep_alive_timeout=1s,5s,15s", "apache.keep_alive_timeout", []string{"1s", "5s", "15s"}, Linear},
		{"apache.max_request_workers=1,10,100", "apache.max_request_workers", []string{"1", "10", "100"}, Log},
		{`workload.urls."/api"=1,2`, `workload.urls."/api"`, []string{"1", "2"}, Linear},
		{"apache.keep_alive=true,false", "apache.keep_alive", []string{"true", "false"}, Category},
	}
	for _, c := range cases {
		v, err := ParseVary(c.arg)
		require.NoError(t, err, c.arg)
		assert.Equal(t, c.key, v.Key, c.arg)
		assert.Equal(t, c.values, v.Values, c.arg)
		assert.Equal(t, c.scale, v.Scale, c.arg)
	}
}

func TestParseVaryRejectsBadInput(t *testing.T) {
	cases := map[string]string{
		"apache.max_request_workers":              "want KEY=VALUES",
		"apache.max_request_workers=":             "no values",
		"apache.max_request_workers=150..10:10":   "runs down",
		"apache.max_request_workers=10..150:0":    "positive step",
		"apache.max_request_workers=10..150:-5":   "positive step",
		"apache.max_request_workers=10..150":      "no step",
		"apache.max_request_workers=a..150:10":    "not a number",
		"apache.max_request_workers=1..64:x1":     "above 1",
		"apache.max_request_workers=0..64:x2":     "positive start",
		"apache.keep_alive_timeout=1s..5ms:1s":    "different units",
		"apache.keep_alive_timeout=1s..5s:100ms":  "unit",
		"apache.max_request_workers=1..1e9:1":     "more than 10000",
		"apache.max_request_workers=10,,20":       "empty value",
		"apache.max_request_workers=10,20,10":     "listed twice",
		"app.request_cpu=exp(20ms":                "unbalanced",
		"seed=1,2,3":                              "replications choose the seeds",
		"=1,2":                                    "want KEY=VALUES",
		"apache.max_request_workers=10..150:step": "not a number",
	}
	for arg, want := range cases {
		_, err := ParseVary(arg)
		require.Error(t, err, arg)
		assert.Contains(t, err.Error(), want, arg)
	}
}

func TestAxisPlacesValues(t *testing.T) {
	xs, unit, ok := Axis([]string{"500ms", "1s", "2m"})
	require.True(t, ok)
	assert.Equal(t, "s", unit)
	assert.Equal(t, []float64{0.5, 1, 120}, xs)
	xs, unit, ok = Axis([]string{"64MiB", "128MiB"})
	require.True(t, ok)
	assert.Equal(t, "MiB", unit)
	assert.Equal(t, []float64{64, 128}, xs)
	_, _, ok = Axis([]string{"prefork", "event"})
	assert.False(t, ok)
}
