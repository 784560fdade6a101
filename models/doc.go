// Package models simulates Apache httpd's process management hosting a Python
// web application through mod_wsgi, on the sim engine.
package models
