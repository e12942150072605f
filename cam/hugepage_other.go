//go:build !linux || cam_nohugepages

package cam

// adviseHugePages is a no-op where transparent huge pages are not available
// (or were switched off with -tags cam_nohugepages).
func adviseHugePages([]slot) {}
