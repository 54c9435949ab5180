package bot

import "html"

// escape makes user text safe inside an HTML reply.
func escape(s string) string { return html.EscapeString(s) }

// Escape makes user text safe inside an HTML reply (for handlers that build
// HTML values passed as HTML template data).
func Escape(s string) string { return html.EscapeString(s) }
