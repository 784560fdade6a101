package scenarios

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Load reads a scenario file and resolves it: the defaults for its MPM, then
// the file's values, then the named variant ("" for none), then the
// overrides. Errors are *Error values (several are joined).
func Load(path string, variant string, sets ...Override) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read the scenario: %v", errors.Unwrap(err))}
	}
	return Parse(path, data, variant, sets...)
}

// Parse resolves a scenario from TOML text, as Load does; name is the file
// name used in errors and, without its directory and ".toml", the scenario's
// default name.
func Parse(name string, data []byte, variant string, sets ...Override) (*Scenario, error) {
	base := strings.TrimSuffix(filepath.Base(name), ".toml")
	return parse(source{file: name, name: base, data: data}, variant, sets)
}

// Open loads arg as a file when it ends in ".toml" or contains a slash, and
// otherwise as the name of a built-in scenario; "" means DefaultBuiltin.
func Open(arg string, variant string, sets ...Override) (*Scenario, error) {
	if arg == "" {
		arg = DefaultBuiltin
	}
	if strings.HasSuffix(arg, ".toml") || strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) {
		return Load(arg, variant, sets...)
	}
	return LoadBuiltin(arg, variant, sets...)
}

// An Override is one `--set KEY=VALUE`: KEY is a dotted TOML key path
// (apache.max_request_workers, wsgi.daemon_process.app.threads,
// workload.urls."/api", workload.phase[1].rate with a 0-based index) and
// VALUE is read with TOML's rules, a bare word such as event or 5s being
// taken as a string. Overrides apply after the variant, before the MPM's
// defaults are chosen, so apache.mpm=worker brings worker's defaults.
type Override struct {
	Key   string
	Value string
}

// ParseOverride splits "KEY=VALUE".
func ParseOverride(arg string) (Override, error) {
	inQuote := byte(0)
	for i := 0; i < len(arg); i++ {
		switch c := arg[i]; {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '=':
			k := strings.TrimSpace(arg[:i])
			for _, r := range arg {
				if r < 0x20 || r == 0x7f {
					return Override{}, &Error{File: "--set", Key: k, Msg: fmt.Sprintf("%q: a --set may not contain newlines or other control characters", arg)}
				}
			}
			if _, err := splitKey(k); err != nil {
				return Override{}, &Error{File: "--set", Key: k, Msg: err.Error()}
			}
			return Override{Key: k, Value: strings.TrimSpace(arg[i+1:])}, nil
		}
	}
	return Override{}, &Error{File: "--set", Key: arg, Msg: "expected KEY=VALUE, e.g. apache.max_request_workers=50"}
}

func (o Override) String() string { return o.Key + "=" + o.Value }

// value reads the override's value with TOML's rules, or as a bare string.
func (o Override) value() any {
	var m map[string]any
	if _, err := toml.Decode("v = "+o.Value, &m); err == nil && len(m) == 1 {
		return m["v"]
	}
	return o.Value
}

// Set applies one more override to a loaded scenario by resolving it again
// from its source (so that changing apache.mpm brings that MPM's defaults),
// and replaces *s. A scenario that was not loaded is resolved from its
// Format output. Changes made to *s other than through Set are lost.
func Set(s *Scenario, key, value string) error {
	src := s.src
	if src == nil {
		data, err := Format(s)
		if err != nil {
			return err
		}
		file := s.Source
		if file == "" {
			file = s.Name
		}
		src = &source{file: file, name: s.Name, data: data}
	}
	if _, err := splitKey(key); err != nil {
		return &Error{File: "--set", Key: key, Msg: err.Error()}
	}
	sets := append(slices.Clone(src.sets), Override{Key: key, Value: value})
	ns, err := parse(*src, s.Variant, sets)
	if err != nil {
		return err
	}
	*s = *ns
	return nil
}

// source is where a scenario came from, kept so Set can resolve it again.
type source struct {
	file string // for errors and Scenario.Source
	name string // the default scenario name
	data []byte
	sets []Override
}

// layers holds the raw TOML tables of one resolution, and finds where a key
// was written.
type layers struct {
	file    string
	lines   map[string]int
	doc     map[string]any // the file without its variants
	variant string
	vdoc    map[string]any // the applied variant's table
	sets    []Override
	profile *layers // the host profile named by host.profile, if any
}

