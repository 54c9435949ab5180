package domain

import (
	"slices"
	"strings"
	"time"
)

// SubjectKind is the legal form of an OCOP subject (OCOP-RULES §2).
type SubjectKind string

const (
	KindCooperative SubjectKind = "htx"        // Hợp tác xã
	KindCoopGroup   SubjectKind = "tht"        // Tổ hợp tác
	KindSME         SubjectKind = "dn"         // Doanh nghiệp nhỏ và vừa
	KindFarm        SubjectKind = "trang_trai" // Trang trại
	KindHousehold   SubjectKind = "ho"         // Hộ sản xuất có đăng ký kinh doanh
	// KindProspective is a household that makes products but has no
	// business registration yet (ĐKKD hộ kinh doanh, given by the
	// commune): it may register and prepare, not file (CanFile).
	KindProspective   SubjectKind = "ho_chua_dkkd"
	KindTourismAssoc  SubjectKind = "hoi"       // Hội, hiệp hội (du lịch)
	KindTourismCentre SubjectKind = "trung_tam" // Trung tâm điều hành du lịch
)

// SubjectKinds lists the kinds in the order they are offered.
var SubjectKinds = []SubjectKind{KindCooperative, KindCoopGroup, KindSME, KindFarm, KindHousehold, KindProspective, KindTourismAssoc, KindTourismCentre}

// Valid reports whether k is one of SubjectKinds.
func (k SubjectKind) Valid() bool {
	for _, x := range SubjectKinds {
		if x == k {
			return true
		}
	}
	return false
}

// SalesChannel is a way a subject sells (DESIGN §2).
type SalesChannel string

const (
	ChannelSupermarket SalesChannel = "sieu_thi"
	ChannelConvenience SalesChannel = "tien_loi"
	ChannelEcommerce   SalesChannel = "tmdt"
	ChannelOwnShop     SalesChannel = "cua_hang"
	ChannelMarket      SalesChannel = "cho"
)

// SalesChannels lists the channels in the order they are offered.
var SalesChannels = []SalesChannel{ChannelSupermarket, ChannelConvenience, ChannelEcommerce, ChannelOwnShop, ChannelMarket}

// Modern reports whether the channel is one of the plan's "modern channels".
func (c SalesChannel) Modern() bool {
	return c == ChannelSupermarket || c == ChannelConvenience || c == ChannelEcommerce
}

// Valid reports whether c is one of SalesChannels.
func (c SalesChannel) Valid() bool {
	for _, x := range SalesChannels {
		if x == c {
			return true
		}
	}
	return false
}

// Subject is an OCOP producer (chủ thể OCOP).
type Subject struct {
	ID             int64
	Kind           SubjectKind
	Name           string // organisation name
	Representative string
	Phone          string // E.164, e.g. +84912345678
	PhoneVerified  bool   // shared through the channel's contact button
	CommuneCode    string // official code from the places file
	BusinessRegNo  string // optional
	SalesChannels  []SalesChannel
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// CanFile says whether a subject may file a dossier (OCOP-RULES §2: a
// household takes part with a business registration): a household
// without its registration number is refused with the message id that
// explains where to get one (the commune's ĐKKD hộ kinh doanh).
func CanFile(s Subject) error {
	if (s.Kind == KindProspective || s.Kind == KindHousehold) && s.BusinessRegNo == "" {
		return Invalid("subject.can_file", "dossier.needs_regno")
	}
	return nil
}

// Registered returns the kind a subject takes once its registration
// number is known: a prospective household becomes a household.
func (k SubjectKind) Registered(regNo string) SubjectKind {
	if k == KindProspective && regNo != "" {
		return KindHousehold
	}
	return k
}

// kindWords maps folded names of subject kinds to kinds, as producers and
// officers' lists write them; a text may also start with one of them
// ("Công ty TNHH …", "Hợp tác xã nông nghiệp …").
var kindWords = map[string]SubjectKind{
	"htx": KindCooperative, "hop tac xa": KindCooperative, "cooperative": KindCooperative,
	"tht": KindCoopGroup, "to hop tac": KindCoopGroup, "cooperative group": KindCoopGroup,
	"dn": KindSME, "doanh nghiep": KindSME, "dnnvv": KindSME, "cong ty": KindSME,
	"sme": KindSME, "enterprise": KindSME, "company": KindSME,
	"trang trai": KindFarm, "farm": KindFarm,
	"ho": KindHousehold, "ho san xuat": KindHousehold, "ho gia dinh": KindHousehold,
	"ho kinh doanh": KindHousehold, "household": KindHousehold,
	// A person who makes products with no registration yet: what a farmer
	// says of themself.
	"ca nhan": KindProspective, "nong dan": KindProspective, "ho nong dan": KindProspective,
	"hoi": KindTourismAssoc, "hiep hoi": KindTourismAssoc, "association": KindTourismAssoc,
	"trung tam": KindTourismCentre, "centre": KindTourismCentre, "center": KindTourismCentre,
}

// ParseSubjectKind reads a subject kind written in words, with or without
// diacritics: "HTX", "Hợp tác xã", "tổ hợp tác", "doanh nghiep", "Công ty
// TNHH …", "trang trại", "hộ sản xuất", "nông dân", "hội", "trung tâm", or a
// kind's code ("trang_trai"), "tôi là …" before it or not. The longest
// known start wins.
func ParseSubjectKind(s string) (SubjectKind, bool) {
	w := searchWords(s)
	for _, lead := range [][]string{{"toi", "la"}, {"em", "la"}, {"minh", "la"}, {"ben", "em", "la"}, {"chung", "toi", "la"}, {"la"}} {
		if len(w) > len(lead) && slices.Equal(w[:len(lead)], lead) {
			w = w[len(lead):] // "tôi là nông dân"
			break
		}
	}
	if len(w) == 0 {
		return "", false
	}
	if k := SubjectKind(strings.Join(w, "_")); k.Valid() {
		return k, true
	}
	for n := min(len(w), 3); n > 0; n-- {
		if k, ok := kindWords[strings.Join(w[:n], " ")]; ok {
			return k, true
		}
	}
	return "", false
}
