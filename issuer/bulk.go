package issuer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// MaxBulkOffers bounds the offers of one bulk request.
const MaxBulkOffers = 10000

// BulkLine is one offer request of a bulk file, with its line number (1 is
// the first line; in a CSV file, the header is line 1).
type BulkLine struct {
	Line    int
	Request OfferRequest
	// Err is set when the line could not be read into a request.
	Err error
}

// ParseBulkJSONL reads offer requests from JSON Lines: one OfferRequest
// object per line; blank lines are skipped.
func ParseBulkJSONL(r io.Reader) ([]BulkLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []BulkLine
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) == MaxBulkOffers {
			return nil, fmt.Errorf("%w: more than %d offers", ErrBadOfferRequest, MaxBulkOffers)
		}
		req, err := decodeOfferRequest(line)
		out = append(out, BulkLine{Line: n, Request: req, Err: err})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: read JSON Lines: %v", ErrBadOfferRequest, err)
	}
	return out, nil
}

// ParseBulkCSV reads offer requests from CSV with a header row. The
// columns "type" (required), "subject_ref", "tx_code" (true/false/1/0/yes/
// no) and "expires_in" are offer settings; every other column is a
// top-level claim. A claim cell holding a JSON number, boolean, array or
// object is taken as that JSON value, anything else as a string; an empty
// cell leaves the claim out.
func ParseBulkCSV(r io.Reader) ([]BulkLine, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: CSV header: %v", ErrBadOfferRequest, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if !contains(header, "type") {
		return nil, fmt.Errorf("%w: CSV header has no \"type\" column", ErrBadOfferRequest)
	}
	var out []BulkLine
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: CSV: %v", ErrBadOfferRequest, err)
		}
		line, _ := cr.FieldPos(0)
		if len(out) == MaxBulkOffers {
			return nil, fmt.Errorf("%w: more than %d offers", ErrBadOfferRequest, MaxBulkOffers)
		}
		bl := BulkLine{Line: line}
		claims := map[string]any{}
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			switch header[i] {
			case "type":
				bl.Request.Type = cell
			case "subject_ref":
				bl.Request.SubjectRef = cell
			case "tx_code":
				switch strings.ToLower(cell) {
				case "true", "1", "yes":
					bl.Request.TxCode = true
				case "", "false", "0", "no":
				default:
					bl.Err = fmt.Errorf("%w: tx_code %q is not a boolean", ErrBadOfferRequest, trunc(cell))
				}
			case "expires_in":
				if cell != "" {
					if _, err := fmt.Sscan(cell, &bl.Request.ExpiresIn); err != nil {
						bl.Err = fmt.Errorf("%w: expires_in %q is not a number", ErrBadOfferRequest, trunc(cell))
					}
				}
			default:
				if cell == "" {
					continue
				}
				claims[header[i]] = cellValue(cell)
			}
		}
		if bl.Err == nil {
			b, err := json.Marshal(claims)
			if err != nil {
				bl.Err = fmt.Errorf("%w: claims: %v", ErrBadOfferRequest, err)
			}
			bl.Request.Claims = b
		}
		out = append(out, bl)
	}
}

func cellValue(cell string) any {
	switch cell[0] {
	case '{', '[', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f':
		if v, err := strictjson.Decode([]byte(cell)); err == nil {
			return v
		}
	}
	return cell
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