// applyProfile reads the host profile named by host.profile in the merged
// tables, checks it (errors name the profile file and line) and puts its
// [host] keys under the merged host table. A profile named in the scenario
// file is relative to the file's directory; one given with --set (or in a
// built-in scenario) is relative to the working directory.
func (L *layers) applyProfile(merged map[string]any) error {
	h, _ := merged["host"].(map[string]any)
	name, ok := h["profile"].(string)
	if !ok || name == "" {
		return nil // absent, or of the wrong type: decode reports that
	}
	path := name
	fromSet := false
	for _, o := range L.sets {
		fromSet = fromSet || o.Key == "host.profile" || o.Key == "host"
	}
	if !filepath.IsAbs(path) && !fromSet && !strings.HasPrefix(L.file, "builtin:") {
		path = filepath.Join(filepath.Dir(L.file), name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return L.locate(problem{key: "host.profile", value: tomlValue(name),
			msg: fmt.Sprintf("cannot read the host profile %s: %v (a profile named in a scenario file is relative to the file's directory; write one with `simulate calibrate`)", path, err)})
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &Error{File: path, Line: pe.Position.Line, Col: pe.Position.Col, Key: pe.LastKey, Msg: "TOML syntax error in the host profile: " + pe.Message}
		}
		return &Error{File: path, Msg: "TOML syntax error in the host profile: " + err.Error()}
	}
	P := &layers{file: path, lines: keyLines(string(data)), doc: doc}
	var ps problems
	for _, k := range sortedKeys(doc) {
		if k != "host" {
			ps.add(k, nil, "a host profile holds only a [host] table")
		}
	}
	ht, ok := doc["host"].(map[string]any)
	if raw, present := doc["host"]; present && !ok {
		ps.add("host", raw, "expected a table, [host]")
	}
	scratch, check := DefaultHost(), map[string]any{}
	for k, v := range ht {
		if k == "profile" {
			ps.add("host.profile", v, "a host profile cannot name another profile")
			continue
		}
		check[k] = v
	}
	decode(check, reflect.ValueOf(&scratch).Elem(), "host", &ps)
	if len(ps) > 0 {
		return P.errors(ps)
	}
	nh := deepCopy(ht).(map[string]any)
	merge(nh, h)
	merged["host"] = nh
	L.profile = P
	return nil
}

func parse(src source, variant string, sets []Override) (*Scenario, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(src.data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: src.file, Line: pe.Position.Line, Col: pe.Position.Col, Key: pe.LastKey,
				Msg: "TOML syntax error: " + pe.Message}
		}
		return nil, &Error{File: src.file, Msg: "TOML syntax error: " + err.Error()}
	}
	L := &layers{file: src.file, lines: keyLines(string(src.data)), doc: doc, sets: sets}

	// Variants.
	var ps problems
	variants := map[string]map[string]any{}
	if raw, ok := doc["variants"]; ok {
		delete(doc, "variants")
		vt, ok := raw.(map[string]any)
		if !ok {
			ps.add("variants", raw, "expected a table of variants, [variants.NAME]")
		}
		for _, n := range sortedKeys(vt) {
			t, ok := vt[n].(map[string]any)
			if !ok {
				ps.add(joinKey("variants", n), vt[n], "expected a table: [variants.%s] holding the keys the variant changes", n)
				continue
			}
			if _, ok := t["variants"]; ok {
				ps.add(joinKey(joinKey("variants", n), "variants"), nil, "a variant cannot define variants")
				delete(t, "variants")
			}
			variants[n] = t
		}
	}
	if len(ps) > 0 {
		return nil, L.errors(ps)
	}
	names := sortedKeys(variants)
	if variant != "" {
		t, ok := variants[variant]
		if !ok {
			msg := fmt.Sprintf("no variant %q: the scenario defines none", variant)
			if len(names) > 0 {
				msg = fmt.Sprintf("no variant %q: the scenario defines %s", variant, oneOf(names))
			}
			return nil, &Error{File: src.file, Line: L.lines["variants"], Key: "variants", Msg: msg}
		}
		L.variant, L.vdoc = variant, t
	}

	// Merge the layers: file, variant, overrides.
	merged := deepCopy(doc).(map[string]any)
	if L.vdoc != nil {
		merge(merged, deepCopy(L.vdoc).(map[string]any))
	}
	for _, o := range sets {
		segs, err := splitKey(o.Key)
		if err == nil {
			err = setRaw(merged, segs, o.value())
		}
		if err != nil {
			return nil, &Error{File: "--set", Key: o.Key, Value: o.Value, Msg: err.Error()}
		}
	}

	// A host profile goes under the merged [host] table: its keys override
	// the defaults, the scenario's own keys override it.
	if err := L.applyProfile(merged); err != nil {
		return nil, err
	}

	// The MPM chooses the defaults.
	mpm := DefaultMPM
	if a, ok := merged["apache"].(map[string]any); ok {
		if raw, ok := a["mpm"]; ok {
			m, _ := raw.(string)
			if !slices.Contains(MPMs, m) {
				ps.add("apache.mpm", raw, "unknown MPM; expected %s", oneOf(MPMs))
				return nil, L.errors(ps)
			}
			mpm = m
		}
	}
	s := Defaults(mpm)
	decode(merged, reflect.ValueOf(&s).Elem(), "", &ps)

	// Unknown keys and wrong types in the variants not applied.
	for _, n := range names {
		if n == variant {
			continue
		}
		scratch := Defaults(mpm)
		var vps problems
		decode(variants[n], reflect.ValueOf(&scratch).Elem(), "", &vps)
		prefix := joinKey("variants", n)
		for _, p := range vps {
			p.key = prefix + "." + p.key
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return nil, L.errors(ps)
	}

	if _, ok := merged["name"]; !ok {
		s.Name = src.name
	}
	inherit(merged, &s)
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].At.Duration < s.Events[j].At.Duration })
	s.Source, s.Variant, s.Variants = src.file, variant, names
	s.src = &source{file: src.file, name: src.name, data: src.data, sets: slices.Clone(sets)}

	if ps := s.check(); len(ps) > 0 {
		return nil, L.errors(ps)
	}
	_, s.Warnings = s.Effective()
	return &s, nil
}

