package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// Range is a set of profile versions, parsed from its text form:
//
//   - every version
//     1.x  2026.x   every version that starts with these components
//     1  2026.1     exactly this version (missing components count as 0:
//     "1" is "1.0")
//     >=1 <3        every comparison holds; the operators are = > >= < <=,
//     each written against its version, separated by spaces
//
// A version is one to four dot-separated decimal numbers, each at most 9
// digits ("1", "2026.1"). A profile version that is not of this form is
// in no range but "*". The zero Range contains nothing.
type Range struct {
	src   string
	any   bool
	terms []rangeTerm
}

type rangeTerm struct {
	op  string // "=", ">", ">=", "<", "<=", or "x" for a prefix
	ver []int
}

// ParseRange parses the text form of a Range; ErrBadRange otherwise.
func ParseRange(s string) (Range, error) {
	r := Range{src: s}
	fields := strings.Fields(s)
	if len(fields) == 0 || len(s) > 128 {
		return Range{}, fmt.Errorf("%w: %q", ErrBadRange, s)
	}
	if len(fields) == 1 && fields[0] == "*" {
		r.any = true
		return r, nil
	}
	for _, f := range fields {
		t, err := parseTerm(f)
		if err != nil {
			return Range{}, fmt.Errorf("%w: %q: %v", ErrBadRange, s, err)
		}
		if t.op == "x" && len(fields) > 1 {
			return Range{}, fmt.Errorf("%w: %q: a .x range stands alone", ErrBadRange, s)
		}
		r.terms = append(r.terms, t)
	}
	return r, nil
}

func parseTerm(f string) (rangeTerm, error) {
	if p, ok := strings.CutSuffix(f, ".x"); ok {
		v, err := parseVersion(p)
		return rangeTerm{op: "x", ver: v}, err
	}
	op := "="
	for _, o := range []string{">=", "<=", ">", "<", "="} {
		if rest, ok := strings.CutPrefix(f, o); ok {
			op, f = o, rest
			break
		}
	}
	v, err := parseVersion(f)
	return rangeTerm{op: op, ver: v}, err
}

// parseVersion parses one to four dot-separated decimal numbers.
func parseVersion(s string) ([]int, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, fmt.Errorf("version %q has more than 4 components", s)
	}
	v := make([]int, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || strings.Trim(p, "0123456789") != "" {
			return nil, fmt.Errorf("version %q is not dot-separated numbers", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("version %q: %v", s, err)
		}
		v[i] = n
	}
	return v, nil
}

func compareVersions(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Contains reports whether version lies in r.
func (r Range) Contains(version string) bool {
	if r.any {
		return true
	}
	if len(r.terms) == 0 {
		return false
	}
	v, err := parseVersion(version)
	if err != nil {
		return false
	}
	for _, t := range r.terms {
		c := compareVersions(v, t.ver)
		var ok bool
		switch t.op {
		case "x":
			ok = hasPrefix(v, t.ver)
		case "=":
			ok = c == 0
		case ">":
			ok = c > 0
		case ">=":
			ok = c >= 0
		case "<":
			ok = c < 0
		case "<=":
			ok = c <= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// String returns the text r was parsed from.
func (r Range) String() string { return r.src }

// hasPrefix reports whether v starts with the components of p, missing
// components of v counting as 0.
func hasPrefix(v, p []int) bool {
	for i, x := range p {
		var y int
		if i < len(v) {
			y = v[i]
		}
		if x != y {
			return false
		}
	}
	return true
}
