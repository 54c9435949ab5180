package telegramtest

// CheckHTML reports whether text would be accepted by Telegram with
// parse_mode HTML (the same check the fake applies to sent messages), so
// that message templates can be tested before they reach a user.
func CheckHTML(text string) error {
	_, _, err := parseHTML(text)
	return err
}