// inherit fills what populations and per-URL costs leave unwritten with
// the values they default to: a population's client keys and arrivals are
// [workload]'s, a URL prefix's costs are [app]'s.
func inherit(merged map[string]any, s *Scenario) {
	for _, t := range []struct {
		table string
		ps    map[string]*Population
	}{{"workload.population", s.Workload.Populations}, {"workload.observer", s.Workload.Observers}} {
		for _, n := range sortedKeys(t.ps) {
			p := t.ps[n]
			key := joinKey(t.table, n)
			copyUnwritten(merged, key, reflect.ValueOf(&p.Client).Elem(), reflect.ValueOf(s.Workload.Client))
			if !hasRaw(merged, key+".arrivals") {
				p.Arrivals = s.Workload.Arrivals
			}
		}
	}
	for _, u := range sortedKeys(s.App.URLs) {
		c := s.App.URLs[u]
		key := joinKey("app.urls", u)
		if !hasRaw(merged, key+".request_cpu") {
			c.RequestCPU = s.App.RequestCPU
		}
		if !hasRaw(merged, key+".request_wait") {
			c.RequestWait = s.App.RequestWait
		}
		if !hasRaw(merged, key+".request_memory_growth") {
			c.RequestMemoryGrowth = s.App.RequestMemoryGrowth
		}
	}
}

// copyUnwritten sets each field of dst (a struct) that the raw tables do not
// hold under key to the same field of src.
func copyUnwritten(merged map[string]any, key string, dst, src reflect.Value) {
	for tag, i := range tomlFields(dst.Type()) {
		if !hasRaw(merged, key+"."+tag) {
			dst.FieldByIndex(i).Set(src.FieldByIndex(i))
		}
	}
}

// errors gives each problem its file and line and joins them.
func (L *layers) errors(ps problems) error {
	errs := make([]error, 0, len(ps))
	for _, p := range ps {
		errs = append(errs, L.locate(p))
	}
	return errors.Join(errs...)
}

