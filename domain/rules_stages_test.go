package domain

import (
	"slices"
	"testing"
)

func TestCanMove(t *testing.T) {
	for _, tc := range []struct {
		rulebook string
		from, to Stage
		actor    Actor
		want     bool
	}{
		// The producer submits, withdraws, re-submits; nothing more.
		{"qd26-2026", StagePreparing, StageFiled, ActorProducer, true},
		{"qd26-2026", StageFiled, StagePreparing, ActorProducer, true},
		{"qd26-2026", StageReturned, StageFiled, ActorProducer, true},
		{"qd26-2026", StageIdea, StagePreparing, ActorProducer, true},
		{"qd26-2026", StagePreparing, StageRecognised, ActorProducer, false},
		{"qd26-2026", StageProvince, StageRecognised, ActorProducer, false},
		{"qd26-2026", StageFiled, StageCommuneCheck, ActorProducer, false},
		{"qd26-2026", StageCommuneCheck, StagePreparing, ActorProducer, false}, // too late to withdraw
		{"qd26-2026", StageCommuneCheck, StageProvince, ActorProducer, false},
		{"qd26-2026", StageRecognised, StageExpired, ActorProducer, false},
		// The commune checks, returns and forwards to the province.
		{"qd26-2026", StageFiled, StageCommuneCheck, ActorCommune, true},
		{"qd26-2026", StageCommuneCheck, StageProvince, ActorCommune, true},
		{"qd26-2026", StageCommuneCheck, StageReturned, ActorCommune, true},
		{"qd26-2026", StageFiled, StageReturned, ActorCommune, true},
		{"qd26-2026", StageCommuneCheck, StageRecognised, ActorCommune, false},
		{"qd26-2026", StageFiled, StageProvince, ActorCommune, false}, // the check comes first
		{"qd26-2026", StageCommuneCheck, StageDistrict, ActorCommune, false},
		// The province decides 3★/4★ or sends up; the centre decides 5★.
		{"qd26-2026", StageProvince, StageRecognised, ActorProvince, true},
		{"qd26-2026", StageProvince, StageCentral, ActorProvince, true},
		{"qd26-2026", StageProvince, StageFailed, ActorProvince, true},
		{"qd26-2026", StageProvince, StageReturned, ActorProvince, true},
		{"qd26-2026", StageCentral, StageRecognised, ActorCentral, true},
		{"qd26-2026", StageCommuneCheck, StageProvince, ActorProvince, false},
		// After recognition.
		{"qd26-2026", StageRecognised, StageReevaluation, ActorProducer, true},
		{"qd26-2026", StageRecognised, StageUpgrade, ActorProducer, true},
		{"qd26-2026", StageRecognised, StageExpired, ActorSystem, true},
		{"qd26-2026", StageRecognised, StageExpired, ActorCommune, false},
		{"qd26-2026", StageRecognised, StageRevoked, ActorProvince, true},
		{"qd26-2026", StageRecognised, StageRevoked, ActorProducer, false},
		{"qd26-2026", StageReevaluation, StageFiled, ActorProducer, true},
		{"qd26-2026", StageUpgrade, StageFiled, ActorProducer, true},
		{"qd26-2026", StageExpired, StagePreparing, ActorProducer, true},
		{"qd26-2026", StageExpired, StageRecognised, ActorSystem, false},
		// Unknown stages and actors.
		{"qd26-2026", "", StageFiled, ActorProducer, false},
		{"qd26-2026", StagePreparing, StageFiled, "", false},
		{"qd26-2026", StagePreparing, StageFiled, "farmer", false},
		{"qd26-2026", StagePreparing, StagePreparing, ActorProducer, false},
		// Under 148 a district step stood between commune and province.
		{"qd148-2023", StageCommuneCheck, StageDistrict, ActorCommune, true},
		{"qd148-2023", StageCommuneCheck, StageProvince, ActorCommune, false},
		{"qd148-2023", StageDistrict, StageProvince, ActorDistrict, true},
		{"qd148-2023", StageDistrict, StageRecognised, ActorDistrict, true},
		{"qd148-2023", StageDistrict, StageRecognised, ActorCommune, false},
		{"qd148-2023", StagePreparing, StageFiled, ActorProducer, true},
		// Minimal rulebooks allow nothing.
		{"qd148-1489-2025", StagePreparing, StageFiled, ActorProducer, false},
		{"qd1048-2019", StageRecognised, StageExpired, ActorSystem, false},
	} {
		r := rulebook(t, tc.rulebook)
		if got := r.CanMove(tc.from, tc.to, tc.actor); got != tc.want {
			t.Errorf("%s.CanMove(%s → %s by %s) = %v, want %v", tc.rulebook, tc.from, tc.to, tc.actor, got, tc.want)
		}
		if got := slices.Contains(r.Moves(tc.from, tc.actor), tc.to); got != tc.want {
			t.Errorf("%s.Moves(%s, %s) = %v; has %s: %v, want %v", tc.rulebook, tc.from, tc.actor,
				r.Moves(tc.from, tc.actor), tc.to, got, tc.want)
		}
	}
}

func TestStages(t *testing.T) {
	r26, r148 := rulebook(t, "qd26-2026"), rulebook(t, "qd148-2023")
	if r26.HasStage(StageDistrict) {
		t.Error("qd26-2026 has a district stage")
	}
	if !r148.HasStage(StageDistrict) {
		t.Error("qd148-2023 has no district stage")
	}
	// Every stage of §6 but the district one is in qd26-2026.
	for _, s := range []Stage{StageIdea, StagePreparing, StageFiled, StageCommuneCheck, StageProvince, StageCentral,
		StageRecognised, StageReturned, StageFailed, StageExpired, StageRevoked, StageReevaluation, StageUpgrade} {
		if !r26.HasStage(s) || !r148.HasStage(s) {
			t.Errorf("stage %s missing", s)
		}
	}
	if got := r26.Moves(StagePreparing, ActorProducer); !slices.Equal(got, []Stage{StageFiled}) {
		t.Errorf("producer's moves from %s: %v", StagePreparing, got)
	}
	// While the officers hold a dossier the producer cannot move it.
	for _, s := range []Stage{StageCommuneCheck, StageProvince, StageCentral} {
		if got := r26.Moves(s, ActorProducer); len(got) > 0 {
			t.Errorf("the producer may move a dossier at %s to %v", s, got)
		}
	}
}

func TestActorValid(t *testing.T) {
	for _, a := range []Actor{ActorProducer, ActorCommune, ActorDistrict, ActorProvince, ActorCentral, ActorSystem} {
		if !a.Valid() {
			t.Errorf("%s not valid", a)
		}
	}
	for _, a := range []Actor{"", "Producer", "admin"} {
		if a.Valid() {
			t.Errorf("%q valid", a)
		}
	}
}
