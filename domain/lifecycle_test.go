package domain

import (
	"testing"
	"time"
)

func lifecycleBooks(t *testing.T) *Rulebooks {
	t.Helper()
	rs, err := DefaultRulebooks()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestApplyTransitions: every decision of the rulebook, who may take it and
// the stage it leads to.
func TestApplyTransitions(t *testing.T) {
	rs := lifecycleBooks(t)
	loc := hcm(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, loc)
	issued := time.Date(2025, 3, 1, 0, 0, 0, 0, loc)
	cert := func(p Product) Product {
		p.Stars, p.Score, p.CertNo, p.CertIssued = 4, 75, "12/QĐ-UBND", issued
		p.CertExpires = time.Date(2028, 3, 1, 0, 0, 0, 0, loc)
		p.ValidUntil = p.CertExpires
		return p
	}
	base := Product{ID: 1, Rulebook: "qd26-2026", Set: 6}
	at := func(s Stage) Product { q := base; q.Stage = s; return q }
	certified := func(s Stage) Product { q := cert(base); q.Stage = s; return q }
	past := certified(StageRecognised)
	past.ValidUntil = time.Date(2026, 12, 6, 0, 0, 0, 0, loc)
	past.CertExpires = past.ValidUntil
	upgrading := certified(StageProvince)
	upgrading.Purpose = PurposeUpgrade
	reevaluating := certified(StageProvince)
	reevaluating.Purpose = PurposeReeval
	revoke := Revocation{Ground: GroundViolation, DecisionNo: "45/QĐ-UBND", Date: now.AddDate(0, 0, -2)}
	filed := func(p Product) Product { p.SubmittedAt = now.AddDate(0, 0, -30).Add(3 * time.Hour); return p }
	// A re-evaluation filed in time: withdrawn while its window is open,
	// not after it (it could not be filed again).
	reevalFiled := func(expires time.Time) Product {
		q := certified(StageFiled)
		q.Purpose, q.CertExpires = PurposeReeval, expires
		q.ValidUntil = expires.AddDate(0, 0, 180)
		return filed(q)
	}
	fiveStars := certified(StageRecognised)
	fiveStars.Stars, fiveStars.Score = 5, 93
	cer := Action{Kind: ActScore, Score: 75, Stars: 4, CertNo: "99/QĐ-UBND", Issued: now}

	for _, tc := range []struct {
		name  string
		p     Product
		act   Action
		actor Actor
		to    Stage // "" when refused
		msg   string
	}{
		{"prepare an idea", at(StageIdea), Action{Kind: ActPrepare}, ActorProducer, StagePreparing, ""},
		{"submit", at(StagePreparing), Action{Kind: ActSubmit}, ActorProducer, StageFiled, ""},
		{"submit from an idea is no move", at(StageIdea), Action{Kind: ActSubmit}, ActorProducer, "", MsgNotNow},
		{"submit again after a return", at(StageReturned), Action{Kind: ActSubmit}, ActorProducer, StageFiled, ""},
		{"commune files on paper", at(StagePreparing), Action{Kind: ActSubmit}, ActorCommune, StageFiled, ""},
		{"withdraw", at(StageFiled), Action{Kind: ActWithdraw}, ActorProducer, StagePreparing, ""},
		{"too late to withdraw", at(StageCommuneCheck), Action{Kind: ActWithdraw}, ActorProducer, "", MsgNotNow},
		{"withdraw a re-evaluation in its window", reevalFiled(time.Date(2027, 6, 1, 0, 0, 0, 0, loc)), Action{Kind: ActWithdraw}, ActorProducer, StagePreparing, ""},
		{"withdraw a re-evaluation after its window", reevalFiled(time.Date(2027, 3, 1, 0, 0, 0, 0, loc)), Action{Kind: ActWithdraw}, ActorProducer, "", MsgWithdrawTooLate},
		{"commune starts the check", at(StageFiled), Action{Kind: ActForward, To: StageCommuneCheck}, ActorCommune, StageCommuneCheck, ""},
		{"commune forwards", at(StageCommuneCheck), Action{Kind: ActForward, To: StageProvince}, ActorCommune, StageProvince, ""},
		{"producer cannot forward", at(StageCommuneCheck), Action{Kind: ActForward, To: StageProvince}, ActorProducer, "", MsgNotNow},
		{"no district under 26/2026", at(StageCommuneCheck), Action{Kind: ActForward, To: StageDistrict}, ActorCommune, "", MsgNotNow},
		{"forward nowhere", at(StageCommuneCheck), Action{Kind: ActForward, To: StageRecognised}, ActorCommune, "", MsgNotNow},
		{"commune returns", at(StageFiled), Action{Kind: ActReturn, Reason: "Thiếu chữ ký"}, ActorCommune, StageReturned, ""},
		{"province returns", at(StageProvince), Action{Kind: ActReturn, Reason: "Thiếu mẫu"}, ActorProvince, StageReturned, ""},
		{"a return needs a reason", at(StageFiled), Action{Kind: ActReturn}, ActorCommune, "", MsgReasonNeeded},
		{"commune knocks out", at(StageCommuneCheck), Action{Kind: ActFail, Reason: "Không có giấy ATTP"}, ActorCommune, StageFailed, ""},
		{"province knocks out", at(StageProvince), Action{Kind: ActFail, Reason: "Hồ sơ giả"}, ActorProvince, StageFailed, ""},
		{"an upgrade knocked out keeps its certificate", upgrading, Action{Kind: ActFail, Reason: "Chưa đạt"}, ActorProvince, StageRecognised, ""},
		{"score 92 goes to the central level", at(StageProvince), Action{Kind: ActScore, Score: 92}, ActorProvince, StageCentral, ""},
		{"score 89.99 is the province's", at(StageProvince), Action{Kind: ActScore, Score: 89.99, Stars: 4, CertNo: "1/QĐ", Issued: now}, ActorProvince, StageRecognised, ""},
		{"3★ recognised", at(StageProvince), Action{Kind: ActScore, Score: 55, Stars: 3, CertNo: "1/QĐ", Issued: now}, ActorProvince, StageRecognised, ""},
		{"2★ not recognised", at(StageProvince), Action{Kind: ActScore, Score: 45, Stars: 2}, ActorProvince, StageFailed, ""},
		{"upgrade not granted", upgrading, Action{Kind: ActScore, Score: 45, Stars: 2}, ActorProvince, StageRecognised, ""},
		{"upgrade to the same stars not granted", upgrading, Action{Kind: ActScore, Score: 75, Stars: 4, CertNo: "2/QĐ", Issued: now}, ActorProvince, StageRecognised, ""},
		{"re-evaluation not recognised", reevaluating, Action{Kind: ActScore, Score: 45, Stars: 2}, ActorProvince, StageFailed, ""},
		{"stars above the band", at(StageProvince), Action{Kind: ActScore, Score: 55, Stars: 4, CertNo: "1/QĐ", Issued: now}, ActorProvince, "", MsgStarsAboveBand},
		{"certificate needs its number", at(StageProvince), Action{Kind: ActScore, Score: 75, Stars: 4, Issued: now}, ActorProvince, "", MsgNeedCertificate},
		{"commune cannot score", at(StageProvince), cer, ActorCommune, "", MsgNotNow},
		{"central decides 5★", func() Product { q := at(StageCentral); q.Score = 92; return q }(), Action{Kind: ActCentral, Stars: 5, CertNo: "5/QĐ-BNNMT", Issued: now}, ActorCentral, StageRecognised, ""},
		{"central decides 4★", func() Product { q := at(StageCentral); q.Score = 92; return q }(), Action{Kind: ActCentral, Stars: 4, CertNo: "5/QĐ-BNNMT", Issued: now}, ActorProvince, StageRecognised, ""},
		{"expire after the last day", past, Action{Kind: ActExpire}, ActorSystem, StageExpired, ""},
		{"not on the last day", certified(StageRecognised), Action{Kind: ActExpire}, ActorSystem, "", MsgNotExpired},
		{"only the system expires", past, Action{Kind: ActExpire}, ActorProvince, "", MsgNotNow},
		{"expire during an upgrade", func() Product { q := past; q.Stage = StageUpgrade; return q }(), Action{Kind: ActExpire}, ActorSystem, StageExpired, ""},
		{"upgrade any time", certified(StageRecognised), Action{Kind: ActUpgrade}, ActorProducer, StageUpgrade, ""},
		{"no upgrade above 5★", fiveStars, Action{Kind: ActUpgrade}, ActorProducer, "", MsgTopStars},
		{"no certificate dated before the filing", filed(certified(StageProvince)), Action{Kind: ActScore, Score: 75, Stars: 4, CertNo: "7/QĐ", Issued: now.AddDate(0, 0, -40)}, ActorProvince, "", MsgIssuedBeforeFiling},
		{"a certificate dated on the filing day", filed(certified(StageProvince)), Action{Kind: ActScore, Score: 75, Stars: 4, CertNo: "7/QĐ", Issued: now.AddDate(0, 0, -30)}, ActorProvince, StageRecognised, ""},
		{"no upgrade before recognition", at(StagePreparing), Action{Kind: ActUpgrade}, ActorProducer, "", MsgNotNow},
		{"re-evaluation outside its window", certified(StageRecognised), Action{Kind: ActReevaluate}, ActorProducer, "", MsgWindowNotOpen},
		{"cancel an upgrade", certified(StageUpgrade), Action{Kind: ActCancel}, ActorProducer, StageRecognised, ""},
		{"submit the upgrade", certified(StageUpgrade), Action{Kind: ActSubmit}, ActorProducer, StageFiled, ""},
		{"revoke", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: revoke}, ActorProvince, StageRevoked, ""},
		{"revoke during a re-evaluation", certified(StageReevaluation), Action{Kind: ActRevoke, Revocation: revoke}, ActorProvince, StageRevoked, ""},
		{"commune cannot revoke", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: revoke}, ActorCommune, "", MsgNotNow},
		{"revoke on no ground", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: Revocation{Ground: "dislike", DecisionNo: "1/QĐ", Date: now}}, ActorProvince, "", MsgBadGround},
		{"revoke without a number", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundStopped, Date: now}}, ActorProvince, "", MsgBadDecision},
		{"revoke dated before the certificate", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundStopped, DecisionNo: "1/QĐ", Date: issued.AddDate(0, 0, -1)}}, ActorProvince, "", MsgBadDecision},
		{"revoke dated tomorrow", certified(StageRecognised), Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundStopped, DecisionNo: "1/QĐ", Date: now.AddDate(0, 0, 1)}}, ActorProvince, "", MsgBadDecision},
		{"a new dossier after expiry", certified(StageExpired), Action{Kind: ActPrepare}, ActorProducer, StagePreparing, ""},
		{"a new dossier after revocation", certified(StageRevoked), Action{Kind: ActPrepare}, ActorProducer, StagePreparing, ""},
		{"a new dossier after failure", at(StageFailed), Action{Kind: ActPrepare}, ActorProducer, StagePreparing, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, ch, err := rs.Apply(tc.p, tc.act, tc.actor, now, "")
			if tc.to == "" {
				if err == nil || ErrorMsgID(err) != tc.msg || ErrorKind(err) != KindInvalid {
					t.Fatalf("want refusal %s, got %s, %v", tc.msg, q.Stage, err)
				}
				if q.Stage != tc.p.Stage {
					t.Fatalf("a refusal changed the product: %s", q.Stage)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if q.Stage != tc.to || ch.From != tc.p.Stage || ch.To != tc.to || !ch.At.Equal(now) || ch.ProductID != 1 {
				t.Fatalf("moved to %s (%+v), want %s", q.Stage, ch, tc.to)
			}
			if ch.Stars != q.Stars || !ch.ValidUntil.Equal(q.ValidUntil) {
				t.Fatalf("the change does not carry the product's stars and validity: %+v vs %+v", ch, q)
			}
		})
	}
}