// locate finds where a problem's key, or failing that a related key, was
// written: in an override, in the applied variant, or in the file.
func (L *layers) locate(p problem) *Error {
	e := &Error{File: L.file, Key: p.key, Value: p.value, Msg: p.msg}
	if strings.HasPrefix(p.key, "variants") {
		e.Line = L.line("", p.key)
		return e
	}
	for _, k := range append([]string{p.key}, p.related...) {
		for _, o := range L.sets {
			if k == o.Key || strings.HasPrefix(k, o.Key+".") || strings.HasPrefix(k, o.Key+"[") {
				e.File, e.Line = "--set", 0
				return e
			}
		}
		if L.vdoc != nil && hasRaw(L.vdoc, k) {
			e.Line = L.line(joinKey("variants", L.variant)+".", k)
			return e
		}
		if hasRaw(L.doc, k) {
			e.Line = L.line("", k)
			return e
		}
		if L.profile != nil && hasRaw(L.profile.doc, k) {
			e.File, e.Line = L.profile.file, L.profile.line("", k)
			return e
		}
	}
	return e
}

// line returns the line of prefix+key, or of its nearest written parent.
func (L *layers) line(prefix, key string) int {
	for key != "" {
		if n, ok := L.lines[prefix+key]; ok {
			return n
		}
		key = parentKey(key)
	}
	return 0
}

// hasRaw reports whether a key path is present in a raw TOML table.
func hasRaw(doc map[string]any, key string) bool {
	segs, err := splitKey(key)
	if err != nil {
		return false
	}
	var cur any = doc
	for _, s := range segs {
		switch c := cur.(type) {
		case map[string]any:
			if s.isIndex {
				return false
			}
			v, ok := c[s.name]
			if !ok {
				return false
			}
			cur = v
		case []map[string]any:
			if !s.isIndex || s.index >= len(c) {
				return false
			}
			cur = c[s.index]
		case []any:
			if !s.isIndex || s.index >= len(c) {
				return false
			}
			cur = c[s.index]
		default:
			return false
		}
	}
	return true
}

// setRaw sets a key path in a raw TOML table, creating tables on the way;
// an index may name an existing array element or append one table.
func setRaw(doc map[string]any, segs []keySeg, val any) error {
	var cur any = doc
	for i, s := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if s.isIndex {
				return fmt.Errorf("%s is not an array", joinSegs(segs[:i]))
			}
			if last {
				c[s.name] = val
				return nil
			}
			next, ok := c[s.name]
			if !ok {
				if segs[i+1].isIndex {
					next = []map[string]any{}
				} else {
					next = map[string]any{}
				}
				c[s.name] = next
			}
			if arr, ok := next.([]map[string]any); ok && segs[i+1].isIndex && segs[i+1].index == len(arr) {
				c[s.name] = append(arr, map[string]any{})
				next = c[s.name]
			}
			cur = next
		case []map[string]any:
			if !s.isIndex || s.index >= len(c) {
				return fmt.Errorf("%s has %d elements; index them from 0, or use [%d] to add one", joinSegs(segs[:i]), len(c), len(c))
			}
			if last {
				m, ok := val.(map[string]any)
				if !ok {
					return fmt.Errorf("an element of %s must be a table", joinSegs(segs[:i]))
				}
				c[s.index] = m
				return nil
			}
			cur = c[s.index]
		case []any:
			if !s.isIndex || s.index >= len(c) {
				return fmt.Errorf("%s has %d elements; index them from 0", joinSegs(segs[:i]), len(c))
			}
			if last {
				c[s.index] = val
				return nil
			}
			cur = c[s.index]
		default:
			return fmt.Errorf("%s is a value, not a table", joinSegs(segs[:i]))
		}
	}
	return nil
}

// merge copies src over dst, descending into tables present in both. Arrays
// and all other values are replaced whole.
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

// deepCopy copies raw TOML data so that merging never changes a layer.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []map[string]any:
		a := make([]map[string]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e).(map[string]any)
		}
		return a
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

var (
	durationType   = reflect.TypeFor[Duration]()
	sizeType       = reflect.TypeFor[Size]()
	distType       = reflect.TypeFor[Dist]()
	tickPhaseType  = reflect.TypeFor[TickPhase]()
	delayLevelType = reflect.TypeFor[DelayLevel]()
	daemonType     = reflect.TypeFor[*DaemonProcess]()
	phaseType      = reflect.TypeFor[Phase]()
	populationType = reflect.TypeFor[*Population]()
)

