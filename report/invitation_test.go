package report_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
)

type fixedEvents []report.EventRow

func (e fixedEvents) EventAttendance(context.Context, domain.Area) ([]report.EventRow, error) {
	return e, nil
}

// The events sheet says of each person how their invitation stands: an
// invitation waiting for a Zalo user to write again shows as such.
func TestWorkbookEventsSheetInvitationState(t *testing.T) {
	src, now, _ := fixture(t)
	starts := time.Date(2026, 6, 20, 8, 0, 0, 0, now.Location())
	row := report.EventRow{Event: "Tập huấn", Kind: "Tập huấn", Starts: starts, Place: "Hội trường", Person: "Chị Lan"}
	waiting, sent := row, row
	waiting.Invitation = "Chờ người dùng nhắn lại"
	sent.Person, sent.RSVP, sent.Attended, sent.Invitation = "Anh Ba", "Có", true, "Đã gửi"
	src.Events = fixedEvents{waiting, sent}
	got := rows(t, build(t, src, report.Scope{Now: now}), report.SheetEvents)
	if len(got) != 3 || got[0][len(got[0])-1] != "Lời mời" {
		t.Fatalf("events sheet %q", got)
	}
	if want := []string{"1", "Tập huấn", "Tập huấn", "20/06/2026 08:00", "Hội trường", "Chị Lan", "", "", "", "Không", "Chờ người dùng nhắn lại"}; !slices.Equal(got[1], want) {
		t.Errorf("waiting row\n got %q\nwant %q", got[1], want)
	}
	if got[2][len(got[2])-1] != "Đã gửi" {
		t.Errorf("sent row %q", got[2])
	}
}
