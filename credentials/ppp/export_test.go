package ppp

import "time"

// LoadESCO parses the embedded ESCO subset afresh, for BenchmarkESCOLoad.
func LoadESCO() error {
	_, err := loadESCO()
	return err
}

// SetValidationNow sets the clock Validate checks dates against, until the
// returned function restores it.
func SetValidationNow(now time.Time) (restore func()) {
	old := validationNow
	validationNow = func() time.Time { return now }
	return func() { validationNow = old }
}
