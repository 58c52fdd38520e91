package ppp

// LoadESCO parses the embedded ESCO subset afresh, for BenchmarkESCOLoad.
func LoadESCO() error {
	_, err := loadESCO()
	return err
}
