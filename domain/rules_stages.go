package domain

import "slices"

// Actor is who moves a product from one stage to another.
type Actor string

const (
	ActorProducer Actor = "producer" // the subject that owns the product
	ActorCommune  Actor = "commune"  // a commune officer (UBND xã)
	ActorDistrict Actor = "district" // a district officer or council (qd148-2023 only)
	ActorProvince Actor = "province" // a province officer or council
	ActorCentral  Actor = "central"  // the central level (the Ministry)
	ActorSystem   Actor = "system"   // the bot itself, on a date (expiry)
)

// Valid reports whether a is one of the actors above.
func (a Actor) Valid() bool {
	switch a {
	case ActorProducer, ActorCommune, ActorDistrict, ActorProvince, ActorCentral, ActorSystem:
		return true
	}
	return false
}

// authority reports whether a is a level of government that can certify.
func (a Actor) authority() bool {
	return a == ActorDistrict || a == ActorProvince || a == ActorCentral
}

// Transition is a move between two stages and who may make it.
type Transition struct {
	From Stage   `json:"from"`
	To   Stage   `json:"to"`
	By   []Actor `json:"by"`
}

// CanMove reports whether actor may move a product from one stage to
// another under this rulebook.
func (r *Rulebook) CanMove(from, to Stage, actor Actor) bool {
	for _, t := range r.Transitions {
		if t.From == from && t.To == to {
			return slices.Contains(t.By, actor)
		}
	}
	return false
}

// Moves returns the stages actor may move a product to from a stage, in the
// order of the rulebook.
func (r *Rulebook) Moves(from Stage, actor Actor) []Stage {
	var out []Stage
	for _, t := range r.Transitions {
		if t.From == from && slices.Contains(t.By, actor) {
			out = append(out, t.To)
		}
	}
	return out
}

// HasStage reports whether the rulebook has a stage: StageDistrict exists
// under qd148-2023 only.
func (r *Rulebook) HasStage(s Stage) bool { return slices.Contains(r.Stages, s) }

// stageKnown reports whether s is one of the stages the code knows.
func stageKnown(s Stage) bool {
	switch s {
	case StageIdea, StagePreparing, StageFiled, StageCommuneCheck, StageDistrict, StageProvince,
		StageCentral, StageRecognised, StageReturned, StageFailed, StageExpired, StageRevoked,
		StageReevaluation, StageUpgrade:
		return true
	}
	return false
}
