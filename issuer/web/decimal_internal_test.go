package web

import (
	"net/url"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// A number with a fraction (hours on the job, a budget in euro) is a plain
// field, not JSON, and takes a Dutch decimal comma.
func TestDecimalFields(t *testing.T) {
	tests := []struct {
		typ, name, in string
		want          float64
		ok            bool
	}{
		{ppp.TypeWerkplekleren, "hours", "7,5", 7.5, true},
		{ppp.TypeWerkplekleren, "hours", "96", 96, true},
		{ppp.TypeLeerbudget, "amount", "4500.00", 4500, true},
		{ppp.TypeLeerbudget, "amount", "vierduizend", 0, false},
		{ppp.TypeLeerbudget, "amount", "1e400", 0, false},
	}
	for _, tt := range tests {
		typ, _ := ppp.Lookup(tt.typ)
		fields, err := formFields(typ, "nl", nil)
		if err != nil {
			t.Fatal(err)
		}
		var f *field
		for i := range fields {
			if fields[i].Name == tt.name {
				f = &fields[i]
			}
		}
		if f == nil || f.Kind != kindDecimal {
			t.Fatalf("%s.%s: field %+v, want a decimal field", tt.typ, tt.name, f)
		}
		claims, _ := claimsFrom(fields, url.Values{"c_" + tt.name: {tt.in}}, "nl")
		got, has := claims[tt.name].(float64)
		if has != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("%s %q: claims %v, want %v (%v)", tt.name, tt.in, claims[tt.name], tt.want, tt.ok)
		}
	}
}
