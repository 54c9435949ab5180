package domain

import (
	"testing"
	"unicode/utf8"
)

func TestNameQueryScore(t *testing.T) {
	tests := []struct {
		query, name string
		want        int
	}{
		{"banh trang", "Bánh tráng", ScoreName},
		{"Bánh tráng", "Bánh tráng", ScoreName + bonusSearchMarks},
		{"BANH TRANG", "Bánh tráng phơi sương Trảng Bàng", ScoreNamePrefix},
		{"banh tr", "Bánh tráng phơi sương", ScoreNamePrefix},
		{"Bánh tráng", "Bành trắng", ScoreName},
		{"phoi suong", "Bánh tráng phơi sương Trảng Bàng", ScoreNameRun},
		{"trang bang", "HTX Bánh tráng Trảng Bàng", ScoreNameRun},
		{"suong banh", "Bánh tráng phơi sương", ScoreNameWords},
		{"ang", "Bánh tráng", ScoreNameInside},
		{"mat ong", "Bánh tráng", 0},
		{"", "Bánh tráng", 0},
		{"!!!", "Bánh tráng", 0},
		{"muoi tom", "Muối tôm Tây Ninh", ScoreNamePrefix},
		{"mật ong", "HTX Mật ong Bảo An", ScoreNameRun + bonusSearchMarks},
		{"đường", "Đường thốt nốt", ScoreNamePrefix + bonusSearchMarks},
		{"duong", "Đường thốt nốt", ScoreNamePrefix},
	}
	for _, tt := range tests {
		if got := NewNameQuery(tt.query).Score(tt.name); got != tt.want {
			t.Errorf("NewNameQuery(%q).Score(%q) = %d, want %d", tt.query, tt.name, got, tt.want)
		}
	}
}

func TestNameQueryScoreRepresentative(t *testing.T) {
	for _, tt := range []struct {
		query, name string
		want        int
	}{
		{"nguyen thi lai", "Nguyễn Thị Lài", ScoreRepresentative},
		{"Lài", "Nguyễn Thị Lài", ScoreRepresentative},
		{"lai nguyen", "Nguyễn Thị Lài", ScoreRepresentative},
		{"ai", "Nguyễn Thị Lài", 0}, // inside a word only
		{"hong", "Trần Văn Bình", 0},
		{"banh trang", "", 0},
	} {
		if got := NewNameQuery(tt.query).ScoreRepresentative(tt.name); got != tt.want {
			t.Errorf("NewNameQuery(%q).ScoreRepresentative(%q) = %d, want %d", tt.query, tt.name, got, tt.want)
		}
	}
	if !(ScoreRepresentative < ScoreCommune && ScoreRepresentative > ScoreDistrict && ScoreRepresentative < ScoreNameWords) {
		t.Error("a representative ranks below a subject's own name and its commune")
	}
}

func TestProductCodeQuery(t *testing.T) {
	tests := []struct {
		in, code string
		ok       bool
	}{
		{"80-25480-001-2026", "80-25480-001-2026", true},
		{" 80-25480-001-2026 ", "80-25480-001-2026", true},
		{"80.25480.001.2026", "80-25480-001-2026", true},
		{"80-25480-001", "80-25480-001", true},
		{"80-25480", "80-25480", true},
		{"0912345678", "", false},
		{"0912.345.678", "", false},
		{"25480", "", false},
		{"banh trang", "", false},
		{"80-25480-001-26", "", false},
	}
	for _, tt := range tests {
		code, ok := ProductCodeQuery(tt.in)
		if code != tt.code || ok != tt.ok {
			t.Errorf("ProductCodeQuery(%q) = %q, %v; want %q, %v", tt.in, code, ok, tt.code, tt.ok)
		}
	}
}

func TestSearchQuerySees(t *testing.T) {
	q := SearchQuery{Scope: []string{"25480"}}
	if !q.Sees("25480") || q.Sees("25708") {
		t.Error("a scoped query sees its communes only")
	}
	if !(SearchQuery{All: true}).Sees("25708") {
		t.Error("an unscoped query sees every commune")
	}
}

func FuzzNameQuery(f *testing.F) {
	for _, s := range []string{"banh trang", "Bánh tráng", "80-25480-001-2026", "0912.345.678", "", "\u0301", "ǅ"} {
		f.Add(s, "Bánh tráng phơi sương")
	}
	f.Fuzz(func(t *testing.T, query, name string) {
		q := NewNameQuery(query)
		s := q.Score(name)
		if s < 0 || s > ScoreName+bonusSearchMarks {
			t.Fatalf("score %d out of range", s)
		}
		if q.Empty() && s != 0 {
			t.Fatalf("an empty query scored %d", s)
		}
		if utf8.ValidString(name) && HasLetterOrDigit(name) && !q.Empty() && q.Score(name) != s {
			t.Fatal("score not deterministic")
		}
		if code, ok := ProductCodeQuery(query); ok && !productCodeRE.MatchString(code) {
			t.Fatalf("code %q does not match its own pattern", code)
		}
	})
}
