package scenarios

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/BurntSushi/toml"
)

// Parse reads a scenario from TOML text and applies the named variant ("" for
// none). name is used in error messages.
// PROVISIONAL: a minimal loader, to be replaced by the full one (positions,
// allowed values, validation).
func Parse(name string, data []byte, variant string) (*Scenario, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	variants, _ := doc["variants"].(map[string]any)
	delete(doc, "variants")
	var names []string
	for n := range variants {
		names = append(names, n)
	}
	sort.Strings(names)
	if variant != "" {
		v, ok := variants[variant].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: no variant %q (the file defines %v)", name, variant, names)
		}
		merge(doc, v)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	merged := buf.String()

	mpm := DefaultMPM
	if a, ok := doc["apache"].(map[string]any); ok {
		if m, ok := a["mpm"].(string); ok {
			mpm = m
		}
	}
	s := Defaults(mpm)
	md, err := toml.Decode(merged, &s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q", name, und[0].String())
	}
	// Daemon groups start from mod_wsgi's defaults, not from zero.
	var groups struct {
		WSGI struct {
			DaemonProcesses map[string]toml.Primitive `toml:"daemon_process"`
		} `toml:"wsgi"`
	}
	gmd, _ := toml.Decode(merged, &groups)
	for g, prim := range groups.WSGI.DaemonProcesses {
		d := DefaultDaemonProcess()
		if err := gmd.PrimitiveDecode(prim, &d); err != nil {
			return nil, fmt.Errorf("%s: wsgi.daemon_process.%s: %w", name, g, err)
		}
		s.WSGI.DaemonProcesses[g] = &d
	}
	s.Source, s.Variant, s.Variants = name, variant, names
	return &s, nil
}

// merge copies src over dst, descending into tables present in both.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				merge(dv, sv)
				continue
			}
		}
		dst[k] = v
	}
}