// TestApplyResults: what each decision writes on the product.
func TestApplyResults(t *testing.T) {
	rs := lifecycleBooks(t)
	loc := hcm(t)
	now := time.Date(2026, 12, 7, 1, 30, 0, 0, loc)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }

	// A certificate issued 29/2/2024 (recorded in UTC, as storage reads it
	// back) is valid to 28/2/2027.
	p := Product{ID: 7, Rulebook: "qd26-2026", Stage: StageProvince, Score: 0}
	q, _, err := rs.Apply(p, Action{Kind: ActScore, Score: 72.5, Stars: 4, CertNo: " 7/QĐ-UBND ", Issued: day(2024, 2, 29).UTC()}, ActorProvince, now, "")
	if err != nil {
		t.Fatal(err)
	}
	if !q.CertIssued.Equal(day(2024, 2, 29)) || !q.CertExpires.Equal(day(2027, 2, 28)) || !q.ValidUntil.Equal(q.CertExpires) ||
		q.CertNo != "7/QĐ-UBND" || q.Stars != 4 || q.Score != 72.5 || q.CertRules != "qd148-2023" {
		t.Fatalf("certified: %+v", q)
	}

	// Re-evaluation: its window is 180–120 days before expiry.
	rec := q
	rec.Stage = StageRecognised
	for _, tc := range []struct {
		now time.Time
		msg string
	}{
		{day(2026, 8, 31), MsgWindowNotOpen},
		{day(2026, 9, 1), ""},
		{day(2026, 10, 31).Add(23 * time.Hour), ""},
		{day(2026, 11, 1), MsgWindowClosed},
	} {
		q, _, err := rs.Apply(rec, Action{Kind: ActReevaluate}, ActorProducer, tc.now, "")
		if ErrorMsgID(err) != tc.msg || (tc.msg == "" && (q.Stage != StageReevaluation || q.Purpose != PurposeReeval)) {
			t.Errorf("re-evaluate on %s: %v, %s", tc.now.Format(time.DateOnly), err, q.Stage)
		}
		if tc.msg == MsgWindowNotOpen {
			if d := err.(*Error).Data; d["Opens"] != "01/09/2026" || d["Closes"] != "31/10/2026" {
				t.Errorf("the refusal does not say when the window opens: %v", d)
			}
		}
	}
	// Filed in time, it stays valid up to 180 days past expiry.
	re, _, err := rs.Apply(rec, Action{Kind: ActReevaluate}, ActorProducer, day(2026, 10, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	filed, _, err := rs.Apply(re, Action{Kind: ActSubmit}, ActorProducer, day(2026, 10, 20), "")
	if err != nil {
		t.Fatal(err)
	}
	if !filed.ValidUntil.Equal(day(2027, 8, 27)) || !filed.SubmittedAt.Equal(day(2026, 10, 20)) {
		t.Fatalf("filed re-evaluation valid until %v", filed.ValidUntil)
	}
	if !ValidOn(filed, day(2027, 8, 27).Add(23*time.Hour)) || ValidOn(filed, day(2027, 8, 28)) {
		t.Error("the transition rule: valid through 180 days past expiry, no longer")
	}
	if _, _, err := rs.Apply(re, Action{Kind: ActSubmit}, ActorProducer, day(2026, 11, 2), ""); ErrorMsgID(err) != MsgWindowClosed {
		t.Errorf("a re-evaluation filed after the window: %v", err)
	}
	// Returned to be completed, it is filed again after the window: it was
	// filed in time.
	returned := filed
	returned.Stage = StageReturned
	if again, _, err := rs.Apply(returned, Action{Kind: ActSubmit}, ActorProducer, day(2026, 11, 20), ""); err != nil || again.Stage != StageFiled ||
		!again.ValidUntil.Equal(day(2027, 8, 27)) {
		t.Fatalf("a returned re-evaluation filed again: %+v, %v", again, err)
	}
	// Not recognised: the certificate ends at its own expiry.
	filed.Stage = StageProvince
	failed, _, err := rs.Apply(filed, Action{Kind: ActScore, Score: 40, Stars: 2}, ActorProvince, day(2026, 12, 1), "")
	if err != nil || failed.Stage != StageFailed || !failed.ValidUntil.Equal(day(2027, 2, 28)) || failed.Stars != 4 || failed.Purpose != PurposeFirst {
		t.Fatalf("re-evaluation not recognised: %+v, %v", failed, err)
	}
	// Recognised again: a new certificate and 36 months.
	again, _, err := rs.Apply(filed, Action{Kind: ActScore, Score: 80, Stars: 4, CertNo: "88/QĐ-UBND", Issued: day(2026, 12, 1)}, ActorProvince, day(2026, 12, 1), "")
	if err != nil || !again.CertExpires.Equal(day(2029, 12, 1)) || !again.ValidUntil.Equal(again.CertExpires) || again.CertRules != "qd26-2026" {
		t.Fatalf("re-evaluation recognised: %+v, %v", again, err)
	}

	// An upgrade: granted with more stars (a new certificate), not granted
	// with the same (the certificate stays).
	up := rec
	up.Stage, up.Purpose = StageProvince, PurposeUpgrade
	same, _, err := rs.Apply(up, Action{Kind: ActScore, Score: 78, Stars: 4, CertNo: "9/QĐ", Issued: day(2026, 12, 1)}, ActorProvince, now, "")
	if err != nil || same.Stage != StageRecognised || same.CertNo != rec.CertNo || !same.ValidUntil.Equal(rec.ValidUntil) || same.Purpose != PurposeFirst {
		t.Fatalf("upgrade not granted: %+v, %v", same, err)
	}
	up.Stars = 3
	higher, _, err := rs.Apply(up, Action{Kind: ActScore, Score: 78, Stars: 4, CertNo: "9/QĐ", Issued: day(2026, 12, 1)}, ActorProvince, now, "")
	if err != nil || higher.Stars != 4 || higher.CertNo != "9/QĐ" || !higher.CertExpires.Equal(day(2029, 12, 1)) {
		t.Fatalf("upgrade granted: %+v, %v", higher, err)
	}

	// Revocation of a 5★ product is the Minister's decision.
	five := rec
	five.Stars = 5
	rv, ch, err := rs.Apply(five, Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundMisuse, DecisionNo: "3/QĐ-BNNMT", Date: day(2026, 12, 1).UTC()}}, ActorCentral, now, "")
	if err != nil || rv.Revocation.Level != ActorCentral || rv.Revocation.Ground != GroundMisuse || !rv.Revocation.Date.Equal(day(2026, 12, 1)) || ch.Reason != "misuse" {
		t.Fatalf("5★ revocation: %+v %+v, %v", rv.Revocation, ch, err)
	}
	if ValidOn(rv, now) {
		t.Error("a revoked product is not valid")
	}
	rv, _, _ = rs.Apply(rec, Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundStopped, DecisionNo: "3/QĐ-UBND", Date: now}}, ActorProvince, now, "")
	if rv.Revocation.Level != ActorProvince {
		t.Errorf("4★ revocation level %s", rv.Revocation.Level)
	}

	// A new dossier after expiry takes the rules of today.
	old := rec
	old.Stage, old.Rulebook = StageExpired, "qd148-2023"
	nd, _, err := rs.Apply(old, Action{Kind: ActPrepare}, ActorProducer, now, "")
	if err != nil || nd.Rulebook != "qd26-2026" || nd.ReceiptNo != "" {
		t.Fatalf("new dossier: %+v, %v", nd, err)
	}
}

