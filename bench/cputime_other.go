//go:build !unix

package bench

// processCPU reports that this platform's process CPU time is not read.
func processCPU() (nanos int64, ok bool) { return 0, false }
