package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// InstallLine is the command that installs everything runtime mode needs.
const InstallLine = "apt-get install -y apache2 libapache2-mod-wsgi-py3"

// EnvApache names an environment variable that overrides the apache2 binary's
// path (tests point it at a missing file to check the missing-Apache path).
const EnvApache = "FORKCAST_APACHE2"

// Default locations on Debian.
const (
	DefaultBinary     = "/usr/sbin/apache2"
	DefaultModulesDir = "/usr/lib/apache2/modules"
)

// Install is where Apache and its modules are.
type Install struct {
	Binary     string // the apache2 executable
	ModulesDir string
}

// Module returns the path of a module file, e.g. "mod_status.so".
func (in Install) Module(file string) string { return filepath.Join(in.ModulesDir, file) }

// ErrMissing is returned (wrapped) by Locate when Apache or a module is missing.
var ErrMissing = errors.New("apache httpd with mod_wsgi is not installed")

// requiredModules are the module files a run may load.
var requiredModules = []string{
	"mod_mpm_prefork.so", "mod_mpm_worker.so", "mod_mpm_event.so",
	"mod_authz_core.so", "mod_authz_host.so", "mod_status.so", "mod_alias.so", "mod_reqtimeout.so", "mod_wsgi.so",
}

// Locate finds apache2 and the modules runtime mode needs. binary overrides
// the executable's path; "" means $FORKCAST_APACHE2, else /usr/sbin/apache2.
// The error, when something is missing, names the apt-get line that fixes it.
func Locate(binary string) (Install, error) {
	if binary == "" {
		binary = os.Getenv(EnvApache)
	}
	if binary == "" {
		binary = DefaultBinary
	}
	in := Install{Binary: binary, ModulesDir: DefaultModulesDir}
	var missing []string
	if fi, err := os.Stat(binary); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		missing = append(missing, binary)
	} else if dir := filepath.Join(filepath.Dir(filepath.Dir(binary)), "lib", "apache2", "modules"); dir != DefaultModulesDir {
		// A relocated apache2 (…/sbin/apache2) keeps its modules beside it, if there.
		if _, err := os.Stat(dir); err == nil {
			in.ModulesDir = dir
		}
	}
	for _, m := range requiredModules {
		if _, err := os.Stat(in.Module(m)); err != nil {
			missing = append(missing, in.Module(m))
		}
	}
	if len(missing) > 0 {
		return in, fmt.Errorf("%w (missing %v); install it with:\n    %s", ErrMissing, missing, InstallLine)
	}
	return in, nil
}
