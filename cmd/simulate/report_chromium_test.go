package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds a headless Chromium. Without one the test skips on a
// developer's machine and fails under CI=true: CI installs it (.ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runChromium runs headless Chromium on a file with a fresh profile and
// the given action flags, and returns its stdout.
func runChromium(t *testing.T, bin, page string, action ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,2400"}, action...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium: %s", stderr.String())
	return stdout.Bytes()
}

// The report as a browser renders it: the verdict is on the page, every
// figure decodes, and the screenshot is a page, not a blank.
func TestReportRendersInChromium(t *testing.T) {
	bin := chromium(t)
	prefork, daemon := writeFixtureDirs(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "report.html")
	code, _, stderr := runCLI("report", prefork, daemon, "--out", report)
	require.Equal(t, 0, code, stderr)

	// A copy with a small inline check appended: once the page has loaded,
	// count the images and those that did not decode, and measure the
	// verdict. The report itself has no script.
	page, err := os.ReadFile(report)
	require.NoError(t, err)
	check := `<script>window.addEventListener("load", () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !i.complete || i.naturalWidth === 0).length;
  const v = document.getElementById("verdict").getBoundingClientRect();
  document.body.setAttribute("data-check", imgs.length + " images, " + broken + " broken, verdict " + Math.round(v.height) + "px high");
});</script>`
	checked := filepath.Join(dir, "checked.html")
	require.NoError(t, os.WriteFile(checked, bytes.Replace(page, []byte("</body>"), []byte(check+"</body>"), 1), 0o644))
	dom := string(runChromium(t, bin, checked, "--virtual-time-budget=10000", "--dump-dom"))
	m := regexp.MustCompile(`data-check="(\d+) images, (\d+) broken, verdict (\d+)px high"`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the check did not run; DOM starts %.300q", dom)
	assert.Equal(t, "18", m[1], "6 figures per run and 6 comparison figures")
	assert.Equal(t, "0", m[2], "every figure decodes (naturalWidth > 0)")
	assert.NotEqual(t, "0", m[3], "the verdict is laid out")
	for _, s := range []string{"Verdict", "Apache reached MaxRequestWorkers: 150 children of 150", "Meets every goal: 2. daemon / runtime", "lowest p99"} {
		assert.True(t, strings.Contains(dom, s), "the page lacks %q", s)
	}

	// The screenshot, kept out of the repository: in a temporary directory,
	// or in $FORKCAST_SCREENSHOT_DIR to look at it afterwards.
	shots := t.TempDir()
	if d := os.Getenv("FORKCAST_SCREENSHOT_DIR"); d != "" {
		shots = d
	}
	shot := filepath.Join(shots, "report.png")
	runChromium(t, bin, report, "--screenshot="+shot)
	t.Logf("screenshot: %s", shot)
	data, err := os.ReadFile(shot)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1280, 2400), img.Bounds())
	inked, colours := ink(img)
	t.Logf("%.1f%% of the pixels are not white; %d distinct colours", 100*inked, colours)
	assert.Greater(t, inked, 0.02, "text, tables and figures cover the page")
	assert.Greater(t, colours, 50, "figures in colour, not a blank or an error page")
	assert.False(t, strings.Contains(dom, "ERR_"), "no browser error page")
}

// ink is the share of pixels that are not near-white and the number of
// distinct colours (to 4 bits a channel).
func ink(img image.Image) (float64, int) {
	b := img.Bounds()
	seen := map[uint32]bool{}
	var n int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
			seen[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy()), len(seen)
}
