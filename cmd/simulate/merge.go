package main

import (
	"strings"
)

// replaceTables returns a scenario's text with the tables named table, and
// its sub-tables ([table.x]), replaced by section, which is appended.
// Comments and other tables stay as they are.
func replaceTables(base, table, section string) string {
	var out []string
	skipping := false
	for _, line := range strings.Split(base, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			name := strings.Trim(strings.SplitN(t, "]", 2)[0], "[ ")
			if strings.HasPrefix(t, "[[") {
				name = strings.Trim(strings.SplitN(t, "]]", 2)[0], "[ ")
			}
			skipping = name == table || strings.HasPrefix(name, table+".")
		}
		if !skipping {
			out = append(out, line)
		}
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n\n" + strings.TrimRight(section, "\n") + "\n"
}
