package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFiles writes name → content under a temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

const profile = `# written by simulate calibrate
[host]
apache_child_private = "300KiB"
python_interpreter = "5MiB"
fork_time = "3ms"
cpu_second = 1.25
`

func TestHostProfileUnderScenario(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts/calibrated.toml": profile,
		"s.toml":                "[host]\nprofile = \"hosts/calibrated.toml\"\nfork_time = \"2ms\"\n" + phase,
	})
	s, err := Load(filepath.Join(dir, "s.toml"), "")
	require.NoError(t, err)
	assert.Equal(t, 300*KiB, s.Host.ApacheChildPrivate, "profile over the defaults")
	assert.Equal(t, 5*MiB, s.Host.PythonInterpreter)
	assert.Equal(t, 1.25, s.Host.CPUSecond)
	assert.Equal(t, 2*time.Millisecond, s.Host.ForkTime.Duration, "the scenario's own key wins")
	assert.Equal(t, DefaultHost().PythonSharedText, s.Host.PythonSharedText, "keys the profile leaves out keep their defaults")

	// Format includes the profile's values but not its name, so the output
	// reads back the same wherever it is.
	out, err := Format(s)
	require.NoError(t, err)
	assert.Contains(t, string(out), "# host profile: hosts/calibrated.toml")
	back, err := Parse(filepath.Join(t.TempDir(), "elsewhere.toml"), out, "")
	require.NoError(t, err)
	assert.Equal(t, s.Host.CPUSecond, back.Host.CPUSecond)
	assert.Equal(t, s.Host.ForkTime, back.Host.ForkTime)
	assert.Equal(t, s.Host.ApacheChildPrivate, back.Host.ApacheChildPrivate)
}

func TestHostProfileInVariantAndSet(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"calibrated.toml": profile,
		"s.toml":          phase + "\n[variants.cal]\nhost.profile = \"calibrated.toml\"\n",
	})
	s, err := Load(filepath.Join(dir, "s.toml"), "cal")
	require.NoError(t, err)
	assert.Equal(t, 1.25, s.Host.CPUSecond)

	// --set is relative to the working directory.
	s, err = Load(filepath.Join(dir, "s.toml"), "", Override{Key: "host.profile", Value: filepath.Join(dir, "calibrated.toml")})
	require.NoError(t, err)
	assert.Equal(t, 1.25, s.Host.CPUSecond)
	s, err = Load(filepath.Join(dir, "s.toml"), "", Override{Key: "host.profile", Value: "calibrated.toml"})
	e := onlyError(t, err)
	assert.Equal(t, "--set", e.File)
	assert.Nil(t, s)
}

func TestHostProfileErrors(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		file    string // the file the error names: "p" the profile, "s" the scenario
		line    int
		key     string
		msg     string
	}{
		{"unknown key", "[host]\n\nfork_tme = \"1ms\"\n", "p", 3, "host.fork_tme", "did you mean host.fork_time?"},
		{"wrong type", "[host]\ncpus = \"two\"\n", "p", 2, "host.cpus", "expected an integer"},
		{"other tables", "[host]\ncpus = 2\n[apache]\nmpm = \"prefork\"\n", "p", 3, "apache", "only a [host] table"},
		{"nested profile", "[host]\nprofile = \"other.toml\"\n", "p", 2, "host.profile", "cannot name another profile"},
		{"syntax", "[host]\ncpus = = 2\n", "p", 2, "", "TOML syntax error in the host profile"},
		{"out of range is located in the profile", "[host]\n\ncpu_second = 0.0\n", "p", 3, "host.cpu_second", "must be from 0.001 to 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"p.toml": tt.profile,
				"s.toml": "name = \"x\"\n[host]\nprofile = \"p.toml\"\n" + phase,
			})
			_, err := Load(filepath.Join(dir, "s.toml"), "")
			e := onlyError(t, err)
			assert.Equal(t, filepath.Join(dir, tt.file+".toml"), e.File, "%v", e)
			assert.Equal(t, tt.line, e.Line, "%v", e)
			if tt.key != "" {
				assert.Equal(t, tt.key, e.Key)
			}
			assert.Contains(t, e.Msg, tt.msg)
		})
	}

	t.Run("missing profile names the scenario line", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"s.toml": "name = \"x\"\n[host]\nprofile = \"nope.toml\"\n" + phase})
		_, err := Load(filepath.Join(dir, "s.toml"), "")
		e := onlyError(t, err)
		assert.Equal(t, filepath.Join(dir, "s.toml"), e.File)
		assert.Equal(t, 3, e.Line)
		assert.Equal(t, "host.profile", e.Key)
		assert.True(t, strings.Contains(e.Msg, filepath.Join(dir, "nope.toml")), e.Msg)
	})
}

func TestValidateTolerance(t *testing.T) {
	s, err := Parse("v.toml", []byte(phase+"\n[validate]\nreplications = 3\ntolerance = { peak_pss = 0.1, failures_504 = 0.05 }\n"), "")
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"peak_pss": 0.1, "failures_504": 0.05}, s.Validate.Tolerance)

	_, err = Parse("v.toml", []byte(phase+"\n[validate]\n\ntolerance = { peak_ps = 0.1 }\n"), "")
	e := onlyError(t, err)
	assert.Equal(t, "validate.tolerance.peak_ps", e.Key)
	assert.Equal(t, 8, e.Line)
	assert.Contains(t, e.Msg, "unknown metric; did you mean peak_pss?")
	assert.Contains(t, e.Msg, "the metrics are spawn_timeline, processes_mae")

	_, err = Parse("v.toml", []byte(phase+"\n[validate]\ntolerance = { latency_p99 = -1 }\n"), "")
	assert.Contains(t, onlyError(t, err).Msg, "must be a finite number, 0 or more")
}
