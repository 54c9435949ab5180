package domain

import "testing"

func TestCanFile(t *testing.T) {
	for _, tc := range []struct {
		kind  SubjectKind
		regNo string
		ok    bool
	}{
		{KindProspective, "", false},
		{KindHousehold, "", false},
		{KindHousehold, "45A8012345", true},
		{KindCooperative, "", true},
		{KindSME, "0312345678", true},
	} {
		err := CanFile(Subject{Kind: tc.kind, BusinessRegNo: tc.regNo})
		if (err == nil) != tc.ok || (err != nil && ErrorMsgID(err) != "dossier.needs_regno") {
			t.Errorf("CanFile(%s, %q) = %v, want ok %v", tc.kind, tc.regNo, err, tc.ok)
		}
	}
	if KindProspective.Registered("45A8012345") != KindHousehold || KindProspective.Registered("") != KindProspective ||
		KindCooperative.Registered("1") != KindCooperative {
		t.Error("Registered")
	}
}

// What producers and officers' lists call the kinds of subject.
func TestParseSubjectKind(t *testing.T) {
	for in, want := range map[string]SubjectKind{
		"HTX": KindCooperative, "Hợp tác xã nông nghiệp Bình Minh": KindCooperative, "to hop tac": KindCoopGroup,
		"Công ty TNHH Xoài Việt": KindSME, "cong ty": KindSME, "doanh nghiep": KindSME, "trang trại": KindFarm,
		"hộ sản xuất": KindHousehold, "ho kinh doanh": KindHousehold, "nong dan": KindProspective, "cá nhân": KindProspective, "tôi là nông dân": KindProspective, "em la ho kinh doanh": KindHousehold,
		"ho_chua_dkkd": KindProspective, "hiệp hội du lịch": KindTourismAssoc, "trung tâm": KindTourismCentre,
		"liên doanh": "", "": "", "xyz": "", "toi la": "",
	} {
		got, ok := ParseSubjectKind(in)
		if ok != (want != "") || got != want {
			t.Errorf("ParseSubjectKind(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
