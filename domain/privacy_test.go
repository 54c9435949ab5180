package domain

import (
	"testing"
	"time"
)

func TestProductMustKeep(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Product
		want bool
	}{
		{"an idea", Product{Stage: StageIdea}, false},
		{"filed, scored", Product{Stage: StageProvince, Score: 62}, false},
		{"recognised", Product{Stage: StageRecognised, Stars: 4, CertNo: "CN-1"}, true},
		{"a certificate number only (imported)", Product{CertNo: "CN-2"}, true},
		{"issued, expired since", Product{CertIssued: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}, true},
	} {
		if got := tc.p.MustKeep(); got != tc.want {
			t.Errorf("%s: MustKeep = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRetentionDue(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	old := now.Add(-InactiveRetention - time.Hour)
	recent := now.Add(-InactiveRetention + time.Hour)
	for _, tc := range []struct {
		name string
		u    User
		want bool
	}{
		{"silent, never registered", User{Role: RoleProducer, LastSeen: old}, true},
		{"wrote lately", User{Role: RoleProducer, LastSeen: recent}, false},
		{"never recorded, changed long ago", User{Role: RoleProducer, UpdatedAt: old}, true},
		{"registered", User{Role: RoleProducer, SubjectID: 7, LastSeen: old}, false},
		{"an officer", User{Role: RoleCommuneOfficer, LastSeen: old}, false},
	} {
		if got := RetentionDue(tc.u, now); got != tc.want {
			t.Errorf("%s: RetentionDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}
