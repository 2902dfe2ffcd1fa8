package platform

import (
	"regexp"
	"strings"
)

// RedactEmail returns a form of an e-mail address fit for a log line: the
// first character of the local part, then "***", then the domain
// ("lea.martin@example.com" → "l***@example.com"). Enough to tell two
// customers apart when reading a log with the order at hand, not enough to
// write to them. Something that is not an address gives "***".
func RedactEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "***"
	}
	first := []rune(addr[:at])[0]
	return string(first) + "***" + addr[at:]
}

// emailPattern finds e-mail addresses inside free text (an error message
// from SES quoting the recipient, for instance). It is deliberately loose:
// redacting a little too much is better than logging an address.
var emailPattern = regexp.MustCompile(`[^\s<>"'(),;:@\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// RedactEmails returns s with every e-mail address in it redacted by
// RedactEmail.
func RedactEmails(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return emailPattern.ReplaceAllStringFunc(s, RedactEmail)
}

// RedactedError is an error whose message has its e-mail addresses
// redacted; errors.Is and errors.As still see the cause. Wrap a cause that
// may quote a customer's address before it can reach a log.
type RedactedError struct{ Err error }

// Error returns the cause's message with its addresses redacted.
func (e RedactedError) Error() string { return RedactEmails(e.Err.Error()) }

// Unwrap returns the cause.
func (e RedactedError) Unwrap() error { return e.Err }
