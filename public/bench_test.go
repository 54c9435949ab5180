package public_test

import (
	"net/http/httptest"
	"testing"

	"github.com/ocop-tayninh/ocopbot/public"
)

// The cost of one page in this process (make bench measures it over HTTP
// beside the bot, on 100,000 products).
func BenchmarkProductPage(b *testing.B) {
	f := newFixture(b, public.Config{}, 0)
	path := "/sp/" + f.codes["Bánh tráng phơi sương"]
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkCatalogueSearch(b *testing.B) {
	f := newFixture(b, public.Config{}, 100)
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, httptest.NewRequest("GET", "/sp?q=san+pham", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
