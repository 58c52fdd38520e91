package bounded

import "time"

// MakeRoom removes the oldest entries of m, by the time at(v) gives, until
// it holds fewer than max, so that one more can be added.
func MakeRoom[K comparable, V any](m map[K]V, max int, at func(V) time.Time) {
	for len(m) >= max && len(m) > 0 {
		var oldest K
		var t time.Time
		first := true
		for k, v := range m {
			if vt := at(v); first || vt.Before(t) {
				oldest, t, first = k, vt, false
			}
		}
		delete(m, oldest)
	}
}
