package domain

import "testing"

// A prepared name scores as the name itself, for every kind of match.
func TestScoreNameMatchesScore(t *testing.T) {
	names := []string{"Bánh tráng phơi sương", "Bành trắng", "HTX Bánh tráng Trảng Bàng", "Mật ong rừng U Minh",
		"Gạo, ngũ cốc, hạt sơ chế", "Nước mắm cá linh", ""}
	queries := []string{"banh trang", "Bánh tráng", "banh tr", "trang bang", "suong banh", "ong", "gạo", "xyz", "", "Mật"}
	for _, name := range names {
		prepared := NewSearchName(name)
		for _, qs := range queries {
			q := NewNameQuery(qs)
			if got, want := q.ScoreName(prepared), q.Score(name); got != want {
				t.Errorf("%q in %q: ScoreName %d, Score %d", qs, name, got, want)
			}
		}
	}
}
