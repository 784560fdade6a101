package scenarios

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's scenario reference must show every key the loader accepts.
func TestReadmeReferenceHasEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for key := range knownPaths() {
		// A value "key = …" (maybe dotted, as in variants) or a table header "[…key…]".
		k := regexp.QuoteMeta(key)
		re := regexp.MustCompile(`(?m)^((\S+\.)?` + k + ` = |\[\[?(\S+\.)?` + k + `[.\]])`)
		assert.Truef(t, re.Match(readme), "README's scenario reference lacks %q", key)
	}
}
