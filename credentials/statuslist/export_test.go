package statuslist

// SetMaxInflateBytes lowers the inflate bound for a test and returns the
// function that restores it. Tests that use it must not run in parallel.
func SetMaxInflateBytes(n int) (restore func()) {
	old := maxInflateBytes
	maxInflateBytes = n
	return func() { maxInflateBytes = old }
}
