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
