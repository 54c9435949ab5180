package domain

import (
	"errors"
	"fmt"
	"testing"
)

// An error wrapped with Op keeps the kind (and message) of its cause,
// through any number of wraps; one wrapped with E takes the kind given.
func TestErrorKeepsItsKind(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cause error
		want  Kind
		msg   string
	}{
		{"not found", E("sqlite.Get", KindNotFound, ErrNotFound), KindNotFound, "error.not_found"},
		{"conflict", E("sqlite.Move", KindConflict, errors.New("changed")), KindConflict, ""},
		{"invalid", Invalid("event.edit", "ev.gone"), KindInvalid, "ev.gone"},
		{"forbidden", E("scope", KindForbidden, nil), KindForbidden, ""},
		{"unavailable", E("redis.Get", KindUnavailable, errors.New("dial tcp: refused")), KindUnavailable, ""},
		{"internal", E("sqlite.Scan", KindInternal, errors.New("bad column")), KindInternal, ""},
		{"a plain error", errors.New("boom"), KindOther, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Op("handler.outer", fmt.Errorf("middle: %w", Op("handler.inner", tc.cause)))
			if got := ErrorKind(err); got != tc.want {
				t.Errorf("kind %s, want %s", got, tc.want)
			}
			if got := ErrorMsgID(err); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			if !errors.Is(err, tc.cause) {
				t.Error("the cause is lost")
			}
			if got := ErrorKind(E("handler", KindUnavailable, tc.cause)); got != KindUnavailable {
				t.Errorf("a kind given by the wrapper: %s", got)
			}
		})
	}
}
