package domain

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The product sets of qd26-2026 as OCOP-RULES §3 names them (Phụ lục I of
// the decision), with the first letter capitalised for buttons.
var ocopSets = []struct {
	group    int
	subGroup string
	name     string
}{
	{1, "Thực phẩm tươi sống", "Rau, củ, quả, hạt tươi"},
	{1, "Thực phẩm tươi sống", "Thịt, thủy sản, trứng, sữa tươi"},
	{1, "Thực phẩm thô, sơ chế", "Gạo, ngũ cốc, hạt sơ chế"},
	{1, "Thực phẩm thô, sơ chế", "Mật ong, mật khác và nông sản thực phẩm khác"},
	{1, "Thực phẩm chế biến", "Đồ ăn nhanh"},
	{1, "Thực phẩm chế biến", "Chế biến từ gạo, ngũ cốc"},
	{1, "Thực phẩm chế biến", "Chế biến từ rau, củ, quả, hạt"},
	{1, "Thực phẩm chế biến", "Chế biến từ thịt, trứng, sữa, thủy sản, mật ong"},
	{1, "Gia vị", "Tương, nước mắm, gia vị lỏng"},
	{1, "Gia vị", "Gia vị khác (muối, hành, tỏi, tiêu…)"},
	{1, "Chè", "Chè tươi, chè chế biến"},
	{1, "Chè", "Trà từ thực vật khác"},
	{1, "Cà phê, ca cao", "Cà phê, ca cao"},
	{2, "Có cồn", "Rượu trắng"},
	{2, "Có cồn", "Đồ uống có cồn khác"},
	{2, "Không cồn", "Nước khoáng thiên nhiên, nước uống đóng chai"},
	{2, "Không cồn", "Đồ uống không cồn khác"},
	{3, "Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền", "Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền"},
	{3, "Mỹ phẩm có thành phần dược liệu", "Mỹ phẩm có thành phần dược liệu"},
	{3, "Tinh dầu và dược liệu khác", "Tinh dầu và dược liệu khác"},
	{4, "Thủ công mỹ nghệ gia dụng, trang trí", "Thủ công mỹ nghệ gia dụng, trang trí"},
	{4, "Vải, may mặc", "Vải, may mặc"},
	{5, "Hoa", "Hoa"},
	{5, "Cây cảnh", "Cây cảnh"},
	{5, "Động vật cảnh", "Động vật cảnh"},
	{6, "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"},
}

var ocopGroups = []string{
	"Thực phẩm", "Đồ uống", "Dược liệu và sản phẩm từ dược liệu", "Hàng thủ công mỹ nghệ", "Sinh vật cảnh",
	"Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}

// TestQD26Facts checks the qd26-2026 file against OCOP-RULES §3–§7.
func TestQD26Facts(t *testing.T) {
	r := rulebook(t, "qd26-2026")

	// §3: 6 groups → 17 sub-groups → 26 sets.
	subGroups := 0
	for i, g := range r.Groups {
		if g.ID != i+1 || g.Name != ocopGroups[i] {
			t.Errorf("group %d = %d %q, want %q", i+1, g.ID, g.Name, ocopGroups[i])
		}
		subGroups += len(g.SubGroups)
	}
	if len(r.Groups) != 6 || subGroups != 17 || len(r.Sets()) != 26 {
		t.Errorf("%d groups, %d sub-groups, %d sets; want 6, 17, 26", len(r.Groups), subGroups, len(r.Sets()))
	}
	for i, want := range ocopSets {
		s, ok := r.Set(i + 1)
		if !ok || s.ID != i+1 || s.Name != want.name || s.Group != want.group || s.SubGroup != want.subGroup {
			t.Errorf("set %d = %+v, want %q in %d / %q", i+1, s, want.name, want.group, want.subGroup)
		}
	}

	// §4: scoring, bands, validity, who certifies.
	if got := partsString(r.Parts); got != "A40 B25 C35" {
		t.Errorf("parts %s, want A40 B25 C35", got)
	}
	if got := bandsString(r.Bands); got != "1★0-30 2★30-50 3★50-70 4★70-90 5★90-100" {
		t.Errorf("bands %s", got)
	}
	if !slices.Equal(r.RecognisedStars, []int{3, 4, 5}) || r.ValidityMonths != 36 {
		t.Errorf("recognised %v, validity %d months", r.RecognisedStars, r.ValidityMonths)
	}
	if c, _ := r.Certifier(4); c.Level != ActorProvince || c.By != "Chủ tịch Ủy ban nhân dân tỉnh" {
		t.Errorf("4★ certified by %+v", c)
	}
	if c, _ := r.Certifier(5); c.Level != ActorCentral || c.By != "Bộ trưởng Bộ Nông nghiệp và Môi trường" {
		t.Errorf("5★ certified by %+v", c)
	}

	// §5: the dossier of each set.
	knockouts := map[int][]string{
		15: {"attp", "giay_phep_sx"}, 17: {"attp", "giay_phep_sx"},
		18: {"gmp", "cong_bo"}, 19: {"dieu_kien_sx", "cong_bo"}, 20: {"dieu_kien_sx", "cong_bo"},
	}
	for _, set := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16} {
		knockouts[set] = []string{"attp"} // food sets, 14 rượu trắng and 16 bottled water
	}
	for set := 1; set <= 26; set++ {
		want := []string{"mau01", "mau02", "mau_sp"}
		if set == 26 {
			want = want[:2] // tourism: no samples, judged on site
		}
		want = append(want, knockouts[set]...) // 21–26: no knock-out papers
		var got []string
		for _, it := range r.Checklist(set) {
			if it.Kind.Required() {
				got = append(got, it.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("set %d: mandatory and knock-out items %v, want %v", set, got, want)
		}
	}
	for _, id := range []string{"mau01", "mau02", "mau_sp"} {
		if it, ok := r.Item(id); !ok || it.Kind != ItemMandatory {
			t.Errorf("%s is not mandatory: %+v", id, it)
		}
	}
	if it, _ := r.Item("mau_sp"); !it.InPerson || it.Paper || it.AcceptsFiles() || it.AppliesTo(26) {
		t.Errorf("samples: %+v; want in person only, not for tourism", it)
	}
	if it, _ := r.Item("mau01"); it.Short != "Mẫu 01" || !it.Paper || !it.AcceptsFiles() ||
		it.Name != "Phiếu đăng ký đánh giá, phân hạng sản phẩm OCOP (Mẫu số 01)" {
		t.Errorf("Mẫu 01: %+v", it)
	}
	if it, _ := r.Item("mau02"); it.Short != "Mẫu 02" || it.Name != "Báo cáo tự đánh giá về sản phẩm (Mẫu số 02)" {
		t.Errorf("Mẫu 02: %+v", it)
	}
	if it, _ := r.Item("attp"); it.Short != "Giấy ATTP" || it.Kind != ItemKnockout {
		t.Errorf("Giấy ATTP: %+v", it)
	}
	// The evidence of §5, each saying what it proves.
	evidence := []string{"dkkd", "nguyen_lieu", "moi_truong", "lao_dong", "tai_chinh", "shtt", "phan_phoi",
		"quang_ba", "cau_chuyen", "cong_bo_cl", "kiem_nghiem", "ma_vach", "qlcl", "giai_thuong"}
	for _, id := range evidence {
		if it, ok := r.Item(id); !ok || it.Kind != ItemEvidence || it.Proves == "" {
			t.Errorf("evidence %s: %+v", id, it)
		}
	}

	// §6 and §7.
	if r.HasStage(StageDistrict) || r.Stages[0] != StageIdea {
		t.Errorf("stages %v", r.Stages)
	}
	d := r.Deadlines
	if d == nil {
		t.Fatal("no deadlines")
	}
	if got := roundsString(d.ProvinceRounds); got != "30/4→30/6 30/10→30/12" {
		t.Errorf("province rounds %s", got)
	}
	if got := roundsString(d.CentralRounds); got != "30/1→30/3 30/7→30/9" {
		t.Errorf("central rounds %s", got)
	}
	if d.CommuneCheckDays != 15 || d.Reevaluation != (Reevaluation{180, 120, 45}) {
		t.Errorf("commune check %d working days, re-evaluation %+v", d.CommuneCheckDays, d.Reevaluation)
	}
	if d.Reevaluation.OpenDaysBefore != ReevaluationOpenDays || d.Reevaluation.CloseDaysBefore != ReevaluationCloseDays {
		t.Error("ReevaluationWindow's constants differ from the qd26-2026 data")
	}
	if len(r.Unknown) > 0 {
		t.Errorf("qd26-2026 has unknowns: %v", r.Unknown)
	}
}

// TestQD148Facts checks the seed plan's rulebook: what OCOP-RULES gives and
// that the rest is marked unknown.
func TestQD148Facts(t *testing.T) {
	r := rulebook(t, "qd148-2023")
	if r.Full {
		t.Error("qd148-2023 is marked full although its product sets are unknown")
	}
	if got := partsString(r.Parts); got != "A40 B25 C35" {
		t.Errorf("parts %s", got)
	}
	if got := bandsString(r.Bands); got != "1★0-30 2★30-50 3★50-70 4★70-90 5★90-100" || r.ValidityMonths != 36 {
		t.Errorf("bands %s, validity %d", got, r.ValidityMonths)
	}
	for stars, level := range map[int]Actor{3: ActorDistrict, 4: ActorProvince, 5: ActorCentral} {
		if c, _ := r.Certifier(stars); c.Level != level {
			t.Errorf("%d★ certified by %s, want %s", stars, c.Level, level)
		}
	}
	if !r.HasStage(StageDistrict) {
		t.Error("no district stage")
	}
	i := slices.Index(r.Stages, StageDistrict)
	if i < 1 || r.Stages[i-1] != StageCommuneCheck || r.Stages[i+1] != StageProvince {
		t.Errorf("the district stage is not between commune and province: %v", r.Stages)
	}
	subGroups := 0
	for i, g := range r.Groups {
		if g.Name != ocopGroups[i] {
			t.Errorf("group %d %q, want %q", g.ID, g.Name, ocopGroups[i])
		}
		subGroups += len(g.SubGroups)
	}
	if len(r.Groups) != 6 || subGroups != 17 || len(r.Sets()) != 0 {
		t.Errorf("%d groups, %d sub-groups, %d sets; want 6, 17 and the sets unknown", len(r.Groups), subGroups, len(r.Sets()))
	}
	var names []string
	for _, it := range r.Checklist(1) {
		names = append(names, it.Name)
	}
	want := []string{"Phiếu đăng ký ý tưởng sản phẩm", "Phương án, kế hoạch kinh doanh", "Giới thiệu bộ máy tổ chức"}
	if !slices.Equal(names, want) {
		t.Errorf("legacy forms %q, want %q", names, want)
	}
	for _, u := range []string{"product sets", "deadlines"} {
		if !slices.Contains(r.Unknown, u) {
			t.Errorf("%q not marked unknown", u)
		}
	}
	if r.Deadlines != nil || r.Note == "" {
		t.Error("qd148-2023 invents deadlines or explains nothing")
	}
}

func TestMinimalRulebooksFacts(t *testing.T) {
	old := rulebook(t, "qd1048-2019")
	if got := partsString(old.Parts); got != "A35 B25 C40" {
		t.Errorf("qd1048-2019 parts %s, want A35 B25 C40", got)
	}
	amended := rulebook(t, "qd148-1489-2025")
	for _, r := range []*Rulebook{old, amended} {
		if r.Full || r.ValidityMonths != 36 || len(r.Bands) != 5 || len(r.Unknown) == 0 || r.Note == "" {
			t.Errorf("%s: full %v, validity %d, %d bands, unknown %v", r.ID, r.Full, r.ValidityMonths, len(r.Bands), r.Unknown)
		}
		if r.Checklist(1) != nil || r.Sets() != nil {
			t.Errorf("%s has a checklist", r.ID)
		}
	}
	for _, c := range amended.Certifiers {
		if c.Level == ActorDistrict {
			t.Error("qd148-1489-2025 still has a district level")
		}
	}
	if c, _ := amended.Certifier(3); c.Level != ActorProvince {
		t.Errorf("qd148-1489-2025 3★ certified by %s, want province", c.Level)
	}
}

// TestSetNamesMatchRulesDocument reads the product sets from OCOP-RULES.md
// §3, when the document is at hand, and compares the qd26-2026 file with it.
func TestSetNamesMatchRulesDocument(t *testing.T) {
	var doc []byte
	for _, p := range []string{"../../shared/OCOP-RULES.md", "../OCOP-RULES.md", "../docs/OCOP-RULES.md"} {
		if b, err := os.ReadFile(p); err == nil {
			doc = b
			break
		}
	}
	if doc == nil {
		t.Skip("OCOP-RULES.md not found beside the repository")
	}
	text := string(doc)
	start := strings.Index(text, "## 3.")
	end := strings.Index(text, "## 4.")
	if start < 0 || end < start {
		t.Fatal("OCOP-RULES.md has no §3")
	}
	section := text[start:end]
	found := regexp.MustCompile(`\((\d+)\) ([^;\n(]+(?:\([^)]*\))?)`).FindAllStringSubmatch(section, -1)
	r := rulebook(t, "qd26-2026")
	seen := 0
	for _, m := range found {
		n, _ := strconv.Atoi(m[1])
		name := strings.TrimSpace(m[2])
		if n == 26 || name == "" {
			continue // tourism is named by its group
		}
		seen++
		s, ok := r.Set(n)
		if !ok || lowerFirst(s.Name) != lowerFirst(name) {
			t.Errorf("set %d: file %q, OCOP-RULES %q", n, s.Name, name)
		}
	}
	if seen != 25 {
		t.Errorf("read %d set names from OCOP-RULES §3, want 25", seen)
	}
}

// vietnameseMark matches a Vietnamese letter with a diacritic.
var vietnameseMark = regexp.MustCompile(`[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]`)

// TestVietnameseTexts checks that every Vietnamese text of the data is
// written with its diacritics: a text of two words or more has at least one
// marked letter (but for the few words that have none), every text is NFC,
// and labels are short.
func TestVietnameseTexts(t *testing.T) {
	unmarked := map[string]bool{"hoa lan": true, "phong lan": true, "homestay": true}
	check := func(where, s string) {
		t.Helper()
		if s == "" {
			return
		}
		if Clean(s) != s {
			t.Errorf("%s: %q is not clean NFC", where, s)
		}
		if len(strings.Fields(s)) >= 2 && !unmarked[s] && !vietnameseMark.MatchString(strings.ToLower(s)) {
			t.Errorf("%s: %q has no Vietnamese diacritics", where, s)
		}
	}
	for _, r := range defaultRulebooks(t).All() {
		check(r.ID+" instrument", r.Instrument)
		check(r.ID+" note", r.Note)
		for _, p := range r.Parts {
			check(r.ID+" part "+p.ID, p.Name)
		}
		for _, c := range r.Certifiers {
			check(r.ID+" certifier", c.By)
		}
		for _, g := range r.Groups {
			check(r.ID+" group", g.Name)
			for _, sg := range g.SubGroups {
				check(r.ID+" sub-group", sg.Name)
				for _, s := range sg.Sets {
					check(r.ID+" set", s.Name)
					for _, kw := range s.Keywords {
						check(r.ID+" keyword", kw)
					}
				}
			}
		}
		for _, it := range r.Items {
			for field, s := range map[string]string{"short": it.Short, "name": it.Name, "help": it.Help, "proves": it.Proves} {
				check(r.ID+" "+it.ID+" "+field, s)
			}
			if !strings.HasSuffix(it.Help, ".") || it.Proves != "" && !strings.HasSuffix(it.Proves, ".") {
				t.Errorf("%s %s: help and proves are sentences ending with a full stop", r.ID, it.ID)
			}
			if n := utf8.RuneCountInString(it.Help); n > 400 {
				t.Errorf("%s %s: help of %d characters is too long for a phone", r.ID, it.ID, n)
			}
			if !unicode.IsUpper([]rune(it.Short)[0]) && !unicode.IsDigit([]rune(it.Short)[0]) {
				t.Errorf("%s %s: label %q starts with a small letter", r.ID, it.ID, it.Short)
			}
		}
	}
	cal := defaultCalendar(t)
	for d, h := range cal.off {
		check("holiday "+d.String(), h.Name)
	}
	for d, name := range cal.work {
		check("working day "+d.String(), name)
	}
}

func partsString(parts []Part) string {
	var out []string
	for _, p := range parts {
		out = append(out, p.ID+strconv.Itoa(p.Points))
	}
	return strings.Join(out, " ")
}

func bandsString(bands []Band) string {
	var out []string
	for _, b := range bands {
		out = append(out, strconv.Itoa(b.Stars)+"★"+strconv.FormatFloat(b.Min, 'f', -1, 64)+"-"+strconv.FormatFloat(b.Max, 'f', -1, 64))
	}
	return strings.Join(out, " ")
}

func roundsString(rounds []Round) string {
	var out []string
	for _, r := range rounds {
		out = append(out, r.Cutoff.String()+"→"+r.DecidedBy.String())
	}
	return strings.Join(out, " ")
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
