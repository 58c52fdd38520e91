package statuslist

import "fmt"

// Status is a Status Type value (TSL "Status Types"): 0 to 255, of which a
// list with bits b can hold 0 to 2^b-1.
type Status uint8

// The Status Types of TSL "Status Types Values".
const (
	// Valid (0x00): the Referenced Token is valid.
	Valid Status = 0x00
	// Invalid (0x01): revoked, annulled, taken back, recalled or cancelled.
	Invalid Status = 0x01
	// Suspended (0x02): temporarily invalid.
	Suspended Status = 0x02
	// ApplicationSpecific3 (0x03): reserved for application-specific use, as
	// are 0x0C to 0x0F.
	ApplicationSpecific3 Status = 0x03
)

// IsApplicationSpecific reports whether s is one of the values the TSL
// reserves for applications: 0x03 and 0x0C to 0x0F.
func (s Status) IsApplicationSpecific() bool {
	return s == ApplicationSpecific3 || (s >= 0x0C && s <= 0x0F)
}

// String returns the registered name of s ("VALID", "INVALID",
// "SUSPENDED", "APPLICATION_SPECIFIC_n"), or "RESERVED_0xNN".
func (s Status) String() string {
	switch {
	case s == Valid:
		return "VALID"
	case s == Invalid:
		return "INVALID"
	case s == Suspended:
		return "SUSPENDED"
	case s.IsApplicationSpecific():
		return fmt.Sprintf("APPLICATION_SPECIFIC_%d", uint8(s))
	}
	return fmt.Sprintf("RESERVED_0x%02X", uint8(s))
}

// Err returns nil for Valid, and otherwise the error that says why a
// credential with this status must not be accepted: ErrRevoked for Invalid,
// ErrSuspended for Suspended, ErrNotValid for every other value.
func (s Status) Err() error {
	switch s {
	case Valid:
		return nil
	case Invalid:
		return ErrRevoked
	case Suspended:
		return ErrSuspended
	}
	return fmt.Errorf("%w: %s", ErrNotValid, s)
}
