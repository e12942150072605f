// Package examples holds the scenario labs (labs/NAME: lab.txt, the switch
// configurations, README.md) embedded in the l2sw binary, so that `l2sw lab
// run NAME` needs nothing beside it. The Grafana dashboard lives here too.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed labs
var labs embed.FS

// Labs returns the labs folder: one subfolder per lab.
func Labs() fs.FS {
	sub, err := fs.Sub(labs, "labs")
	if err != nil {
		panic(err) // the folder is embedded above: cannot happen
	}
	return sub
}