// decode stores raw TOML data in v, reporting unknown keys and values of the
// wrong type or form under key. Tables decode onto what v already holds (the
// defaults); maps and arrays are replaced whole, and each daemon group starts
// from DefaultDaemonProcess.
func decode(raw any, v reflect.Value, key string, ps *problems) {
	t := v.Type()
	switch t {
	case durationType:
		var d Duration
		switch r := raw.(type) {
		case string:
			if err := d.UnmarshalText([]byte(r)); err != nil {
				ps.add(key, raw, "%v", err)
				return
			}
		case int64:
			if r != 0 {
				ps.add(key, raw, "a duration needs a unit: write it like \"5s\", \"150ms\", \"2m\" (units ns, us, ms, s, m, h)")
				return
			}
		default:
			ps.add(key, raw, "expected a duration like \"5s\", \"150ms\", \"2m\", got %s", describe(raw))
			return
		}
		v.Set(reflect.ValueOf(d))
		return
	case sizeType:
		switch r := raw.(type) {
		case string:
			sz, err := ParseSize(r)
			if err != nil {
				ps.add(key, raw, "%v; units B, KiB, MiB, GiB, TiB (KB, MB, GB read as binary)", err)
				return
			}
			v.Set(reflect.ValueOf(sz))
		case int64:
			if r < 0 {
				ps.add(key, raw, "a size cannot be negative")
				return
			}
			v.Set(reflect.ValueOf(Size(r)))
		default:
			ps.add(key, raw, "expected a size like \"30MiB\", \"256MB\", \"4GiB\" or a number of bytes, got %s", describe(raw))
		}
		return
	case tickPhaseType:
		r, ok := raw.(string)
		var tp TickPhase
		if !ok {
			ps.add(key, raw, "expected \"random\" or a duration such as \"0.5s\", got %s", describe(raw))
			return
		}
		if err := tp.UnmarshalText([]byte(r)); err != nil {
			ps.add(key, raw, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(tp))
		return
	case delayLevelType:
		r, ok := raw.(string)
		var l DelayLevel
		if !ok {
			ps.add(key, raw, "expected a level written as a string, \"QUIET: Q0 Q1 …\", got %s", describe(raw))
			return
		}
		if err := l.UnmarshalText([]byte(r)); err != nil {
			ps.add(key, raw, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(l))
		return
	case distType:
		r, ok := raw.(string)
		if !ok {
			ps.add(key, raw, "expected a distribution written as a string, one of %s; got %s", DistForms, describe(raw))
			return
		}
		d, err := ParseDist(r)
		if err != nil {
			ps.add(key, raw, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(d))
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			ps.add(key, raw, "expected a table, got %s", describe(raw))
			return
		}
		fields := tomlFields(t)
		for _, k := range sortedKeys(m) {
			i, ok := fields[k]
			if !ok {
				ps.add(joinKey(key, k), nil, "%s", unknownKey(key, k, fields))
				continue
			}
			decode(m[k], v.FieldByIndex(i), joinKey(key, k), ps)
		}
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			ps.add(key, raw, "expected a table, got %s", describe(raw))
			return
		}
		nm := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			e := newElem(t.Elem())
			decode(m[k], e, joinKey(key, k), ps)
			nm.SetMapIndex(reflect.ValueOf(k), e)
		}
		v.Set(nm)
	case reflect.Pointer:
		e := newElem(t)
		decode(raw, e.Elem(), key, ps)
		v.Set(e)
	case reflect.Slice:
		var items []any
		switch r := raw.(type) {
		case []map[string]any:
			for _, e := range r {
				items = append(items, e)
			}
		case []any:
			items = r
		default:
			ps.add(key, raw, "expected an array of tables ([[%s]]), got %s", key, describe(raw))
			return
		}
		ns := reflect.MakeSlice(t, 0, len(items))
		for i, item := range items {
			e := newElem(t.Elem())
			decode(item, e, indexKey(key, i), ps)
			ns = reflect.Append(ns, e)
		}
		v.Set(ns)
	case reflect.String:
		r, ok := raw.(string)
		if !ok {
			ps.add(key, raw, "expected a string, got %s", describe(raw))
			return
		}
		v.SetString(r)
	case reflect.Bool:
		r, ok := raw.(bool)
		if !ok {
			ps.add(key, raw, "expected true or false, got %s", describe(raw))
			return
		}
		v.SetBool(r)
	case reflect.Int:
		r, ok := raw.(int64)
		if !ok {
			ps.add(key, raw, "expected an integer, got %s", describe(raw))
			return
		}
		v.SetInt(r)
	case reflect.Uint64:
		r, ok := raw.(int64)
		if !ok || r < 0 {
			ps.add(key, raw, "expected a non-negative integer, got %s", describe(raw))
			return
		}
		v.SetUint(uint64(r))
	case reflect.Float64:
		switch r := raw.(type) {
		case int64:
			v.SetFloat(float64(r))
		case float64:
			if math.IsNaN(r) || math.IsInf(r, 0) {
				ps.add(key, raw, "must be a finite number (nan and inf are not values forkcast can simulate)")
				return
			}
			v.SetFloat(r)
		default:
			ps.add(key, raw, "expected a number, got %s", describe(raw))
		}
	default:
		panic("scenarios: cannot decode into " + t.String())
	}
}