// TestValidThroughLastDay: a certificate counts as valid through its whole
// last day in the province's time zone and leaves the next midnight.
func TestValidThroughLastDay(t *testing.T) {
	loc := hcm(t)
	last := time.Date(2026, 12, 6, 0, 0, 0, 0, loc)
	p := Product{Stage: StageRecognised, Stars: 3, ValidUntil: last.UTC(), CertExpires: last.UTC()}
	for _, tc := range []struct {
		at    time.Time
		valid bool
	}{
		{time.Date(2026, 12, 6, 0, 0, 0, 0, loc), true},
		{time.Date(2026, 12, 6, 23, 59, 59, 0, loc), true},
		{time.Date(2026, 12, 7, 0, 0, 0, 0, loc), false},
		{time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC).In(loc), false}, // 00:30 on 7/12 in Tây Ninh
	} {
		if got := ValidOn(p, tc.at); got != tc.valid {
			t.Errorf("ValidOn(%v) = %v", tc.at, got)
		}
		if got := ExpiryDue(p, tc.at); got == tc.valid {
			t.Errorf("ExpiryDue(%v) = %v", tc.at, got)
		}
	}
	for _, s := range []Stage{StageExpired, StageRevoked} {
		q := p
		q.Stage = s
		if ValidOn(q, last) || ExpiryDue(q, last.AddDate(0, 0, 1)) {
			t.Errorf("%s counts as valid or expires again", s)
		}
	}
	if q := (Product{Stage: StageRecognised, Stars: 2, ValidUntil: last}); ValidOn(q, last) {
		t.Error("2★ is not a recognised level")
	}
}

