package bounded_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/bounded"
)

func TestMakeRoom(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := map[string]time.Time{"a": t0.Add(3 * time.Second), "b": t0, "c": t0.Add(time.Second), "d": t0.Add(2 * time.Second)}
	id := func(v time.Time) time.Time { return v }
	bounded.MakeRoom(m, 3, id)
	if len(m) != 2 {
		t.Fatalf("%d left, want 2 (room for one under 3)", len(m))
	}
	if _, ok := m["b"]; ok {
		t.Fatal("the oldest stayed")
	}
	if _, ok := m["c"]; ok {
		t.Fatal("the second oldest stayed")
	}
	bounded.MakeRoom(m, 10, id)
	if len(m) != 2 {
		t.Fatal("removed below the bound")
	}
	empty := map[int]time.Time{}
	bounded.MakeRoom(empty, 0, id)
}
