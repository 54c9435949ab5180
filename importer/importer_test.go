package importer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/domain"
)

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

func testEnv(t testing.TB) Env {
	t.Helper()
	places, err := domain.DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := domain.DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	return Env{Places: places, Rules: rules, Location: hcm,
		Now: func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, hcm) }}
}

func readFile(t *testing.T, name string) []Row {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := Read(f, name, testEnv(t))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, hcm) }

// The example files of the README are read, and the CSV and the XLSX say
// the same.
func TestExampleFiles(t *testing.T) {
	csv, xlsx := readFile(t, "import-example.csv"), readFile(t, "import-example.xlsx")
	if len(csv) != 8 {
		t.Fatalf("%d rows from the CSV, want 8", len(csv))
	}
	if !reflect.DeepEqual(csv, xlsx) {
		for i := range csv {
			if i < len(xlsx) && !reflect.DeepEqual(csv[i], xlsx[i]) {
				t.Errorf("row %d:\ncsv  %+v\nxlsx %+v", csv[i].Line, csv[i], xlsx[i])
			}
		}
		t.Fatal("the CSV and XLSX examples differ")
	}
	first := csv[0]
	if first.Line != 2 {
		t.Errorf("first data row is %d, want 2", first.Line)
	}
	wantSubject := domain.Subject{Kind: domain.KindCooperative, Name: "HTX Bánh tráng Trảng Bàng", Phone: "+84912345678", CommuneCode: "25708"}
	if !reflect.DeepEqual(first.Subject, wantSubject) {
		t.Errorf("subject = %+v, want %+v", first.Subject, wantSubject)
	}
	p := first.Product
	if p.Name != "Bánh tráng phơi sương Trảng Bàng" || p.Set != 6 || p.Score != 65.5 || p.Stars != 3 ||
		p.CertNo != "123/QĐ-UBND" || !p.CertIssued.Equal(day(2024, 1, 15)) || !p.CertExpires.Equal(day(2027, 1, 15)) ||
		p.CertRules != "qd148-2023" || p.Rulebook != "qd148-2023" || p.Stage != domain.StageRecognised || p.Year != 2024 || !p.Existing ||
		p.Craft != "Bánh tráng phơi sương" {
		t.Errorf("product = %+v", p)
	}
	byLine := map[int]Row{}
	for _, r := range csv {
		byLine[r.Line] = r
	}
	checks := []struct {
		line  int
		check func(Row) bool
		what  string
	}{
		{3, func(r Row) bool {
			return r.Subject.Kind == domain.KindHousehold && r.Subject.CommuneCode == "25480" && r.Product.Stars == 3 && r.Product.Craft == "Làm muối tôm"
		}, "household by code, «3 sao», its craft"},
		{4, func(r Row) bool { return r.Product.Craft == "" && !r.NoCraft }, "no craft said"},
		{4, func(r Row) bool {
			return r.Subject.Kind == domain.KindSME && r.Product.Set == 6 && r.Product.Score == 86.25
		}, "set by name, 86,25"},
		{5, func(r Row) bool { return r.Subject.Kind == domain.KindCooperative && r.Subject.CommuneCode == "25585" }, "Xã Châu Thành"},
		{6, func(r Row) bool {
			return r.Subject.Phone == "" && r.Subject.Kind == domain.KindFarm && r.Product.CertRules == "qd148-1489-2025"
		}, "no phone; the rulebook in force on the issue day"},
		{7, func(r Row) bool {
			return r.Subject.Kind == domain.KindCoopGroup && r.Product.Stage == domain.StageRecognised
		}, "tổ hợp tác"},
		{8, func(r Row) bool {
			return r.Product.Stage == domain.StageFailed && r.Product.CertNo == "" && r.Product.CertIssued.IsZero() && r.Product.Stars == 0 &&
				r.Product.Craft == "" && r.NoCraft
		}, "45 points: khong_dat without a certificate; «không» is no craft"},
		{9, func(r Row) bool { return r.Product.Craft == "Se nhang" }, "craft"},
		{9, func(r Row) bool {
			return r.Product.Stage == domain.StageExpired && r.Product.CertExpires.Equal(day(2022, 11, 20))
		}, "expired certificate"},
	}
	for _, c := range checks {
		if r, ok := byLine[c.line]; !ok || !c.check(r) {
			t.Errorf("row %d (%s): %+v", c.line, c.what, r)
		}
	}
}