// TestInitialHistory: an imported product's history starts on the day of
// issue, and an expired one's shows the expiry the day after its last day.
func TestInitialHistory(t *testing.T) {
	loc := hcm(t)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, loc)
	issued := time.Date(2022, 5, 10, 0, 0, 0, 0, loc)
	p := Product{ID: 3, Stage: StageExpired, Stars: 3, CertIssued: issued, ValidUntil: time.Date(2025, 5, 10, 0, 0, 0, 0, loc)}
	h := InitialHistory(p, now)
	if len(h) != 2 || h[0].To != StageRecognised || !h[0].At.Equal(issued) ||
		h[1].To != StageExpired || !h[1].At.Equal(time.Date(2025, 5, 11, 0, 0, 0, 0, loc)) || h[1].Stars != 3 {
		t.Fatalf("history of an imported expired product: %+v", h)
	}
	p.Stage = StageRecognised
	if h := InitialHistory(p, now); len(h) != 1 || h[0].To != StageRecognised || !h[0].At.Equal(issued) {
		t.Fatalf("history of an imported recognised product: %+v", h)
	}
	if h := InitialHistory(Product{ID: 4, Stage: StageIdea}, now); len(h) != 1 || !h[0].At.Equal(now) || h[0].To != StageIdea {
		t.Fatalf("history of a new product: %+v", h)
	}
}

