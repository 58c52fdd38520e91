package profile

import (
	"errors"
	"regexp"
	"strconv"
	"time"
)

// duration is an ISO 8601 duration of calendar units.
type duration struct{ years, months, days int }

var durationRE = regexp.MustCompile(`^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$`)

// parseDuration reads "PnYnMnWnD" (at least one part).
func parseDuration(s string) (duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil || s == "P" {
		return duration{}, errors.New("not an ISO 8601 duration of years, months, weeks and days (such as P5Y or P18M)")
	}
	n := func(i int) int {
		if m[i] == "" {
			return 0
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	d := duration{years: n(1), months: n(2), days: 7*n(3) + n(4)}
	if d.isZero() {
		return duration{}, errors.New("a maximum age of zero accepts nothing")
	}
	return d, nil
}

func (d duration) isZero() bool { return d == duration{} }

// expired reports whether t plus d lies before now.
func (d duration) expired(t, now time.Time) bool {
	if d.isZero() {
		return false
	}
	return t.AddDate(d.years, d.months, d.days).Before(now)
}
