package domain

import "testing"

func TestOwnDossier(t *testing.T) {
	p := Product{ID: 9, SubjectID: 5}
	for _, tc := range []struct {
		name string
		u    User
		want bool
	}{
		{"a commune officer linked to the subject", User{Role: RoleCommuneOfficer, SubjectID: 5, Communes: []string{"25480"}}, true},
		{"an admin linked to it", User{Role: RoleAdmin, SubjectID: 5}, true},
		{"an officer of another subject", User{Role: RoleCommuneOfficer, SubjectID: 6}, false},
		{"an officer without a subject", User{Role: RoleProvinceOfficer}, false},
	} {
		if got := OwnDossier(tc.u, p); got != tc.want {
			t.Errorf("%s: OwnDossier = %v, want %v", tc.name, got, tc.want)
		}
	}
	if OwnDossier(User{Role: RoleAdmin}, Product{}) {
		t.Error("no subject on either side is not one's own")
	}
}