// TestDateRules: the day swaps of the holidays list, "trước ngày", and the
// commune check counted from the filing day in the province.
func TestDateRules(t *testing.T) {
	loc := hcm(t)
	cal := defaultCalendar(t)
	for d, working := range map[string]bool{
		"2026-01-01": false, "2026-01-02": false, // Tết Dương lịch and the swapped Friday
		"2026-01-10": true,  // the Saturday worked in exchange
		"2026-01-17": false, // an ordinary Saturday
		"2026-01-05": true,
	} {
		if got := cal.IsWorkingDay(day(t, loc, d)); got != working {
			t.Errorf("IsWorkingDay(%s) = %v", d, got)
		}
	}
	if got := LastDayBefore(day(t, loc, "2026-04-30")); !got.Equal(day(t, loc, "2026-04-29")) {
		t.Errorf("trước ngày 30/4: %v", got)
	}
	r := rulebook(t, "qd26-2026")
	// Filed at 06:30 on 5/1/2026 in Tây Ninh, stored and read back in UTC
	// (23:30 on 4/1): the check is counted from 5/1.
	filed := time.Date(2026, 1, 5, 6, 30, 0, 0, loc).UTC()
	want := cal.AddWorkingDays(day(t, loc, "2026-01-05"), 15)
	if got := r.CommuneCheckBy(cal, filed, loc); !got.Equal(want) || got.Location() != loc {
		t.Errorf("CommuneCheckBy = %v, want %v", got, want)
	}
	if !want.Equal(day(t, loc, "2026-01-23")) {
		t.Errorf("15 working days from 5/1/2026 end %v, want 23/1 (Saturday 10/1 worked)", want)
	}
}

