//go:build !race

package cef

const raceEnabled = false
