package safehttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/did+json")
		fmt.Fprint(w, `{"id":"did:web:example.com"}`)
	}))
	defer srv.Close()

	// Development against 127.0.0.1 needs WithAllowLoopback; production
	// clients use safehttp.New() and fetch https URLs only.
	c, err := safehttp.New(safehttp.WithAllowLoopback())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Get(context.Background(), srv.URL+"/.well-known/did.json", "application/did+json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, string(resp.Body))

	_, err = c.Get(context.Background(), "https://169.254.169.254/latest/meta-data/", "")
	fmt.Println(errors.Is(err, safehttp.ErrRefused), errors.Is(err, credentials.ErrFetch))
	// Output:
	// 200 {"id":"did:web:example.com"}
	// true true
}
