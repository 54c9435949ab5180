// Package domain holds the entities and rules of the OCOP programme: subjects,
// users, places, phone numbers and Vietnamese text folding. It imports only the
// standard library and golang.org/x/text.
package domain

import (
	"errors"
	"fmt"
)

// Kind is the stable class of an error, used to choose the reply and whether to log.
type Kind uint8

const (
	KindOther       Kind = iota // unclassified: treated as internal
	KindInvalid                 // the user's input is not acceptable
	KindNotFound                // the thing asked for does not exist
	KindConflict                // it exists already or changed meanwhile
	KindForbidden               // the user may not do this
	KindUnavailable             // a dependency is down; try again later
	KindInternal                // a bug or an unexpected failure
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnavailable:
		return "unavailable"
	case KindInternal:
		return "internal"
	}
	return "other"
}

// Error is the one error type of the project. Op names the operation
// ("register.phone", "sqlite.SaveSubject"), Kind classifies it, MsgID is the
// locale message shown to the user (for KindInvalid: the re-prompt that says
// what is expected), Data fills the message template, Err is the cause.
type Error struct {
	Op    string
	Kind  Kind
	MsgID string
	Data  map[string]any
	Err   error
}

func (e *Error) Error() string {
	s := e.Op
	if e.Kind != KindOther {
		if s != "" {
			s += ": "
		}
		s += e.Kind.String()
	}
	if e.MsgID != "" {
		s += " (" + e.MsgID + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid returns a KindInvalid error whose message id is the re-prompt.
func Invalid(op, msgID string) *Error { return &Error{Op: op, Kind: KindInvalid, MsgID: msgID} }

// E wraps err with an operation and kind.
func E(op string, kind Kind, err error) *Error { return &Error{Op: op, Kind: kind, Err: err} }

// Op wraps err with an operation and no kind of its own: the error keeps
// the kind of its cause (upspin's rule). A handler wraps what a store
// returned with Op, so that a row that does not exist stays "not found"
// and a conflict a conflict, where a kind given by the handler would hide
// them behind "unavailable". A cause without a kind reads as internal.
func Op(op string, err error) *Error { return &Error{Op: op, Err: err} }

// Errorf builds an internal error with a formatted cause.
func Errorf(op string, format string, args ...any) *Error {
	return &Error{Op: op, Kind: KindInternal, Err: fmt.Errorf(format, args...)}
}

// ErrorKind reports the kind of the outermost *Error in err's chain that has one.
func ErrorKind(err error) Kind {
	var e *Error
	for err != nil {
		if !errors.As(err, &e) {
			return KindOther
		}
		if e.Kind != KindOther {
			return e.Kind
		}
		err = e.Err
	}
	return KindOther
}

// ErrorMsgID returns the first message id found in err's chain, or "".
func ErrorMsgID(err error) string {
	var e *Error
	for err != nil {
		if !errors.As(err, &e) {
			return ""
		}
		if e.MsgID != "" {
			return e.MsgID
		}
		err = e.Err
	}
	return ""
}

// ErrorData returns the data that fills the message of ErrorMsgID (nil
// when there is none).
func ErrorData(err error) map[string]any {
	var e *Error
	for err != nil {
		if !errors.As(err, &e) {
			return nil
		}
		if e.MsgID != "" {
			return e.Data
		}
		err = e.Err
	}
	return nil
}

// ErrNotFound is returned (wrapped) by stores when a row does not exist.
var ErrNotFound = &Error{Kind: KindNotFound, MsgID: "error.not_found"}
