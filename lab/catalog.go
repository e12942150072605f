package lab

import (
	"fmt"
	"io/fs"
	"slices"
)

// Load parses the lab in folder name of labs.
func Load(labs fs.FS, name string) (*Lab, fs.FS, error) {
	dir, err := fs.Sub(labs, name)
	if err != nil {
		return nil, nil, fmt.Errorf("lab %s: %w", name, err)
	}
	f, err := dir.Open("lab.txt")
	if err != nil {
		return nil, nil, fmt.Errorf("no lab %q (l2sw lab list shows them)", name)
	}
	defer f.Close()
	l, err := Parse(name, f)
	if err != nil {
		return nil, nil, err
	}
	return l, dir, nil
}

// List returns every lab of labs, by name.
func List(labs fs.FS) ([]*Lab, error) {
	es, err := fs.ReadDir(labs, ".")
	if err != nil {
		return nil, err
	}
	var out []*Lab
	for _, e := range es {
		if !e.IsDir() {
			continue
		}
		l, _, err := Load(labs, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b *Lab) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}
