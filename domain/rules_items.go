package domain

import "slices"

// ItemKind says what a dossier item is to the evaluation.
type ItemKind string

const (
	// ItemMandatory items are needed from every product: Mẫu 01, Mẫu 02 and
	// the samples (except tourism).
	ItemMandatory ItemKind = "mandatory"
	// ItemKnockout items are papers whose absence knocks the dossier out for
	// the product sets that need them (the food-safety certificate for food).
	ItemKnockout ItemKind = "knockout"
	// ItemEvidence items are attached to Mẫu 02 to earn points; they are
	// optional.
	ItemEvidence ItemKind = "evidence"
)

// Valid reports whether k is one of the kinds above.
func (k ItemKind) Valid() bool { return k.order() >= 0 }

// Required reports whether items of this kind must be sent (or handed in)
// before the dossier can be submitted: mandatory and knock-out items.
func (k ItemKind) Required() bool { return k == ItemMandatory || k == ItemKnockout }

// order is the place of the kind in a checklist, -1 for an unknown kind.
func (k ItemKind) order() int {
	switch k {
	case ItemMandatory:
		return 0
	case ItemKnockout:
		return 1
	case ItemEvidence:
		return 2
	}
	return -1
}

// SetFilter says which product sets an item applies to: all of them, only
// some, or all but some. Exactly one of its fields is set.
type SetFilter struct {
	All    bool  `json:"all,omitempty"`
	Only   []int `json:"only,omitempty"`
	Except []int `json:"except,omitempty"`
}

// Has reports whether the filter takes a product set.
func (f SetFilter) Has(set int) bool {
	switch {
	case f.All:
		return true
	case len(f.Only) > 0:
		return slices.Contains(f.Only, set)
	case len(f.Except) > 0:
		return !slices.Contains(f.Except, set)
	}
	return false
}

// Item is one paper (or the samples) of a product's dossier. Its Short label
// goes on buttons; Name, Help and Proves are shown to the producer. All texts
// are Vietnamese, in the rulebook's data.
type Item struct {
	ID    string `json:"id"`    // stable ascii id, stored with the dossier: "mau01"
	Short string `json:"short"` // button label: "Mẫu 01", "Giấy ATTP"
	// Keywords are words producers use for the paper ("attp", "mã vạch"):
	// the bot's own aid to ItemNamed, not part of the rules.
	Keywords []string `json:"keywords,omitempty"`
	Name     string   `json:"name"` // full name: "Phiếu đăng ký đánh giá, phân hạng sản phẩm OCOP (Mẫu số 01)"
	Help     string   `json:"help"` // what it is, for a farmer: "Mẫu 01 là gì?"
	Kind     ItemKind `json:"kind"`
	// Proves says what the item proves to the council; set for evidence.
	Proves string    `json:"proves,omitempty"`
	Sets   SetFilter `json:"sets"`
	// InPerson marks a thing handed in at the commune in person (the
	// samples): no photo or file can stand for it.
	InPerson bool `json:"in_person,omitempty"`
	// Paper marks a paper that may be handed in on paper at the commune
	// instead of being sent as a photo or file.
	Paper bool `json:"paper,omitempty"`
	// Conditional marks a paper the law asks for only in some cases (a
	// licence "where the law needs one"); Help says what to hand in instead.
	Conditional bool `json:"conditional,omitempty"`
}

// AppliesTo reports whether the item is part of the dossier of a product
// set.
func (it Item) AppliesTo(set int) bool { return it.Sets.Has(set) }

// AcceptsFiles reports whether photos or files can be sent for the item.
func (it Item) AcceptsFiles() bool { return !it.InPerson }

// Checklist returns the items of the dossier of a product set, in the order
// of the checklist: the mandatory items, then the knock-out papers of the
// set, then the evidence, each kind in the rulebook's order. An unknown set
// gives nil. A rulebook whose sets are unknown (qd148-2023) has only items
// that apply to every set, and gives them whatever the set.
func (r *Rulebook) Checklist(set int) []Item {
	if len(r.sets) > 0 {
		if _, ok := r.setIx[set]; !ok {
			return nil
		}
	}
	var out []Item
	for _, it := range r.Items {
		if it.AppliesTo(set) {
			out = append(out, it)
		}
	}
	slices.SortStableFunc(out, func(a, b Item) int { return a.Kind.order() - b.Kind.order() })
	return out
}

// Common returns the required items every product's dossier has, whatever
// its set (what to prepare before the product is known), in the rulebook's
// order.
func (r *Rulebook) Common() []Item {
	var out []Item
	for _, it := range r.Items {
		if !it.Kind.Required() {
			continue
		}
		all := true
		for _, s := range r.sets {
			if !it.AppliesTo(s.ID) {
				all = false
				break
			}
		}
		if all {
			out = append(out, it)
		}
	}
	return out
}

// Item returns the dossier item of an id.
func (r *Rulebook) Item(id string) (Item, bool) {
	for _, it := range r.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// ItemNamed returns the dossier item a producer's text names by one of its
// keywords, with or without diacritics ("giay attp lam o dau" names the
// food-safety certificate): the longest keyword held, at word boundaries,
// the earlier item between equals. Nothing named gives false.
func (r *Rulebook) ItemNamed(text string) (Item, bool) {
	q := searchWords(text)
	best, bestLen := -1, 0
	for i, it := range r.Items {
		for _, kw := range it.Keywords {
			if w := searchWords(kw); len(w) > bestLen && holdsRun(q, w) {
				best, bestLen = i, len(w)
			}
		}
	}
	if best < 0 {
		return Item{}, false
	}
	return r.Items[best], true
}
