package sdjwt_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time of the calling OS thread: on a machine
// shared with other work it leaves out the time the thread waited for a
// core. threadCPUOK reports whether it is a CPU clock.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

const threadCPUOK = true
