package apacheconf

import "strings"

// mpmOnly lists the MPM directives that only some MPMs define: httpd
// rejects them as an invalid command under the others.
var mpmOnly = map[string][]string{
	"minspareservers":          {"prefork"},
	"maxspareservers":          {"prefork"},
	"minsparethreads":          {"worker", "event"},
	"maxsparethreads":          {"worker", "event"},
	"threadsperchild":          {"worker", "event"},
	"threadlimit":              {"worker", "event"},
	"asyncrequestworkerfactor": {"event"},
}

// globalOnly are directives httpd allows only in the main server
// (ap_check_cmd_context GLOBAL_ONLY): every MPM directive, and a few of the
// core's that matter to process management.
var globalOnly = map[string]bool{
	"startservers": true, "minspareservers": true, "maxspareservers": true,
	"minsparethreads": true, "maxsparethreads": true, "threadsperchild": true,
	"threadlimit": true, "serverlimit": true, "maxrequestworkers": true, "maxclients": true,
	"maxconnectionsperchild": true, "maxrequestsperchild": true, "asyncrequestworkerfactor": true,
	"listenbacklog": true, "gracefulshutdowntimeout": true, "listencoresbucketsratio": true,
	"maxmemfree": true, "threadstacksize": true, "listen": true, "acceptfilter": true,
	"wsgilazyinitialization": true, "wsgirestrictembedded": true,
}

// moduleOf names the module that defines a directive forkcast reads, for
// httpd's "Invalid command" when that module is not loaded.
func moduleOf(name string) (string, bool) {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "wsgi"):
		return "wsgi_module", true
	case n == "requestreadtimeout":
		return "reqtimeout_module", true
	}
	return "", false
}

// structural directives shape the configuration itself; they are not
// listed as unmodelled.
var structural = map[string]bool{
	"include": true, "includeoptional": true, "loadmodule": true, "define": true,
	"undefine": true, "serverroot": true,
}

// warnUnmodelled are directives forkcast does not model that change how
// httpd manages processes, threads or memory: import warns about them.
var warnUnmodelled = map[string]string{
	"listencoresbucketsratio": "several listener buckets change prefork's and worker's spare-process arithmetic (one accept queue per bucket); forkcast models one bucket",
	"mutex":                   "the accept mutex (prefork with several Listen lines) serialises accept(); forkcast models one listener without it",
	"acceptmutex":             "AcceptMutex is httpd 2.2's; 2.4 reads Mutex",
	"threadstacksize":         "thread stacks count in each threaded child's memory; forkcast uses host.apache_thread_private",
	"maxmemfree":              "MaxMemFree changes how much freed memory each Apache child keeps; forkcast models its default (2048 KB: a worker or event child recycles ThreadsPerChild × 3/4 connection pools and frees the others)",
	"enablesendfile":          "",
	"wsgipythonhome":          "",
	"wsgiacceptmutex":         "WSGIAcceptMutex serialises accept() in embedded mode; not modelled",
}

// ifDirectiveKnown are the directives <IfDirective> is sure of: the core's
// (a sample), whatever module is loaded.
var coreDirectives = []string{
	"AcceptFilter", "AcceptPathInfo", "AccessFileName", "AddDefaultCharset", "AllowEncodedSlashes",
	"AllowOverride", "Define", "DefaultRuntimeDir", "DocumentRoot", "ErrorDocument", "ErrorLog",
	"FileETag", "HostnameLookups", "Include", "IncludeOptional", "KeepAlive", "KeepAliveTimeout",
	"Listen", "ListenBacklog", "LogLevel", "MaxConnectionsPerChild", "MaxKeepAliveRequests",
	"MaxRequestWorkers", "Mutex", "Options", "PidFile", "Require", "ServerAdmin", "ServerAlias",
	"ServerLimit", "ServerName", "ServerRoot", "ServerSignature", "ServerTokens", "SetHandler",
	"StartServers", "Timeout", "TraceEnable", "UnDefine", "UseCanonicalName",
	"Directory", "DirectoryMatch", "Files", "FilesMatch", "If", "Else", "ElseIf", "IfDefine",
	"IfModule", "IfFile", "IfDirective", "IfSection", "Location", "LocationMatch", "VirtualHost",
}

func knownDirective(c *Config, name string) bool {
	for _, d := range coreDirectives {
		if strings.EqualFold(d, name) {
			return true
		}
	}
	if mod, ok := moduleOf(name); ok {
		return c.Loaded(mod)
	}
	if mpms, ok := mpmOnly[strings.ToLower(name)]; ok {
		for _, m := range mpms {
			if c.Loaded("mpm_" + m + "_module") {
				return true
			}
		}
	}
	return false
}
