package apacheconf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Pos is where a directive was written.
type Pos struct {
	File string // the path as httpd would open it (without Options.Sysroot)
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is a configuration httpd would refuse, or one that cannot be read.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.File == "" {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Directive is one directive or section, after conditionals and includes.
type Directive struct {
	Name     string   // as written, without "<" for a section
	Args     []string // words, ${VAR} replaced, quotes removed
	Pos      Pos
	Section  bool
	Children []*Directive // a section's content
	Parent   *Directive   // the enclosing section; nil at the top level
}

// Is reports whether the directive is named name (case-insensitively, as
// httpd compares directive names).
func (d *Directive) Is(name string) bool { return strings.EqualFold(d.Name, name) }

// Arg returns the i-th argument, or "".
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// Module is one LoadModule.
type Module struct {
	Name string // the module structure's symbol, e.g. wsgi_module
	Path string
	Pos  Pos
}

// Source returns the module's source file name, the other name <IfModule>
// accepts: mod_wsgi.c for wsgi_module, event.c for mpm_event_module.
func (m Module) Source() string { return sourceName(m.Name) }

func sourceName(symbol string) string {
	base := strings.TrimSuffix(symbol, "_module")
	if mpm, ok := strings.CutPrefix(base, "mpm_"); ok {
		return mpm + ".c" // server/mpm/event/event.c: module's name is "event.c"
	}
	if base == "http" {
		return "http_core.c"
	}
	if base == "core" {
		return "core.c"
	}
	return "mod_" + base + ".c"
}

// Config is a configuration as httpd reads it.
type Config struct {
	File       string // the main configuration file
	ServerRoot string
	Modules    []Module // LoadModule, in order
	Builtin    []string // modules compiled into httpd (symbols)
	Defines    []string // -D and Define names
	Vars       map[string]string
	Directives []*Directive // the top level
	Warnings   []string     // what httpd logs while reading (undefined variables)
	Files      []string     // every file read, in order
}

// Loaded reports whether a module is loaded or compiled in, by either name.
func (c *Config) Loaded(name string) bool {
	for _, b := range c.Builtin {
		if name == b || name == sourceName(b) {
			return true
		}
	}
	for _, m := range c.Modules {
		if name == m.Name || name == m.Source() {
			return true
		}
	}
	return false
}

// Walk calls f for every directive, depth first, in order.
func (c *Config) Walk(f func(d *Directive)) {
	var walk func([]*Directive)
	walk = func(ds []*Directive) {
		for _, d := range ds {
			f(d)
			walk(d.Children)
		}
	}
	walk(c.Directives)
}

// Options say how to read a configuration.
type Options struct {
	// Sysroot, if set, is where absolute paths are read from: a copy of
	// another machine's files (its etc/apache2, etc/httpd) under a
	// directory. Errors and positions still show the paths as written.
	Sysroot string
	// ServerRoot is httpd's -d: the ServerRoot before any ServerRoot
	// directive. "" means the layout's: the directory of apache2.conf
	// (Debian), or the parent of conf/ for conf/httpd.conf (RHEL, source
	// builds).
	ServerRoot string
	// Defines are httpd's -D NAME arguments.
	Defines []string
	// Env is the environment ${VAR} falls back to after Define; Debian's
	// envvars next to apache2.conf is read over it.
	Env map[string]string
	// Builtin lists the modules compiled into httpd (`apache2 -l`), by
	// symbol; nil means Debian's apache2: core, so, watchdog, http,
	// log_config, logio, version, unixd.
	Builtin []string
	// Version is httpd's version for <IfVersion>; "" means 2.4.62.
	Version string
}

// DebianBuiltin are the modules compiled into Debian 12's apache2.
var DebianBuiltin = []string{"core_module", "so_module", "watchdog_module", "http_module",
	"log_config_module", "logio_module", "version_module", "unixd_module"}

// DefaultConfigs are the main configuration files tried, in order, when no
// file is given: Debian's layout, then RHEL's.
var DefaultConfigs = []string{"/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"}

// maxIncludeDepth is AP_MAX_INCLUDE_DEPTH.
const maxIncludeDepth = 128

// Read reads the configuration whose main file is path (or, for a
// directory, its apache2.conf, conf/httpd.conf or httpd.conf).
func Read(path string, opt Options) (*Config, error) {
	r := &reader{opt: opt, vars: map[string]string{}}
	file, err := r.mainFile(path)
	if err != nil {
		return nil, err
	}
	r.cfg = &Config{File: file, Builtin: opt.Builtin, Vars: r.vars}
	if r.cfg.Builtin == nil {
		r.cfg.Builtin = DebianBuiltin
	}
	r.serverRoot = opt.ServerRoot
	if r.serverRoot != "" && !filepath.IsAbs(r.serverRoot) {
		if abs, err := filepath.Abs(r.serverRoot); err == nil {
			r.serverRoot = abs
		}
	}
	if r.serverRoot == "" {
		dir := filepath.Dir(file)
		if filepath.Base(dir) == "conf" && filepath.Base(file) == "httpd.conf" {
			dir = filepath.Dir(dir)
		}
		r.serverRoot = dir
	}
	r.env = map[string]string{}
	for k, v := range opt.Env {
		r.env[k] = v
	}
	if err := r.readEnvvars(filepath.Join(filepath.Dir(file), "envvars")); err != nil {
		return nil, err
	}
	r.defines = append(r.defines, opt.Defines...)
	top := &Directive{Section: true}
	if err := r.readFile(file, top, Pos{}); err != nil {
		return nil, err
	}
	for _, d := range top.Children {
		d.Parent = nil
	}
	r.cfg.Directives = top.Children
	r.cfg.ServerRoot = r.serverRoot
	r.cfg.Defines = r.defines
	return r.cfg, nil
}

type reader struct {
	opt        Options
	cfg        *Config
	serverRoot string
	env        map[string]string
	vars       map[string]string // Define NAME VALUE
	defines    []string
	depth      int
}

// host returns where a configuration path is read on this machine.
func (r *reader) host(p string) string {
	if r.opt.Sysroot != "" && filepath.IsAbs(p) {
		return filepath.Join(r.opt.Sysroot, p)
	}
	return p
}

func (r *reader) mainFile(path string) (string, error) {
	if path == "" {
		for _, c := range DefaultConfigs {
			if _, err := os.Stat(r.host(c)); err == nil {
				return c, nil
			}
		}
		return "", &Error{Msg: fmt.Sprintf("no Apache configuration found (tried %s); name the file or directory", strings.Join(DefaultConfigs, ", "))}
	}
	if !filepath.IsAbs(path) {
		// Paths are absolute from here on: inside the sysroot when there
		// is one, else from the working directory.
		if r.opt.Sysroot != "" {
			path = filepath.Join("/", path)
		} else if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	fi, err := os.Stat(r.host(path))
	if err != nil {
		return "", &Error{Pos: Pos{File: path}, Msg: "cannot read the configuration: " + errText(err)}
	}
	if !fi.IsDir() {
		return path, nil
	}
	for _, c := range []string{"apache2.conf", "conf/httpd.conf", "httpd.conf"} {
		if _, err := os.Stat(r.host(filepath.Join(path, c))); err == nil {
			return filepath.Join(path, c), nil
		}
	}
	return "", &Error{Pos: Pos{File: path}, Msg: "no apache2.conf, conf/httpd.conf or httpd.conf in this directory"}
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// rootRelative is ap_server_root_relative.
func (r *reader) rootRelative(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(r.serverRoot, p)
}

// line is one logical line: continuations joined.
type line struct {
	text string
	num  int
}

// splitLines joins lines ending in a backslash with the next, as
// ap_cfg_getline does (trailing white space before the backslash check is
// dropped), and drops leading and trailing white space.
func splitLines(data string) []line {
	raw := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	var out []line
	for i := 0; i < len(raw); i++ {
		start := i
		text := strings.TrimRight(raw[i], " \t\r\f\v")
		for strings.HasSuffix(text, "\\") && i+1 < len(raw) {
			i++
			text = text[:len(text)-1] + strings.TrimRight(raw[i], " \t\r\f\v")
		}
		out = append(out, line{strings.TrimSpace(text), start + 1})
	}
	return out
}

// readFile reads one file into parent.
func (r *reader) readFile(file string, parent *Directive, from Pos) error {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxIncludeDepth {
		return &Error{Pos: from, Msg: fmt.Sprintf("Exceeded the maximum include directory nesting level of %d. You have probably a recursion somewhere.", maxIncludeDepth)}
	}
	data, err := os.ReadFile(r.host(file))
	if err != nil {
		return &Error{Pos: from, Msg: fmt.Sprintf("Could not open configuration file %s: %s", file, errText(err))}
	}
	r.cfg.Files = append(r.cfg.Files, file)
	lines := splitLines(string(data))
	i := 0
	if err := r.block(file, lines, &i, parent, ""); err != nil {
		return err
	}
	return nil
}

// block reads directives from lines[*i] into parent until the end of the
// file or the closing tag of section (its name; "" at a file's top level).
func (r *reader) block(file string, lines []line, i *int, parent *Directive, section string) error {
	for ; *i < len(lines); *i++ {
		ln := lines[*i]
		if ln.text == "" || ln.text[0] == '#' {
			continue
		}
		pos := Pos{file, ln.num}
		text := r.resolve(ln.text, pos)
		if strings.HasPrefix(text, "</") {
			name := strings.TrimSuffix(strings.TrimSpace(text[2:]), ">")
			if section == "" {
				return &Error{Pos: pos, Msg: fmt.Sprintf("</%s> without matching <%s> section", name, name)}
			}
			if !strings.EqualFold(name, section) {
				return &Error{Pos: pos, Msg: fmt.Sprintf("Expected </%s> but saw </%s>", section, name)}
			}
			return nil
		}
		if text[0] == '<' {
			j := strings.IndexAny(text, " \t>")
			if j < 0 {
				j = len(text)
			}
			name, rest := text[1:j], text[j:]
			rest = strings.TrimSpace(rest)
			if !strings.HasSuffix(rest, ">") {
				return &Error{Pos: pos, Msg: fmt.Sprintf("<%s> directive missing closing '>'", name)}
			}
			args, err := words(strings.TrimSuffix(rest, ">"))
			if err != nil {
				return &Error{Pos: pos, Msg: err.Error()}
			}
			d := &Directive{Name: name, Args: args, Pos: pos, Section: true, Parent: parent}
			cond, isCond, err := r.condition(d)
			if err != nil {
				return err
			}
			*i++
			switch {
			case isCond && cond:
				// The content goes into the enclosing section, as httpd's
				// ap_build_cont_config does for a true conditional.
				if err := r.block(file, lines, i, parent, name); err != nil {
					return err
				}
			case isCond:
				if err := soak(file, lines, i, name, pos); err != nil {
					return err
				}
			default:
				if err := r.block(file, lines, i, d, name); err != nil {
					return err
				}
				parent.Children = append(parent.Children, d)
			}
			if *i >= len(lines) {
				return &Error{Pos: pos, Msg: fmt.Sprintf("<%s> was not closed.", name)}
			}
			continue
		}
		args, err := words(text)
		if err != nil {
			return &Error{Pos: pos, Msg: err.Error()}
		}
		d := &Directive{Name: args[0], Args: args[1:], Pos: pos, Parent: parent}
		if err := r.execOnRead(d, parent); err != nil {
			return err
		}
	}
	if section != "" {
		return nil // the caller reports the unclosed section
	}
	return nil
}

// soak skips a false conditional section, nested sections included, as
// ap_soak_end_container does (nothing inside is evaluated).
func soak(file string, lines []line, i *int, name string, open Pos) error {
	depth := 0
	for ; *i < len(lines); *i++ {
		t := lines[*i].text
		if t == "" || t[0] == '#' {
			continue
		}
		if strings.HasPrefix(t, "</") {
			if depth == 0 {
				closing := strings.TrimSuffix(strings.TrimSpace(t[2:]), ">")
				if !strings.EqualFold(closing, name) {
					return &Error{Pos: Pos{file, lines[*i].num}, Msg: fmt.Sprintf("Expected </%s> but saw </%s>", name, closing)}
				}
				return nil
			}
			depth--
		} else if t[0] == '<' {
			depth++
		}
	}
	return nil
}

// execOnRead performs the directives httpd executes while reading
// (EXEC_ON_READ: Include, Define, LoadModule, ServerRoot) and keeps every
// directive in the tree.
func (r *reader) execOnRead(d *Directive, parent *Directive) error {
	parent.Children = append(parent.Children, d)
	switch strings.ToLower(d.Name) {
	case "include", "includeoptional":
		if len(d.Args) != 1 {
			return &Error{Pos: d.Pos, Msg: d.Name + " takes one argument, Name of the config file to be included"}
		}
		return r.include(d, parent, strings.EqualFold(d.Name, "includeoptional"))
	case "define":
		if len(d.Args) < 1 || len(d.Args) > 2 {
			return &Error{Pos: d.Pos, Msg: "Define takes one or two arguments"}
		}
		if strings.Contains(d.Args[0], ":") {
			return &Error{Pos: d.Pos, Msg: "Variable name must not contain ':'"}
		}
		if !r.defined(d.Args[0]) {
			r.defines = append(r.defines, d.Args[0])
		}
		if len(d.Args) == 2 {
			r.vars[d.Args[0]] = d.Args[1]
		}
	case "undefine":
		if len(d.Args) != 1 {
			return &Error{Pos: d.Pos, Msg: "UnDefine takes one argument"}
		}
		for k, n := range r.defines {
			if n == d.Args[0] {
				r.defines = append(r.defines[:k], r.defines[k+1:]...)
				break
			}
		}
		delete(r.vars, d.Args[0])
	case "loadmodule":
		if len(d.Args) != 2 {
			return &Error{Pos: d.Pos, Msg: "LoadModule takes two arguments, a module name and the name of a shared object file to load it from"}
		}
		if r.cfg.Loaded(d.Args[0]) {
			// httpd: AH01574 "module %s is already loaded, skipping".
			r.cfg.Warnings = append(r.cfg.Warnings, fmt.Sprintf("%s: AH01574: module %s is already loaded, skipping", d.Pos, d.Args[0]))
			return nil
		}
		r.cfg.Modules = append(r.cfg.Modules, Module{Name: d.Args[0], Path: r.rootRelative(d.Args[1]), Pos: d.Pos})
	case "serverroot":
		if len(d.Args) != 1 {
			return &Error{Pos: d.Pos, Msg: "ServerRoot takes one argument, common directory for server-related files (logs, confs, etc.)"}
		}
		root := d.Args[0]
		if !filepath.IsAbs(root) {
			root = filepath.Join(r.serverRoot, root)
		}
		if fi, err := os.Stat(r.host(root)); err != nil || !fi.IsDir() {
			return &Error{Pos: d.Pos, Msg: "ServerRoot must be a valid directory"}
		}
		r.serverRoot = filepath.Clean(root)
	}
	return nil
}

func (r *reader) defined(name string) bool {
	for _, n := range r.defines {
		if n == name {
			return true
		}
	}
	return false
}

// condition evaluates a conditional section; isCond is false for others.
func (r *reader) condition(d *Directive) (val, isCond bool, err error) {
	kind := strings.ToLower(d.Name)
	switch kind {
	case "ifmodule", "ifdefine", "iffile", "ifdirective", "ifsection":
	case "ifversion":
		v, err := r.ifVersion(d)
		return v, true, err
	default:
		return false, false, nil
	}
	if len(d.Args) != 1 {
		return false, true, &Error{Pos: d.Pos, Msg: fmt.Sprintf("<%s> takes one argument", d.Name)}
	}
	arg, not := d.Args[0], false
	if strings.HasPrefix(arg, "!") {
		arg, not = arg[1:], true
	}
	if arg == "" {
		return false, true, &Error{Pos: d.Pos, Msg: fmt.Sprintf("<%s> requires an argument", d.Name)}
	}
	var found bool
	switch kind {
	case "ifmodule":
		found = r.cfg.Loaded(arg)
	case "ifdefine":
		found = r.defined(arg)
	case "iffile":
		_, err := os.Stat(r.host(r.rootRelative(arg)))
		found = err == nil
	case "ifdirective", "ifsection":
		// Which directives the loaded modules define is not known here;
		// the core's and the MPMs' are.
		found = knownDirective(r.cfg, strings.TrimPrefix(arg, "<"))
	}
	return found != not, true, nil
}

// ifVersion evaluates <IfVersion [[!]op] version> (mod_version).
func (r *reader) ifVersion(d *Directive) (bool, error) {
	have := r.opt.Version
	if have == "" {
		have = "2.4.62"
	}
	op, want := "=", ""
	switch len(d.Args) {
	case 1:
		want = d.Args[0]
	case 2:
		op, want = d.Args[0], d.Args[1]
	default:
		return false, &Error{Pos: d.Pos, Msg: "<IfVersion> takes one or two arguments"}
	}
	not := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	if strings.HasPrefix(want, "/") || op == "~" {
		return false, &Error{Pos: d.Pos, Msg: "<IfVersion> with a regular expression is not supported by forkcast's reader"}
	}
	cmp := compareVersions(have, want)
	var v bool
	switch op {
	case "=", "==":
		v = cmp == 0
	case "<":
		v = cmp < 0
	case "<=":
		v = cmp <= 0
	case ">":
		v = cmp > 0
	case ">=":
		v = cmp >= 0
	default:
		return false, &Error{Pos: d.Pos, Msg: fmt.Sprintf("unknown comparison operator '%s' in <IfVersion>", op)}
	}
	return v != not, nil
}

// compareVersions compares dotted versions; missing parts compare as 0.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < 3; k++ {
		var x, y int
		if k < len(pa) {
			x, _ = strconv.Atoi(pa[k])
		}
		if k < len(pb) {
			y, _ = strconv.Atoi(pb[k])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// resolve replaces ${NAME} from Define, then the environment, as
// ap_resolve_env does; an unknown name stays as written and httpd warns.
func (r *reader) resolve(s string, pos Pos) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		j := strings.Index(s, "${")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		k := strings.IndexByte(s[j:], '}')
		if k < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[j+2 : j+k]
		b.WriteString(s[:j])
		if v, ok := r.vars[name]; ok {
			b.WriteString(v)
		} else if v, ok := r.env[name]; ok {
			b.WriteString(v)
		} else {
			r.cfg.Warnings = append(r.cfg.Warnings, fmt.Sprintf("%s: AH00111: Config variable ${%s} is not defined", pos, name))
			b.WriteString(s[j : j+k+1])
		}
		s = s[j+k+1:]
	}
}

// words splits a line into words as ap_getword_conf does: white space
// separates, and a word may be quoted with " or ', a backslash escaping the
// quote inside.
func words(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\v")
		if s == "" {
			return out, nil
		}
		if q := s[0]; q == '"' || q == '\'' {
			var b strings.Builder
			k := 1
			for ; k < len(s) && s[k] != q; k++ {
				if s[k] == '\\' && k+1 < len(s) && (s[k+1] == q || s[k+1] == '\\') {
					k++
				}
				b.WriteByte(s[k])
			}
			out = append(out, b.String())
			if k < len(s) {
				k++
			}
			s = s[k:]
			continue
		}
		k := strings.IndexAny(s, " \t\r\n\f\v")
		if k < 0 {
			k = len(s)
		}
		out = append(out, s[:k])
		s = s[k:]
	}
}

// include reads the files an Include names, in httpd's order.
func (r *reader) include(d *Directive, parent *Directive, optional bool) error {
	pattern := r.rootRelative(d.Args[0])
	files, err := r.glob(pattern, d, optional)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := r.readPath(f, parent, d.Pos); err != nil {
			return err
		}
	}
	return nil
}

// readPath reads a file, or every file under a directory in sorted order
// (process_resource_config_nofnmatch).
func (r *reader) readPath(p string, parent *Directive, from Pos) error {
	fi, err := os.Stat(r.host(p))
	if err != nil {
		return &Error{Pos: from, Msg: fmt.Sprintf("Could not open configuration file %s: %s", p, errText(err))}
	}
	if !fi.IsDir() {
		return r.readFile(p, parent, from)
	}
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxIncludeDepth {
		return &Error{Pos: from, Msg: fmt.Sprintf("Exceeded the maximum include directory nesting level of %d. You have probably a recursion somewhere.", maxIncludeDepth)}
	}
	names, err := readDirNames(r.host(p))
	if err != nil {
		return &Error{Pos: from, Msg: fmt.Sprintf("Could not open config directory %s: %s", p, errText(err))}
	}
	for _, n := range names {
		if err := r.readPath(filepath.Join(p, n), parent, from); err != nil {
			return err
		}
	}
	return nil
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// glob expands wildcards in any component of an absolute path, as
// ap_process_fnmatch_configs does: each wildcard component matches the
// entries of its directory with APR_FNM_PERIOD (a leading dot must be
// matched literally), sorted with strcmp; for Include, a component that
// matches nothing is an error.
func (r *reader) glob(pattern string, d *Directive, optional bool) ([]string, error) {
	if !hasWildcard(pattern) {
		if _, err := os.Stat(r.host(pattern)); err != nil && optional {
			return nil, nil
		}
		return []string{pattern}, nil
	}
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	paths := []string{"/"}
	for k, part := range parts {
		last := k == len(parts)-1
		var next []string
		for _, base := range paths {
			if !hasWildcard(part) {
				p := filepath.Join(base, part)
				if _, err := os.Stat(r.host(p)); err == nil || last {
					next = append(next, p)
				}
				continue
			}
			names, err := readDirNames(r.host(base))
			if err != nil {
				if optional {
					continue
				}
				return nil, &Error{Pos: d.Pos, Msg: fmt.Sprintf("Could not open config directory %s: %s", base, errText(err))}
			}
			matched := 0
			for _, n := range names {
				if n == "." || n == ".." {
					continue
				}
				if strings.HasPrefix(n, ".") && !strings.HasPrefix(part, ".") {
					continue
				}
				if ok, err := filepath.Match(part, n); err != nil {
					return nil, &Error{Pos: d.Pos, Msg: fmt.Sprintf("Invalid wildcard pattern %q: %v", part, err)}
				} else if !ok {
					continue
				}
				p := filepath.Join(base, n)
				if !last {
					if fi, err := os.Stat(r.host(p)); err != nil || !fi.IsDir() {
						continue
					}
				}
				next = append(next, p)
				matched++
			}
			if matched == 0 && !optional {
				return nil, &Error{Pos: d.Pos, Msg: fmt.Sprintf("No matches for the wildcard '%s' in '%s', failing", part, base)}
			}
		}
		paths = next
	}
	return paths, nil
}

// readEnvvars reads Debian's envvars, a shell file of `export NAME=value`
// lines that apache2ctl sources before starting apache2. Only assignments,
// export and unset are understood; the if/else block that computes SUFFIX
// from APACHE_CONFDIR is evaluated as apache2ctl would for this directory.
func (r *reader) readEnvvars(file string) error {
	data, err := os.ReadFile(r.host(file))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &Error{Pos: Pos{File: file}, Msg: "cannot read: " + errText(err)}
	}
	confdir := filepath.Dir(file)
	if _, ok := r.env["APACHE_CONFDIR"]; !ok {
		r.env["APACHE_CONFDIR"] = confdir
	}
	suffix := ""
	if s, ok := strings.CutPrefix(filepath.Base(confdir), "apache2-"); ok {
		suffix = "-" + s
	}
	r.env["SUFFIX"] = suffix
	depth := 0
	for _, ln := range splitLines(string(data)) {
		t := ln.text
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Fields(t)
		switch f[0] {
		case "if":
			depth++
			continue
		case "fi":
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		switch f[0] {
		case "unset":
			for _, n := range f[1:] {
				delete(r.env, n)
			}
			continue
		case "export":
			t = strings.TrimSpace(strings.TrimPrefix(t, "export"))
		}
		name, val, ok := strings.Cut(t, "=")
		if !ok || strings.ContainsAny(name, " \t$") {
			continue // `export NAME`, or a command: not an assignment
		}
		r.env[name] = r.shellValue(val)
	}
	return nil
}

// shellValue expands $NAME and ${NAME} and removes quotes, enough for
// envvars' assignments.
func (r *reader) shellValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	var b strings.Builder
	for k := 0; k < len(v); k++ {
		if v[k] != '$' || k+1 == len(v) {
			b.WriteByte(v[k])
			continue
		}
		var name string
		if v[k+1] == '{' {
			e := strings.IndexByte(v[k:], '}')
			if e < 0 {
				b.WriteString(v[k:])
				break
			}
			name, k = v[k+2:k+e], k+e
		} else {
			e := k + 1
			for e < len(v) && (v[e] == '_' || v[e] >= 'A' && v[e] <= 'Z' || v[e] >= 'a' && v[e] <= 'z' || v[e] >= '0' && v[e] <= '9') {
				e++
			}
			name, k = v[k+1:e], e-1
		}
		b.WriteString(r.env[name])
	}
	return b.String()
}
