package handlers

import (
	"context"

	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// textField is a parser for a free-text answer of min to max characters
// that holds at least one letter or digit. Each refusal has its message id
// (tooShort may repeat invalid).
func textField(op string, min, max int, invalid, tooShort, tooLong string) func(context.Context, *bot.Ctx, string) (string, error) {
	return func(ctx context.Context, _ *bot.Ctx, in string) (string, error) {
		switch n := utf8.RuneCountInString(in); {
		case !domain.HasLetterOrDigit(in):
			return "", domain.Invalid(op, invalid)
		case n < min:
			return "", domain.Invalid(op, tooShort)
		case n > max:
			return "", domain.Invalid(op, tooLong)
		}
		return in, nil
	}
}
