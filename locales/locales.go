// Package locales embeds the go-i18n message files: vi.toml (default,
// complete) and en.toml. Every user-facing sentence of the bot lives here.
package locales

import "embed"

// FS holds the message files, one per language, named <lang>.toml.
//
//go:embed *.toml
var FS embed.FS
