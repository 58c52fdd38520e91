package verifier_test

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
)

// TestQRCode: the admin API serves the request's QR code as a PNG
// (signature, IHDR size, content type) to the admin only, and only while
// the transaction is pending.
func TestQRCode(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	req := e.start(profileTeacher, nil)
	path := "/admin/transactions/" + req.TransactionID + "/qr.png"

	r, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	r.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := e.client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var png bytes.Buffer
	png.ReadFrom(resp.Body)
	resp.Body.Close()
	b := png.Bytes()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if len(b) < 33 || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || string(b[12:16]) != "IHDR" {
		t.Fatalf("not a PNG: % x", b[:min(len(b), 16)])
	}
	if w, h := binary.BigEndian.Uint32(b[16:20]), binary.BigEndian.Uint32(b[20:24]); w != 320 || h != 320 {
		t.Fatalf("PNG %dx%d, want 320x320", w, h)
	}
	if len(b) > 16<<10 {
		t.Fatalf("PNG of %d bytes", len(b))
	}
	if code, _ := e.do("GET", path, "", nil, ""); code != http.StatusUnauthorized {
		t.Fatalf("without token: %d", code)
	}
	if code, _ := e.do("GET", "/admin/transactions/nope/qr.png", adminToken, nil, ""); code != http.StatusNotFound {
		t.Fatalf("unknown transaction: %d", code)
	}
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	rq := w.fetch(req.RequestURI)
	if code, body := w.post(rq, w.vpToken(rq, rq.ClientID, rq.Nonce, false), ""); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if code, _ := e.do("GET", path, adminToken, nil, ""); code != http.StatusNotFound {
		t.Fatalf("answered transaction: %d", code)
	}
}