const goodHeader = "Tên chủ thể,Loại chủ thể,Số điện thoại,Xã/phường,Tên sản phẩm,Bộ sản phẩm,Điểm,Hạng sao,Số chứng nhận,Ngày cấp,Bộ quy định\n"

const goodRow = "HTX Bánh tráng,HTX,0912345678,Phường Bình Minh,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023\n"

func rejected(t *testing.T, body string) []Problem {
	t.Helper()
	_, err := Read(strings.NewReader(body), "x.csv", testEnv(t))
	var re *RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("Read(%q) = %v, want a *RejectedError", body, err)
	}
	return re.Problems
}

func TestRejectedRows(t *testing.T) {
	tests := []struct {
		name, row string
		column    string
		msg       string
	}{
		{"empty subject", ",HTX,0912345678,Phường Bình Minh,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColSubject, "import.required"},
		{"unknown kind", "HTX A,liên doanh,0912345678,Phường Bình Minh,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColKind, "import.kind_unknown"},
		{"landline", "HTX A,HTX,0276 3822 111,Phường Bình Minh,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColPhone, "import.bad_phone"},
		{"unknown commune", "HTX A,HTX,0912345678,Xã Không Có,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColCommune, "import.commune_unknown"},
		{"unknown code", "HTX A,HTX,0912345678,99999,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColCommune, "import.commune_unknown"},
		{"commune and district", "HTX A,HTX,0912345678,Gò Dầu,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023", ColCommune, "import.commune_ambiguous"},
		{"set 27", "HTX A,HTX,0912345678,25480,Bánh tráng,27,72,4,1/GCN,15/01/2024,qd148-2023", ColSet, "import.set_unknown"},
		// One word of a set's keyword among others is a guess, not taken.
		{"set guessed", "HTX A,HTX,0912345678,25480,Xoài ngâm,xoai ngam,72,4,1/GCN,15/06/2026,qd26-2026", ColSet, "import.set_ambiguous"},
		{"score 101", "HTX A,HTX,0912345678,25480,Bánh tráng,6,101,4,1/GCN,15/01/2024,qd148-2023", ColScore, "import.bad_score"},
		{"score text", "HTX A,HTX,0912345678,25480,Bánh tráng,6,bảy mươi,4,1/GCN,15/01/2024,qd148-2023", ColScore, "import.bad_score"},
		{"stars above band", "HTX A,HTX,0912345678,25480,Bánh tráng,6,\"72,5\",5,1/GCN,15/01/2024,qd148-2023", ColStars, "import.stars_above_band"},
		{"2 stars", "HTX A,HTX,0912345678,25480,Bánh tráng,6,55,2,1/GCN,15/01/2024,qd148-2023", ColStars, "import.stars_not_recognised"},
		{"no stars", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,,1/GCN,15/01/2024,qd148-2023", ColStars, "import.required"},
		{"6 stars", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,6,1/GCN,15/01/2024,qd148-2023", ColStars, "import.bad_stars"},
		{"no date", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,4,1/GCN,,qd148-2023", ColIssued, "import.required"},
		{"bad date", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,4,1/GCN,31/02/2024,qd148-2023", ColIssued, "import.bad_date"},
		{"future date", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,4,1/GCN,01/12/2026,qd26-2026", ColIssued, "import.future_date"},
		{"unknown rulebook", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd999", ColRulebook, "import.bad_rulebook"},
		{"before its rulebook", "HTX A,HTX,0912345678,25480,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd26-2026", ColIssued, "import.before_rulebook"},
		{"failed with a certificate", "HTX A,HTX,0912345678,25480,Bánh tráng,6,45,,1/GCN,15/01/2024,qd148-2023", ColCert, "import.below_50_certificate"},
		{"failed with 3 stars", "HTX A,HTX,0912345678,25480,Bánh tráng,6,45,3,,,qd148-2023", ColStars, "import.stars_below_50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := rejected(t, goodHeader+goodRow+tt.row+"\n")
			found := false
			for _, p := range ps {
				if p.Line != 3 {
					t.Errorf("problem on row %d, want 3: %+v", p.Line, p)
				}
				if p.Column == tt.column && p.MsgID == tt.msg {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %+v lack %s %s", ps, tt.column, tt.msg)
			}
		})
	}
}

func TestCommuneCandidates(t *testing.T) {
	ps := rejected(t, goodHeader+"HTX A,HTX,0912345678,Gò Dầu,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023\n")
	c, _ := ps[0].Data["Candidates"].(string)
	if !strings.Contains(c, "Phường Gò Dầu (25654)") || !strings.Contains(c, "Xã Thạnh Đức (25657)") {
		t.Errorf("candidates = %q", c)
	}
	// With its kind, the name is the commune's.
	rows, err := Read(strings.NewReader(goodHeader+"HTX A,HTX,0912345678,phuong go dau,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023\n"), "x.csv", testEnv(t))
	if err != nil || rows[0].Subject.CommuneCode != "25654" {
		t.Errorf("phuong go dau = %v, %v", rows, err)
	}
}

// TestCommuneWrittenExactly: "Xã Tân Thành" and "Xã Tân Thạnh" fold to
// the same letters; written exactly, each is its own commune; without
// diacritics the name stays ambiguous.
func TestCommuneWrittenExactly(t *testing.T) {
	for in, want := range map[string]string{"Xã Tân Thành": "25534", "Xã Tân Thạnh": "27826", "xã tân thạnh": "27826"} {
		rows, err := Read(strings.NewReader(goodHeader+"HTX A,HTX,0912345678,"+in+",Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023\n"), "x.csv", testEnv(t))
		if err != nil || rows[0].Subject.CommuneCode != want {
			t.Errorf("%s = %v, %v; want %s", in, rows, err, want)
		}
	}
	ps := rejected(t, goodHeader+"HTX A,HTX,0912345678,Xa Tan Thanh,Bánh tráng,6,72,4,1/GCN,15/01/2024,qd148-2023\n")
	if len(ps) != 1 || ps[0].MsgID != "import.commune_ambiguous" {
		t.Errorf("Xa Tan Thanh: %+v", ps)
	}
}

// TestRowErrorDoesNotHideDuplicateCertificate: a row with a bad score
// still has its certificate checked against the other rows.
func TestRowErrorDoesNotHideDuplicateCertificate(t *testing.T) {
	body := goodHeader + goodRow +
		"HTX Khác,HTX,0912345679,Phường Bình Minh,Nem,6,abc,4,1/GCN,15/01/2024,qd148-2023\n"
	var got []string
	for _, p := range rejected(t, body) {
		got = append(got, p.MsgID)
	}
	if !slices.Contains(got, "import.bad_score") || !slices.Contains(got, "import.duplicate_certificate") {
		t.Errorf("problems %v: want the bad score and the duplicate certificate", got)
	}
}

func TestRowsAgainstOneAnother(t *testing.T) {
	body := goodHeader + goodRow +
		"HTX Bánh tráng,HTX,0912345678,Phường Bình Minh,Bánh phồng,6,72,4,1/GCN,15/01/2024,qd148-2023\n" + // row 3: same certificate
		"HTX Bánh tráng,HTX,0912345678,Phường Bình Minh,bánh tráng,6,72,4,2/GCN,15/01/2024,qd148-2023\n" + // row 4: same product
		"HTX Khác,HTX,0912345678,Phường Bình Minh,Nem,6,72,4,3/GCN,15/01/2024,qd148-2023\n" // row 5: same phone, other name
	want := map[int]string{3: "import.duplicate_certificate", 4: "import.duplicate_product", 5: "import.subject_conflict"}
	for _, p := range rejected(t, body) {
		if want[p.Line] == p.MsgID {
			delete(want, p.Line)
		}
		if p.Data["Other"] != 2 {
			t.Errorf("row %d: other = %v, want 2", p.Line, p.Data["Other"])
		}
	}
	if len(want) > 0 {
		t.Errorf("missing problems: %v", want)
	}
}

func TestHeaders(t *testing.T) {
	// English, other order, another case, extra columns and a semicolon.
	body := "No;ISSUE DATE;Subject name;Type;Commune;Product;Set;Score;Stars;Certificate number;Rulebook;Notes\n" +
		"1;15/01/2024;HTX A;cooperative;25480;Banh trang;6;72,5;4;9/GCN;qd148-2023;x\n"
	rows, err := Read(strings.NewReader(body), "list.CSV", testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Subject.Name != "HTX A" || r.Product.Score != 72.5 || r.Product.CertNo != "9/GCN" || r.Subject.Phone != "" {
		t.Errorf("row = %+v", r)
	}

	ps := rejected(t, "Tên chủ thể,Xã,Tên sản phẩm\nA,25480,B\n")
	if len(ps) != 1 || ps[0].MsgID != "import.missing_columns" {
		t.Fatalf("problems = %+v", ps)
	}
	if got := ps[0].Data["Columns"]; !reflect.DeepEqual(got, []string{ColKind, ColSet, ColScore, ColStars, ColIssued}) {
		t.Errorf("missing = %v", got)
	}
	ps = rejected(t, strings.TrimSuffix(goodHeader, "\n")+",SĐT\n"+goodRow)
	if len(ps) != 1 || ps[0].MsgID != "import.duplicate_column" || ps[0].Data["Second"] != "L" {
		t.Errorf("problems = %+v", ps)
	}
}

func TestFiles(t *testing.T) {
	for _, tt := range []struct{ name, body, msg string }{
		{"x.pdf", goodHeader + goodRow, "import.unsupported_format"},
		{"x.csv", "", "import.empty"},
		{"x.csv", goodHeader, "import.empty"},
		{"x.csv", "\xff\xfe" + goodHeader, "import.not_utf8"},
		{"x.xlsx", goodHeader, "import.unreadable"},
	} {
		_, err := Read(strings.NewReader(tt.body), tt.name, testEnv(t))
		var re *RejectedError
		if !errors.As(err, &re) || re.Problems[0].MsgID != tt.msg {
			t.Errorf("%s %.20q: %v, want %s", tt.name, tt.body, err, tt.msg)
		}
	}
	// A byte order mark and blank lines are fine.
	rows, err := Read(strings.NewReader("\xef\xbb\xbf\n"+goodHeader+"\n"+goodRow), "x.csv", testEnv(t))
	if err != nil || len(rows) != 1 || rows[0].Line != 4 {
		t.Errorf("rows = %+v, %v", rows, err)
	}
}

func TestParsers(t *testing.T) {
	for in, want := range map[string]float64{"72,5": 72.5, "72.5": 72.5, "90": 90, " 50 ": 50, "72.50000000000001": 72.5} {
		if got, ok := ParseScore(in); !ok || got != want {
			t.Errorf("ParseScore(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "1.500,5", "72,5,1", "abc", "-1", "100.5", "NaN", "Inf"} {
		if _, ok := ParseScore(in); ok {
			t.Errorf("ParseScore(%q) is ok", in)
		}
	}
	for in, want := range map[string]int{"4": 4, "4 sao": 4, "4★": 4, "★★★": 3, "5.0": 5, "": 0, "3 stars": 3} {
		if got, ok := ParseStars(in); !ok || got != want {
			t.Errorf("ParseStars(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"bốn", "4.5", "0", "6", "4 sao vàng"} {
		if _, ok := ParseStars(in); ok {
			t.Errorf("ParseStars(%q) is ok", in)
		}
	}
	for in, want := range map[string]time.Time{
		"15/01/2024": day(2024, 1, 15), "5/1/2024": day(2024, 1, 5), "15-01-2024": day(2024, 1, 15),
		"15.01.2024": day(2024, 1, 15), "2024-01-15": day(2024, 1, 15), "45306": day(2024, 1, 15),
	} {
		if got, ok := ParseDate(in, hcm); !ok || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"15/13/2024", "31/04/2024", "15/01/24", "hôm qua", "1/1", "0"} {
		if _, ok := ParseDate(in, hcm); ok {
			t.Errorf("ParseDate(%q) is ok", in)
		}
	}
	for in, want := range map[string]domain.SubjectKind{
		"HTX": domain.KindCooperative, "Hợp tác xã nông nghiệp": domain.KindCooperative, "to hop tac": domain.KindCoopGroup,
		"Doanh nghiệp nhỏ và vừa": domain.KindSME, "Công ty TNHH": domain.KindSME, "trang_trai": domain.KindFarm,
		"Hộ sản xuất có đăng ký kinh doanh": domain.KindHousehold, "hộ": domain.KindHousehold, "Hiệp hội du lịch": domain.KindTourismAssoc,
		"Trung tâm điều hành du lịch": domain.KindTourismCentre,
	} {
		if got, ok := ParseKind(in); !ok || got != want {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseKind("liên doanh"); ok {
		t.Error("ParseKind(liên doanh) is ok")
	}
}

func FuzzRead(f *testing.F) {
	f.Add(goodHeader + goodRow)
	f.Add(goodHeader + "HTX A,HTX,,Gò Dầu,B,x,\"72,5\",★★★★,,45306,\n")
	f.Add("a;b;c\n\"x\n")
	env := testEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := Read(strings.NewReader(body), "x.csv", env)
		var re *RejectedError
		switch {
		case err != nil && !errors.As(err, &re):
			t.Fatalf("error %v is not a *RejectedError", err)
		case err != nil && len(re.Problems) == 0:
			t.Fatal("a rejection without problems")
		case err == nil && len(rows) == 0:
			t.Fatal("no rows and no error")
		}
		for _, r := range rows {
			if !r.Subject.Kind.Valid() || r.Product.Stage == "" || r.Subject.CommuneCode == "" {
				t.Fatalf("incomplete row %+v", r)
			}
		}
	})
}

// Row numbers in a workbook are the sheet's, blank rows included.
func TestXLSXRowNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	head := strings.Split(strings.TrimSpace(goodHeader), ",")
	row := strings.Split(strings.TrimSpace(goodRow), ",")
	for i, v := range head {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue("Sheet1", cell, v)
	}
	for i, v := range row {
		cell, _ := excelize.CoordinatesToCellName(i+1, 4)
		f.SetCellValue("Sheet1", cell, v)
	}
	f.SetCellValue("Sheet1", "B6", "tổ hợp tác") // row 6 lacks everything else
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := Read(&buf, "x.xlsx", testEnv(t))
	var re *RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v", err)
	}
	for _, p := range re.Problems {
		if p.Line != 6 {
			t.Errorf("problem on row %d, want 6: %+v", p.Line, p)
		}
	}
}

// The craft column: a name is kept, «không» or «-» says none (NoCraft),
// an empty cell says nothing, «có» alone does not say which.
func TestCraftColumn(t *testing.T) {
	header := strings.TrimSuffix(goodHeader, "\n") + ",Làng nghề\n"
	row := strings.TrimSuffix(goodRow, "\n")
	for _, c := range []struct {
		cell    string
		craft   string
		noCraft bool
	}{{"Làm bánh tráng", "Làm bánh tráng", false}, {"", "", false}, {"không", "", true}, {"Khong co", "", true}, {"-", "", true}} {
		rows, err := Read(strings.NewReader(header+row+","+c.cell+"\n"), "x.csv", testEnv(t))
		if err != nil || len(rows) != 1 || rows[0].Product.Craft != c.craft || rows[0].NoCraft != c.noCraft {
			t.Errorf("craft %q: %+v, %v", c.cell, rows, err)
		}
	}
	ps := rejected(t, header+row+",có\n")
	if len(ps) != 1 || ps[0].Column != ColCraft || ps[0].MsgID != "import.craft_which" {
		t.Errorf("«có»: %+v", ps)
	}
}
