package credentials_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
)

func TestClassName(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{credentials.ErrFormat, "FMT"}, {credentials.ErrAlg, "ALG"}, {credentials.ErrSignature, "SIG"},
		{credentials.ErrTrust, "TRUST"}, {credentials.ErrType, "TYP"}, {credentials.ErrClaim, "CLAIM"},
		{credentials.ErrDisclosure, "DISC"}, {credentials.ErrKeyBinding, "KB"}, {credentials.ErrReplay, "REPLAY"},
		{credentials.ErrStatus, "STATUS"}, {credentials.ErrFetch, "FETCH"}, {credentials.ErrLimit, "LIMIT"},
		{fmt.Errorf("wrapped: %w", credentials.NewError(credentials.ErrClaim, "expired")), "CLAIM"},
		{errors.New("no class"), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := credentials.ClassName(tt.err); got != tt.want {
			t.Errorf("ClassName(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if len(tests)-3 != len(credentials.Classes) {
		t.Fatalf("%d classes named, %d classes", len(tests)-3, len(credentials.Classes))
	}
}
