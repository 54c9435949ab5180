package telegram

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A body of unknown length goes out whole, with its length, when small; a
// large one still arrives complete.
func TestWholeBodies(t *testing.T) {
	type seen struct {
		length  int64
		chunked bool
		body    []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.ContentLength, len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked", b}
	}))
	defer srv.Close()
	client := &http.Client{Transport: wholeBodies{next: http.DefaultTransport}}
	for _, size := range []int{0, 10, wholeBodyMax, wholeBodyMax + 1, 3 * wholeBodyMax} {
		want := bytes.Repeat([]byte("x"), size)
		pr, pw := io.Pipe()
		go func() {
			for rest := want; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
				pw.Write(rest[:min(len(rest), 1000)]) // many small writes, as a multipart writer does
			}
			pw.Close()
		}()
		req, err := http.NewRequest(http.MethodPost, srv.URL, pr)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		resp.Body.Close()
		s := <-got
		if !bytes.Equal(s.body, want) {
			t.Errorf("%d bytes: %d arrived", size, len(s.body))
		}
		small := size <= wholeBodyMax
		if small && (s.chunked || s.length != int64(size)) {
			t.Errorf("%d bytes: length %d, chunked %v; want sent whole with its length", size, s.length, s.chunked)
		}
		if !small && !s.chunked {
			t.Errorf("%d bytes: not streamed", size)
		}
	}
	// A body whose length is known is left alone.
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("known"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.length != 5 || string(s.body) != "known" {
		t.Errorf("known length: %+v", s)
	}
}