func TestImported(t *testing.T) {
	for _, tc := range []struct {
		p    Product
		want bool
	}{
		{Product{Stage: StageRecognised, CertNo: "1/QĐ"}, true},
		{Product{Stage: StageExpired, CertNo: "1/QĐ"}, true},
		{Product{Stage: StageRecognised, CertNo: "1/QĐ", ReceiptNo: "3/PĐK-80-25480-2026"}, false},
		{Product{Stage: StageReevaluation, CertNo: "1/QĐ"}, false},
		{Product{Stage: StageRecognised}, false},
	} {
		if got := Imported(tc.p); got != tc.want {
			t.Errorf("Imported(%+v) = %v", tc.p, got)
		}
	}
}

func TestDetailsAsked(t *testing.T) {
	for _, tc := range []struct {
		p    Product
		want bool
	}{
		{Product{Stage: StagePreparing}, true},
		{Product{Stage: StageRecognised, CertNo: "1/QĐ"}, false}, // imported: not known
		{Product{Stage: StageRecognised, CertNo: "1/QĐ", RawArea: true}, true},
		{Product{Stage: StageRecognised, CertNo: "1/QĐ", ReceiptNo: "3/PĐK-80-25480-2026"}, true},
		{Product{Stage: StageReevaluation, CertNo: "1/QĐ"}, true},
	} {
		if got := DetailsAsked(tc.p); got != tc.want {
			t.Errorf("DetailsAsked(%+v) = %v", tc.p, got)
		}
	}
}

func TestDeletable(t *testing.T) {
	for _, tc := range []struct {
		p    Product
		want bool
	}{
		{Product{Stage: StageIdea}, true},
		{Product{Stage: StagePreparing}, true},
		{Product{Stage: StageReevaluation, CertNo: "1/QĐ"}, false},
		{Product{Stage: StagePreparing, CertNo: "1/QĐ"}, false}, // a new dossier after expiry
		{Product{Stage: StageReturned, ReceiptNo: "1/PĐK"}, false},
		{Product{Stage: StageRecognised, CertNo: "1/QĐ"}, false},
	} {
		if got := Deletable(tc.p); got != tc.want {
			t.Errorf("Deletable(%+v) = %v", tc.p, got)
		}
	}
}

