package notify

import (
	"fmt"
	"strconv"
	"strings"
)

// The two layouts are written out in Go rather than run through
// html/template and text/template: text/template calls methods by name
// through reflection, which makes the linker keep every exported method of
// every type in the binary (the notifier was 2.9 times a hello-world Lambda),
// and parsing the layouts was part of each cold start. testdata/ keeps the
// templates they were written from, and layout_test.go checks that both
// produce the same bytes, html/template's escaping included.

// writeHTML writes the HTML e-mail of v.
func writeHTML(b *strings.Builder, v view) {
	b.WriteString("<!DOCTYPE html>\n<html lang=\"")
	escapeHTML(b, v.Lang)
	b.WriteString("\">\n<head><meta charset=\"utf-8\"><title>")
	escapeHTML(b, v.Subject)
	b.WriteString("</title></head>\n<body style=\"font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 600px; margin: 0 auto;\">\n<h1 style=\"font-size: 20px;\">")
	escapeHTML(b, v.Heading)
	b.WriteString("</h1>\n")
	if v.Greeting != "" {
		b.WriteString("<p>")
		escapeHTML(b, v.Greeting)
		b.WriteString("</p>")
	}
	b.WriteString("\n")
	for _, p := range v.Intro {
		b.WriteString("<p>")
		escapeHTML(b, p)
		b.WriteString("</p>\n")
	}
	if len(v.Statuses) > 0 {
		b.WriteString("\n<table style=\"border-collapse: collapse; margin: 12px 0;\">")
		for _, r := range v.Statuses {
			b.WriteString("\n<tr><td style=\"padding: 2px 12px 2px 0; color: #666;\">")
			escapeHTML(b, r.Label)
			b.WriteString("</td><td style=\"padding: 2px 0;\"><strong>")
			escapeHTML(b, r.Value)
			b.WriteString("</strong></td></tr>")
		}
		b.WriteString("\n</table>")
	}
	if len(v.Tracking) > 0 {
		b.WriteString("\n<h2 style=\"font-size: 16px;\">")
		escapeHTML(b, v.L.Tracking)
		b.WriteString("</h2>\n<ul>")
		for _, t := range v.Tracking {
			b.WriteString("\n<li>")
			if t.Carrier != "" {
				escapeHTML(b, t.Carrier)
				escapeHTML(b, v.L.Sep)
			}
			b.WriteString("<strong>")
			escapeHTML(b, t.Number)
			b.WriteString("</strong></li>")
		}
		b.WriteString("\n</ul>")
	}
	if v.RecoveryURL != "" {
		b.WriteString("\n<p><a href=\"")
		escapeHTML(b, normalizeURL(v.RecoveryURL))
		b.WriteString("\" style=\"background: #222; color: #fff; padding: 10px 16px; text-decoration: none;\">")
		escapeHTML(b, v.L.Resume)
		b.WriteString("</a></p>")
	}
	if v.DiscountCode != "" {
		b.WriteString("\n<p>")
		escapeHTML(b, v.L.Code)
		escapeHTML(b, v.L.Sep)
		b.WriteString("<strong>")
		escapeHTML(b, v.DiscountCode)
		b.WriteString("</strong></p>")
	}
	if len(v.Lines) > 0 {
		b.WriteString("\n<h2 style=\"font-size: 16px;\">")
		escapeHTML(b, v.L.Summary)
		if v.Number != "" {
			b.WriteString(" ")
			escapeHTML(b, v.Number)
		}
		b.WriteString("</h2>\n<table style=\"border-collapse: collapse; width: 100%;\">\n<tr><th align=\"left\" style=\"border-bottom: 1px solid #ccc;\">")
		escapeHTML(b, v.L.Item)
		b.WriteString("</th><th align=\"right\" style=\"border-bottom: 1px solid #ccc;\">")
		escapeHTML(b, v.L.Quantity)
		b.WriteString("</th><th align=\"right\" style=\"border-bottom: 1px solid #ccc;\">")
		escapeHTML(b, v.L.Amount)
		b.WriteString("</th></tr>")
		for _, l := range v.Lines {
			b.WriteString("\n<tr><td style=\"padding: 4px 0;\">")
			escapeHTML(b, l.Name)
			if l.SKU != "" {
				b.WriteString(" <span style=\"color: #888;\">(")
				escapeHTML(b, l.SKU)
				b.WriteString(")</span>")
			}
			b.WriteString("</td><td align=\"right\">")
			b.WriteString(strconv.FormatInt(l.Quantity, 10))
			b.WriteString("</td><td align=\"right\">")
			escapeHTML(b, l.Amount)
			b.WriteString("</td></tr>")
		}
		for _, t := range v.Totals {
			b.WriteString("\n<tr><td colspan=\"2\" align=\"right\" style=\"padding: 2px 8px;\">")
			strongHTML(b, t.Label, t.Strong)
			if t.Note != "" {
				b.WriteString(" <span style=\"color: #888;\">(")
				escapeHTML(b, t.Note)
				b.WriteString(")</span>")
			}
			b.WriteString("</td><td align=\"right\">")
			strongHTML(b, t.Amount, t.Strong)
			b.WriteString("</td></tr>")
		}
		b.WriteString("\n</table>")
	}
	if v.Outro != "" {
		b.WriteString("\n<p>")
		escapeHTML(b, v.Outro)
		b.WriteString("</p>")
	}
	b.WriteString("\n<p style=\"color: #888; font-size: 12px;\">")
	escapeHTML(b, v.ShopName)
	b.WriteString("</p>")
	if v.UnsubscribeURL != "" {
		b.WriteString("\n<p style=\"color: #888; font-size: 12px;\"><a href=\"")
		escapeHTML(b, normalizeURL(v.UnsubscribeURL))
		b.WriteString("\" style=\"color: #888;\">")
		escapeHTML(b, v.L.Unsubscribe)
		b.WriteString("</a></p>")
	}
	b.WriteString("\n</body>\n</html>\n")
}

