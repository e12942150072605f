//go:build !linux

package cef

func threadCPU() (ns int64, ok bool) { return 0, false }
