package jose

import (
	"encoding/json"
	"errors"
	"math"
	"time"
)

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// errNumericDate is what NumericDate reports; callers wrap it in their own
// claim error with the claim's name.
var errNumericDate = errors.New("not a NumericDate (a JSON number of seconds, 0 to year 9999)")

// NumericDate reads an RFC 7519 §2 NumericDate as decoded by strictjson: a
// JSON number (not a string) of seconds since the epoch, between 0 and year
// 9999, fractions allowed.
func NumericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, errNumericDate
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, errNumericDate
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}