func strongHTML(b *strings.Builder, s string, strong bool) {
	if !strong {
		escapeHTML(b, s)
		return
	}
	b.WriteString("<strong>")
	escapeHTML(b, s)
	b.WriteString("</strong>")
}

// writeText writes the plain-text e-mail of v.
func writeText(b *strings.Builder, v view) {
	b.WriteString(v.Heading + "\n\n")
	if v.Greeting != "" {
		b.WriteString(v.Greeting + "\n\n")
	}
	for _, p := range v.Intro {
		b.WriteString(p + "\n\n")
	}
	for _, r := range v.Statuses {
		b.WriteString(r.Label + v.L.Sep + r.Value + "\n")
	}
	if len(v.Statuses) > 0 {
		b.WriteString("\n")
	}
	if len(v.Tracking) > 0 {
		b.WriteString(v.L.Tracking + "\n")
		for _, t := range v.Tracking {
			b.WriteString("- ")
			if t.Carrier != "" {
				b.WriteString(t.Carrier + v.L.Sep)
			}
			b.WriteString(t.Number + "\n")
		}
		b.WriteString("\n")
	}
	if v.RecoveryURL != "" {
		b.WriteString(v.L.Resume + v.L.Sep + v.RecoveryURL + "\n\n")
	}
	if v.DiscountCode != "" {
		b.WriteString(v.L.Code + v.L.Sep + v.DiscountCode + "\n\n")
	}
	if len(v.Lines) > 0 {
		b.WriteString(v.L.Summary)
		if v.Number != "" {
			b.WriteString(" " + v.Number)
		}
		b.WriteString("\n")
		for _, l := range v.Lines {
			b.WriteString("- " + l.Name)
			if l.SKU != "" {
				b.WriteString(" (" + l.SKU + ")")
			}
			b.WriteString(" x " + strconv.FormatInt(l.Quantity, 10) + v.L.Sep + l.Amount + "\n")
		}
		for _, t := range v.Totals {
			b.WriteString(t.Label)
			if t.Note != "" {
				b.WriteString(" (" + t.Note + ")")
			}
			b.WriteString(v.L.Sep + t.Amount + "\n")
		}
		b.WriteString("\n")
	}
	if v.Outro != "" {
		b.WriteString(v.Outro + "\n\n")
	}
	b.WriteString(v.ShopName + "\n")
	if v.UnsubscribeURL != "" {
		b.WriteString(v.L.Unsubscribe + v.L.Sep + v.UnsubscribeURL + "\n")
	}
}

// escapeHTML escapes s for HTML text, a quoted attribute or a title as
// html/template does: the same seven characters, '+' and NUL included.
func escapeHTML(b *strings.Builder, s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString(repl)
		written = i + 1
	}
	b.WriteString(s[written:])
}

// unsafeURL is what html/template writes instead of a URL whose scheme is
// not http, https or mailto ("javascript:...").
const unsafeURL = "#ZgotmplZ"

// normalizeURL is html/template's filter and normalizer for a URL
// attribute: an unsafe scheme becomes unsafeURL, and every byte outside
// RFC 3986's unreserved and reserved sets (spaces, quotes, non-ASCII
// UTF-8) is percent-encoded, valid escapes left as they are.
func normalizeURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return unsafeURL
	}
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
