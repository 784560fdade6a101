// Package apacheconf reads an Apache httpd 2.4 configuration the way httpd
// reads it, and turns it into a forkcast scenario.
//
// Read follows httpd's own configuration reader (server/config.c,
// server/util.c, server/core.c): lines joined at a trailing backslash
// (ap_cfg_getline), comments only at the start of a line, ${VAR} replaced
// from Define and the environment before a line is split into words
// (ap_resolve_env, ap_getword_conf), directive names compared without case,
// Include and IncludeOptional with wildcards in any path component, matches
// sorted byte-wise and dot-files skipped (ap_process_fnmatch_configs), paths
// relative to ServerRoot (ap_server_root_relative), and the conditional
// sections evaluated while reading, in order: <IfModule> against the modules
// loaded so far by LoadModule (by either name, mod_x.c or x_module, with !),
// <IfDefine> against -D defines and Define, <IfFile>, <IfDirective>,
// <IfSection> and <IfVersion>. On Debian the environment comes from the
// envvars shell file next to apache2.conf, as apache2ctl sources it.
//
// The result, a Config, is the tree of directives httpd would act on, each
// with the file and line it came from. Scenario maps it to a forkcast
// scenario: the MPM actually loaded and its directives (with httpd's
// compiled-in defaults for what is not written), keep-alive and timeouts,
// mod_reqtimeout, every mod_wsgi directive, and the routing of URLs to
// mod_wsgi process groups through <VirtualHost>, <Location> and <Directory>.
// What a scenario cannot express is said in comments.
//
// The package reads files only; it imports no simulating or measuring code.
package apacheconf
