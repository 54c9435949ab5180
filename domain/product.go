package domain

import "time"

// Stage is where a product is in the evaluation (OCOP-RULES §6).
type Stage string

const (
	StageIdea         Stage = "y_tuong"             // idea registered
	StagePreparing    Stage = "chuan_bi_ho_so"      // preparing the dossier
	StageFiled        Stage = "da_nop_xa"           // filed at the commune
	StageCommuneCheck Stage = "xa_tham_dinh"        // commune check (≤ 15 working days)
	StageDistrict     Stage = "huyen_danh_gia"      // district evaluation (148 only)
	StageProvince     Stage = "tinh_danh_gia"       // province advisory team and council
	StageCentral      Stage = "trung_uong_danh_gia" // ≥ 90 points, sent up for 5★
	StageRecognised   Stage = "cong_nhan"           // 3★/4★/5★ recognised, certificate
	StageReturned     Stage = "tra_lai_bo_sung"     // returned to complete
	StageFailed       Stage = "khong_dat"           // below 50 points or knocked out
	StageExpired      Stage = "het_han"             // certificate expired
	StageRevoked      Stage = "thu_hoi"             // certificate revoked
	StageReevaluation Stage = "danh_gia_lai"        // re-evaluation
	StageUpgrade      Stage = "nang_hang"           // upgrade
)

// Submitted reports whether the dossier is with the officers or decided
// (the producer cannot change it). A re-evaluation or an upgrade being
// prepared is the producer's.
func (s Stage) Submitted() bool {
	switch s {
	case StageIdea, StagePreparing, StageReturned, StageReevaluation, StageUpgrade, "":
		return false
	}
	return true
}

// ItemState is the state of one dossier item.
type ItemState string

const (
	ItemMissing  ItemState = "missing"  // ⏳
	ItemSent     ItemState = "sent"     // 📎 a file or photo was sent
	ItemPaper    ItemState = "paper"    // 📄 handed in on paper (or in person, for samples)
	ItemAccepted ItemState = "accepted" // ✅ accepted by an officer
	ItemReturned ItemState = "returned" // ❌ returned with the officer's reason
)

// Counts reports whether the item counts towards the progress of a dossier.
func (s ItemState) Counts() bool { return s == ItemSent || s == ItemPaper || s == ItemAccepted }

// Product is a product of a subject, with its dossier's place in the evaluation.
type Product struct {
	ID          int64
	SubjectID   int64
	CommuneCode string // the commune the dossier is filed in (copied at creation)
	Code        string // (province)-(commune)-(serial)-(year)
	Serial      int    // kept per commune and year
	Year        int
	Name        string
	Set         int  // product set 1..26 of the rulebook
	Existing    bool // an existing product rather than an idea
	// Craft names the traditional craft or craft village, "" when none.
	Craft string
	// RawArea is a stable raw-material area; RawAreaWhere says where.
	RawArea      bool
	RawAreaWhere string
	// Circular is a circular-economy or green value chain.
	Circular bool
	Stage    Stage
	Rulebook string // the rulebook the dossier was created under
	// Evaluation results.
	Score       float64 // the council's average score, 0 when none
	Stars       int
	CertNo      string
	CertIssued  time.Time
	CertExpires time.Time
	CertRules   string // the rulebook the certificate was issued under
	// ValidUntil is the last day the certificate counts as valid, at
	// midnight in the province's time zone: CertExpires, or up to 180 days
	// later while a re-evaluation filed in time waits for its decision
	// (OCOP-RULES §7b). Zero when there is no certificate. Rulebooks.Apply
	// keeps it; storage only saves it.
	ValidUntil time.Time
	// Purpose is why the dossier in progress was opened: a first
	// evaluation (""), a re-evaluation or an upgrade.
	Purpose Purpose
	// Revocation is the decision that revoked the certificate, when
	// Stage is thu_hoi.
	Revocation Revocation
	// Submission at the commune.
	ReceiptNo   string
	SubmittedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DossierItem is the state of one item of a product's dossier.
type DossierItem struct {
	ProductID int64
	ItemID    string
	State     ItemState
	Reason    string // the officer's reason for a returned item
	UpdatedAt time.Time
}

// ItemFile is one file (or photo) sent for a dossier item.
type ItemFile struct {
	ID        int64
	ProductID int64
	ItemID    string
	FileID    string // the channel's file id, to send it again
	Blob      string // sha256 of the content, the name of the stored copy
	Name      string
	MIME      string
	Size      int64
	CreatedAt time.Time
}

// StageChange is one step of a product's history.
type StageChange struct {
	ProductID int64
	From, To  Stage
	By        int64 // user id, 0 for the system
	Reason    string
	At        time.Time
	// What the product was after the change, so that the figures of a
	// past day can be read from the history: its stars and the last day
	// its certificate counted as valid (zero: none).
	Stars      int
	ValidUntil time.Time
}

// Move is what a stage move offers the change it runs on the product
// inside its transaction (sqlite.ProductStore.MoveStage): what the product
// does not carry, and numbers taken in the move's transaction, so that a
// move that fails takes none.
type Move interface {
	// CommuneCode returns the commune the product was created in.
	CommuneCode() string
	// NextReceiptSerial takes the next receipt serial of the product's
	// commune in the year, counting from 1.
	NextReceiptSerial(year int) (int, error)
}
