//go:build !linux

package sdjwt_test

import "time"

var start = time.Now()

// threadCPU falls back to the wall clock where no thread CPU clock is used.
func threadCPU() time.Duration { return time.Since(start) }

const threadCPUOK = false