// newElem returns a settable new value of type t for a map or array
// element: daemon groups start from mod_wsgi's defaults, phases as steps.
func newElem(t reflect.Type) reflect.Value {
	switch t {
	case daemonType:
		d := DefaultDaemonProcess()
		p := reflect.New(t).Elem()
		p.Set(reflect.ValueOf(&d))
		return p
	case phaseType:
		e := reflect.New(t).Elem()
		e.Set(reflect.ValueOf(Phase{Shape: "step"}))
		return e
	case populationType:
		d := DefaultPopulation()
		p := reflect.New(t).Elem()
		p.Set(reflect.ValueOf(&d))
		return p
	}
	if t.Kind() == reflect.Pointer { // a settable pointer to a new zero value
		p := reflect.New(t).Elem()
		p.Set(reflect.New(t.Elem()))
		return p
	}
	return reflect.New(t).Elem()
}

// tomlFields maps the toml tag of each field of struct type t to its index
// path. The fields of an embedded struct without a tag (Client in Workload
// and Population) count as the outer struct's own, as the TOML encoder
// writes them.
func tomlFields(t reflect.Type) map[string][]int {
	fields := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			for k, idx := range tomlFields(f.Type) {
				fields[k] = append([]int{i}, idx...)
			}
			continue
		}
		if tag != "" && tag != "-" {
			fields[tag] = []int{i}
		}
	}
	return fields
}

// unknownKey explains an unknown key k in table, suggesting the closest.
func unknownKey(table, k string, fields map[string][]int) string {
	known := sortedKeys(fields)
	if table == "" {
		known = append(known, "variants")
		sort.Strings(known)
	}
	if c := closest(k, known); c != "" {
		return fmt.Sprintf("unknown key; did you mean %s?", joinKey(table, c))
	}
	if elsewhere := knownPaths()[k]; len(elsewhere) > 0 {
		return fmt.Sprintf("unknown key; did you mean %s?", strings.Join(elsewhere, " or "))
	}
	where := "at the top level"
	if table != "" {
		where = "in [" + table + "]"
	}
	return fmt.Sprintf("unknown key; the keys %s are %s", where, strings.Join(known, ", "))
}

// knownPaths maps each key name of the schema to the full paths it has.
func knownPaths() map[string][]string {
	paths := map[string][]string{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for tag, i := range tomlFields(t) {
			p := joinKey(prefix, tag)
			paths[tag] = append(paths[tag], p)
			ft := t.FieldByIndex(i).Type
			switch {
			case ft == durationType || ft == sizeType || ft == distType || ft == tickPhaseType || ft == reflect.TypeFor[ResponseDelay]():
			case ft.Kind() == reflect.Struct:
				walk(ft, p)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), p+"[i]")
			case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Pointer && ft.Elem().Elem().Kind() == reflect.Struct:
				walk(ft.Elem().Elem(), p+".NAME")
			}
		}
	}
	walk(reflect.TypeFor[Scenario](), "")
	for _, ps := range paths {
		sort.Strings(ps)
	}
	return paths
}

// describe names the TOML type of a raw value for messages.
func describe(raw any) string {
	switch r := raw.(type) {
	case string:
		return fmt.Sprintf("the string %q", r)
	case int64:
		return fmt.Sprintf("the integer %d", r)
	case float64:
		return fmt.Sprintf("the float %v", r)
	case bool:
		return fmt.Sprintf("the boolean %v", r)
	case map[string]any:
		return "a table"
	case []map[string]any, []any:
		return "an array"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("a %T", raw)
}