// TestApplyEveryTransition: every transition of the rulebooks that Apply
// judges (26/2026's all; 148's dossier moves) is taken by the actors it
// names and refused to every other actor.
func TestApplyEveryTransition(t *testing.T) {
	rs := lifecycleBooks(t)
	loc := hcm(t)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, loc)
	actors := []Actor{ActorProducer, ActorCommune, ActorDistrict, ActorProvince, ActorCentral, ActorSystem}
	afterCert := map[Stage]bool{StageRecognised: true, StageReevaluation: true, StageUpgrade: true, StageExpired: true, StageRevoked: true}
	tested := 0
	defer func() {
		if tested < 45 {
			t.Errorf("only %d transitions tested", tested)
		}
	}()
	for _, id := range []string{"qd26-2026", "qd148-2023"} {
		r, _ := rs.Get(id)
		for _, tr := range r.Transitions {
			if id != "qd26-2026" && afterCert[tr.From] {
				continue // judged by the rules in force
			}
			p := Product{ID: 1, Rulebook: id, Stage: tr.From, Set: 6}
			if afterCert[tr.From] || tr.From == StageCentral {
				// A 4★ certificate expiring in 150 days: inside its
				// re-evaluation window.
				p.Stars, p.Score, p.CertNo, p.CertIssued = 4, 75, "1/QĐ", now.AddDate(-3, 0, 150)
				p.CertExpires = time.Date(2027, 5, 6, 0, 0, 0, 0, loc)
				p.ValidUntil = p.CertExpires
			}
			if tr.From == StageReevaluation {
				p.Purpose = PurposeReeval
			}
			var act Action
			switch {
			case tr.To == StageReturned:
				act = Action{Kind: ActReturn, Reason: "Thiếu giấy"}
			case tr.To == StageFailed:
				act = Action{Kind: ActFail, Reason: "Bị loại"}
			case tr.To == StagePreparing && tr.From == StageFiled:
				act = Action{Kind: ActWithdraw}
			case tr.To == StagePreparing:
				act = Action{Kind: ActPrepare}
			case tr.To == StageFiled:
				act = Action{Kind: ActSubmit}
			case tr.To == StageCommuneCheck || tr.To == StageDistrict || tr.To == StageProvince:
				act = Action{Kind: ActForward, To: tr.To}
			case tr.To == StageCentral:
				act = Action{Kind: ActScore, Score: 92}
			case tr.To == StageRecognised && tr.From == StageCentral:
				p.Score = 92
				act = Action{Kind: ActCentral, Stars: 5, CertNo: "5/QĐ", Issued: now}
			case tr.To == StageRecognised && (tr.From == StageReevaluation || tr.From == StageUpgrade):
				act = Action{Kind: ActCancel}
			case tr.To == StageRecognised:
				act = Action{Kind: ActScore, Score: 55, Stars: 3, CertNo: "3/QĐ", Issued: now}
			case tr.To == StageExpired:
				p.ValidUntil = now.AddDate(0, 0, -1)
				act = Action{Kind: ActExpire}
			case tr.To == StageReevaluation:
				act = Action{Kind: ActReevaluate}
			case tr.To == StageUpgrade:
				act = Action{Kind: ActUpgrade}
			case tr.To == StageRevoked:
				act = Action{Kind: ActRevoke, Revocation: Revocation{Ground: GroundStopped, DecisionNo: "7/QĐ", Date: now}}
			default:
				t.Errorf("%s: no action for %s → %s", id, tr.From, tr.To)
				continue
			}
			tested++
			for _, a := range actors {
				q, _, err := rs.Apply(p, act, a, now, "")
				allowed := false
				for _, b := range tr.By {
					allowed = allowed || a == b
				}
				switch {
				case allowed && (err != nil || q.Stage != tr.To):
					t.Errorf("%s: %s → %s by %s (%s): %v, %s", id, tr.From, tr.To, a, act, err, q.Stage)
				case !allowed && err == nil:
					t.Errorf("%s: %s → %s by %s (%s) was taken; the rulebook allows only %v", id, tr.From, tr.To, a, act, tr.By)
				}
			}
		}
	}
}

