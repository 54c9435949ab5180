package domain

import "time"

// Role is what a user may do. Later issues add officer scopes.
type Role string

const (
	RoleProducer        Role = "producer"
	RoleCommuneOfficer  Role = "commune_officer"
	RoleProvinceOfficer Role = "province_officer"
	RoleAdmin           Role = "admin"
)

// IsOfficer reports whether the role may use officer commands.
func (r Role) IsOfficer() bool {
	return r == RoleCommuneOfficer || r == RoleProvinceOfficer || r == RoleAdmin
}

// Locale codes the bot speaks.
const (
	LocaleVI = "vi"
	LocaleEN = "en"
)

// Consent is the user's answer to keeping personal data (Decree 13/2023).
type Consent string

const (
	ConsentUnknown  Consent = ""
	ConsentGiven    Consent = "given"
	ConsentDeclined Consent = "declined"
)

// User is a person on one channel (Telegram, console, later Zalo).
type User struct {
	ID        int64  // our id
	Channel   string // "telegram", "console", "zalo"
	ChannelID string // the channel's user id, as text
	Username  string // @username without @, may be empty
	Name      string // display name from the channel
	Role      Role
	Locale    string // LocaleVI unless the user chose otherwise
	Consent   Consent
	ConsentAt time.Time
	Blocked   bool  // the user blocked the bot (403); cleared when they write again
	SubjectID int64 // the subject this user represents, 0 when not registered
	// Communes scopes a commune officer (official commune codes).
	Communes     []string
	StartPayload string // deep-link payload of the first /start, kept for later use
	// OpenForms are the flow ids of the forms the user has open, kept
	// apart from the session (in Redis): a form a lost session had is
	// told about rather than silently gone.
	OpenForms []string
	// LastSeen is when the user last wrote to the bot (any update), as the
	// reply window counts it: recorded at most once an hour, so it may be
	// up to an hour older than the last message. Zero: never recorded.
	LastSeen  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ChannelZalo is the channel name of the Zalo Official Account.
const ChannelZalo = "zalo"

// ReplyWindow is how long after a user's last interaction the Zalo
// Official Account may still message them (ZALO.md §2.5): later, Zalo
// refuses the message.
const ReplyWindow = 7 * 24 * time.Hour

// OutsideWindow reports whether a message the user did not ask for (a bulk
// job's) would fall outside the reply window of the user's channel at now,
// the user having last written at lastSeen. Only Zalo has a window; a Zalo
// user never seen counts as outside. A reply to a user who just wrote is
// never outside.
func OutsideWindow(channel string, lastSeen, now time.Time) bool {
	if channel != ChannelZalo {
		return false
	}
	return lastSeen.IsZero() || now.Sub(lastSeen) > ReplyWindow
}

// IsProvince reports whether the role sees and acts on the whole province.
func (r Role) IsProvince() bool { return r == RoleProvinceOfficer || r == RoleAdmin }

// OwnDossier reports whether p belongs to the subject u is linked to as
// its producer: an officer who also produces does not decide on their own
// dossier (another officer does), whatever their role and communes.
func OwnDossier(u User, p Product) bool {
	return u.SubjectID != 0 && u.SubjectID == p.SubjectID
}

// Sees reports whether the user may see and act on a commune's subjects
// and dossiers: province officers and admins everywhere, commune officers
// in their communes, producers nowhere (they see only their own subject).
func (u User) Sees(commune string) bool {
	if u.Role.IsProvince() {
		return true
	}
	if u.Role != RoleCommuneOfficer {
		return false
	}
	for _, c := range u.Communes {
		if c == commune {
			return true
		}
	}
	return false
}

// RoleChange is one line of the audit of role grants.
type RoleChange struct {
	ActorID, TargetID int64
	OldRole, NewRole  Role
	Communes          []string
	At                time.Time
}

// ActorName names a person where officers read who did something (the
// workbook's history, "recorded by"): the name the channel gave, else the
// @username, else the channel and its id ("Zalo 1234567890"), never "#3".
func ActorName(name, username, channel, channelID string) string {
	switch {
	case name != "":
		return name
	case username != "":
		return "@" + username
	case channelID == "":
		return ""
	}
	switch channel {
	case ChannelZalo:
		return "Zalo " + channelID
	case "telegram":
		return "Telegram " + channelID
	}
	return channel + " " + channelID
}
