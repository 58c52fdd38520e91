package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCommands runs `issuer bench` and `verifier bench` small: every
// flow must succeed, and the figures must be there and add up. (The
// figures themselves are measured by running the commands, not asserted.)
func TestBenchCommands(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		count string
		want  float64
		rate  string
		extra map[string]any
	}{
		{"issuer", []string{"issuer", "bench", "-n", "12", "--concurrency", "3"}, "credentials", 12, "credentials_per_second", map[string]any{"failed_flows": 0.0}},
		{"issuer batch", []string{"issuer", "bench", "-n", "12", "--concurrency", "2", "--batch", "4"}, "credentials", 12, "credentials_per_second", map[string]any{"batch": 4.0}},
		{"verifier direct_post.jwt", []string{"verifier", "bench", "-n", "16", "--concurrency", "4"}, "presentations", 16, "presentations_per_second",
			map[string]any{"failed": 0.0, "disclosures": 20.0, "response_mode": "direct_post.jwt"}},
		{"verifier direct_post", []string{"verifier", "bench", "-n", "8", "--concurrency", "2", "--mode", "direct_post", "--disclosures", "5"}, "presentations", 8, "presentations_per_second",
			map[string]any{"failed": 0.0, "disclosures": 5.0, "response_mode": "direct_post"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var res map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("output %q: %v", stdout.String(), err)
			}
			if res[tt.count] != tt.want {
				t.Fatalf("%s = %v, want %v", tt.count, res[tt.count], tt.want)
			}
			rate, _ := res[tt.rate].(float64)
			secs, _ := res["seconds"].(float64)
			p50, _ := res["p50_ms"].(float64)
			p99, _ := res["p99_ms"].(float64)
			if rate <= 0 || secs <= 0 || p50 <= 0 || p99 < p50 {
				t.Fatalf("figures do not add up: %s", stdout.String())
			}
			for k, v := range tt.extra {
				if res[k] != v {
					t.Fatalf("%s = %v, want %v", k, res[k], v)
				}
			}
		})
	}
}

// TestBenchRefusesBadFlags: nonsense settings are usage errors (exit 2).
func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"verifier", "bench", "-n", "0"},
		{"verifier", "bench", "--concurrency", "0"},
		{"verifier", "bench", "--disclosures", "1"},
		{"verifier", "bench", "--disclosures", "100000"},
		{"verifier", "bench", "--mode", "fragment"},
		{"issuer", "bench", "--batch", "0"},
		{"issuer", "bench", "--target", "https://127.0.0.1:1", "--store", "postgres://u@localhost/db"},
		{"issuer", "bench", "--target", "https://127.0.0.1:1", "--replicas", "2"},
		{"issuer", "bench", "--target", "https://127.0.0.1:1"},
		{"issuer", "bench", "--target", "127.0.0.1:1", "--admin-token-file", "x"},
		{"issuer", "bench", "--admin-token-file", "x"},
		{"issuer", "bench", "--timeout", "1s"},
		{"verifier", "bench", "--target", "https://127.0.0.1:1", "--replicas", "2"},
		{"verifier", "bench", "--profile", "skill-check"},
		{"verifier", "bench", "--target", "https://127.0.0.1:1", "--admin-token-file", "x", "--profile", "skill-check"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
				t.Fatalf("exit %d, want %d: %s", code, exitUsage, stderr.String())
			}
		})
	}
}

// TestBenchSoak runs both soak runs briefly: rounds against one service,
// no failure, and the memory and p99 figures reported.
func TestBenchSoak(t *testing.T) {
	for _, args := range [][]string{
		{"issuer", "bench", "-n", "10", "--concurrency", "2", "--duration", "300ms"},
		{"verifier", "bench", "-n", "10", "--concurrency", "2", "--duration", "300ms"},
	} {
		t.Run(args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var res struct {
				Rounds []struct {
					PerSecond float64 `json:"per_second"`
					P99       float64 `json:"p99_ms"`
					Failed    int     `json:"failed"`
				} `json:"rounds"`
				Flows, Failed int
				P99First      float64            `json:"p99_ms_first_quarter"`
				MemoryStart   map[string]float64 `json:"memory_start"`
				MemoryEnd     map[string]float64 `json:"memory_end"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("output %q: %v", stdout.String(), err)
			}
			// At least one round (a round is never cut short; under the
			// race detector one may take the whole duration).
			if len(res.Rounds) < 1 || res.Flows != 10*len(res.Rounds) || res.Failed != 0 {
				t.Fatalf("%d rounds, %d flows, %d failed: %s", len(res.Rounds), res.Flows, res.Failed, stdout.String())
			}
			if res.P99First <= 0 || res.MemoryStart["heap_mb"] <= 0 || res.MemoryEnd["heap_mb"] <= 0 {
				t.Fatalf("figures missing: %s", stdout.String())
			}
			if !strings.Contains(stderr.String(), "p99") {
				t.Fatalf("no progress lines: %s", stderr.String())
			}
		})
	}
}

// TestBenchTargetDown: a bench pointed at a replica that does not answer
// fails at once with the class and the flags to check, and its acked
// file is there, empty.
func TestBenchTargetDown(t *testing.T) {
	dir := t.TempDir()
	tok, acked := filepath.Join(dir, "admin.token"), filepath.Join(dir, "acked.jsonl")
	if err := os.WriteFile(tok, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--lang", "en", "issuer", "bench", "-n", "4", "--target", "https://127.0.0.1:1", "--admin-token-file", tok, "--timeout", "2s", "--acked-file", acked},
		strings.NewReader(""), &stdout, &stderr)
	if code != exitRejected {
		t.Fatalf("exit %d, want %d: %s", code, exitRejected, stderr.String())
	}
	for _, want := range []string{"FETCH", "--target", "--admin-token-file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("message without %q: %s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "0123456789abcdef") {
		t.Errorf("the admin token is in the message: %s", stderr.String())
	}
	if b, err := os.ReadFile(acked); err != nil || len(b) != 0 {
		t.Errorf("acked file: %q, %v", b, err)
	}
}