func TestGraceEnded(t *testing.T) {
	loc := hcm(t)
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, loc) }
	// Expired 1/3/2027, re-evaluation filed in time: valid to 28/8/2027.
	filed := Product{Stage: StageCommuneCheck, Purpose: PurposeReeval, Stars: 4, CertNo: "7/QĐ-UBND",
		CertExpires: d(2027, 3, 1), ValidUntil: d(2027, 8, 28)}
	with := func(f func(p *Product)) Product { p := filed; f(&p); return p }
	for _, c := range []struct {
		name string
		p    Product
		day  time.Time
		want bool
	}{
		{"the last day of the grace", filed, d(2027, 8, 28).Add(23 * time.Hour), false},
		{"the day after", filed, d(2027, 8, 29), true},
		{"long after", filed, d(2028, 1, 1), true},
		{"filed, at the commune", with(func(p *Product) { p.Stage = StageFiled }), d(2027, 9, 1), true},
		{"returned to be completed", with(func(p *Product) { p.Stage = StageReturned }), d(2027, 9, 1), true},
		{"at the province", with(func(p *Product) { p.Stage = StageProvince }), d(2027, 9, 1), true},
		{"at the central level", with(func(p *Product) { p.Stage = StageCentral }), d(2027, 9, 1), true},
		{"decided: recognised again", with(func(p *Product) { p.Stage = StageRecognised }), d(2027, 9, 1), false},
		{"decided: not passed", with(func(p *Product) { p.Stage = StageFailed }), d(2027, 9, 1), false},
		{"expired (the expiry job's)", with(func(p *Product) { p.Stage = StageExpired }), d(2027, 9, 1), false},
		{"still being prepared (ExpiryDue's)", with(func(p *Product) { p.Stage = StageReevaluation }), d(2027, 9, 1), false},
		{"a first evaluation", with(func(p *Product) { p.Purpose = PurposeFirst }), d(2027, 9, 1), false},
		{"an upgrade", with(func(p *Product) { p.Purpose = PurposeUpgrade }), d(2027, 9, 1), false},
		{"not extended (withdrawn)", with(func(p *Product) { p.ValidUntil = p.CertExpires }), d(2027, 9, 1), false},
		{"no certificate", with(func(p *Product) { p.CertNo = "" }), d(2027, 9, 1), false},
		{"no last day", with(func(p *Product) { p.ValidUntil = time.Time{} }), d(2027, 9, 1), false},
		// 17:30 UTC on 28/8 is 00:30 on 29/8 in Tây Ninh: the day is the
		// province's (callers pass their clock in its zone).
		{"just after midnight in the province", filed, time.Date(2027, 8, 28, 17, 30, 0, 0, time.UTC).In(loc), true},
		{"just before midnight in the province", filed, time.Date(2027, 8, 28, 16, 30, 0, 0, time.UTC).In(loc), false},
	} {
		if got := GraceEnded(c.p, c.day); got != c.want {
			t.Errorf("%s: GraceEnded = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBeforeIssue(t *testing.T) {
	hcm := time.FixedZone("ICT", 7*3600)
	issued := time.Date(2024, 1, 15, 0, 0, 0, 0, hcm)
	p := Product{CertNo: "123/QĐ-UBND", CertIssued: issued}
	for _, tc := range []struct {
		name string
		p    Product
		day  time.Time
		want bool
	}{
		{"years before", p, time.Date(2020, 1, 1, 0, 0, 0, 0, hcm), true},
		{"the day before", p, time.Date(2024, 1, 14, 23, 59, 0, 0, hcm), true},
		{"the issue day itself", p, time.Date(2024, 1, 15, 0, 0, 0, 0, hcm), false},
		{"after", p, time.Date(2026, 12, 7, 0, 0, 0, 0, hcm), false},
		// The day is the province's: the issue stored in UTC (14/01 17:00)
		// is 15/01 in Tây Ninh, so 14/01 23:00 there is before it and
		// 15/01 00:30 is not.
		{"the day before, issue stored in UTC", Product{CertIssued: issued.UTC()}, time.Date(2024, 1, 14, 23, 0, 0, 0, hcm), true},
		{"the issue day, issue stored in UTC", Product{CertIssued: issued.UTC()}, time.Date(2024, 1, 15, 0, 30, 0, 0, hcm), false},
		{"no issue date", Product{}, time.Date(2020, 1, 1, 0, 0, 0, 0, hcm), false},
	} {
		if got := BeforeIssue(tc.p, tc.day); got != tc.want {
			t.Errorf("%s: BeforeIssue = %v, want %v", tc.name, got, tc.want)
		}
	}
}
