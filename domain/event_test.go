package domain

import "testing"

func TestEventOpenTo(t *testing.T) {
	communes := Event{Audience: Audience{Kind: AudienceCommunes, Communes: []string{"25480"}}}
	groups := Event{Audience: Audience{Kind: AudienceGroups, Sets: []int{6}}}
	stage := Event{Audience: Audience{Kind: AudienceStage, Stage: StageFiled}}
	all := Event{Audience: Audience{Kind: AudienceAll}}
	for _, tc := range []struct {
		name    string
		e       Event
		invited bool
		commune string
		sets    []int
		stages  []Stage
		want    bool
	}{
		{"their commune", communes, false, "25480", nil, nil, true},
		{"another commune", communes, false, "25645", nil, nil, false},
		{"no subject", communes, false, "", nil, nil, false},
		{"invited, moved since", communes, true, "25645", nil, nil, true},
		{"a product of the group", groups, false, "25645", []int{3, 6}, nil, true},
		{"no product of the group", groups, false, "25480", []int{3}, nil, false},
		{"a product at the stage", stage, false, "", nil, []Stage{StagePreparing, StageFiled}, true},
		{"none at the stage", stage, false, "", nil, []Stage{StagePreparing}, false},
		{"everyone", all, false, "", nil, nil, true},
	} {
		if got := tc.e.OpenTo(tc.invited, tc.commune, tc.sets, tc.stages); got != tc.want {
			t.Errorf("%s: OpenTo = %v, want %v", tc.name, got, tc.want)
		}
	}
}
