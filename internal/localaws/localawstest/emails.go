package localawstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/localaws"
)

// Email is one message moto's SES accepted for sending.
type Email struct {
	ID     string
	Source string
	To     []string
	Cc     []string
	Bcc    []string
	// Subject is the subject line; for a raw message, its decoded Subject
	// header.
	Subject string
	// Body is what moto kept of a simple message: the HTML part when there
	// is one, else the text part. For a raw message it is the MIME body.
	Body string
	// Raw is the whole MIME message of a raw send, else "".
	Raw string
	// Template and TemplateData are set for a templated send.
	Template, TemplateData string
}

// Recipients returns every address the message went to.
func (e Email) Recipients() []string {
	return slices.Concat(e.To, e.Cc, e.Bcc)
}

// SentTo reports whether addr is among the recipients (case-insensitive).
func (e Email) SentTo(addr string) bool {
	for _, r := range e.Recipients() {
		if strings.EqualFold(r, addr) {
			return true
		}
	}
	return false
}

// motoData is the part of moto's GET /moto-api/data.json we read.
type motoData struct {
	SES struct {
		Message []struct {
			ID           string          `json:"id"`
			Source       string          `json:"source"`
			Subject      string          `json:"subject"`
			Body         string          `json:"body"`
			Destinations json.RawMessage `json:"destinations"`
		} `json:"Message"`
		RawMessage []struct {
			ID           string          `json:"id"`
			Source       string          `json:"source"`
			RawData      string          `json:"raw_data"`
			Destinations json.RawMessage `json:"destinations"`
		} `json:"RawMessage"`
		TemplateMessage []struct {
			ID           string          `json:"id"`
			Source       string          `json:"source"`
			Template     string          `json:"template"`
			TemplateData string          `json:"template_data"`
			Destinations json.RawMessage `json:"destinations"`
		} `json:"TemplateMessage"`
	} `json:"ses"`
}

// SentEmails returns every message moto's SES (v1 and v2 share it) accepted,
// in sending order, read from moto's GET /moto-api/data.json. The outbox is
// shared by every test on the stack: filter by recipient (SentEmailsTo).
func SentEmails(ctx context.Context) ([]Email, error) {
	base := localaws.MotoURL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/moto-api/data.json", nil)
	if err != nil {
		return nil, fmt.Errorf("read sent e-mails: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read sent e-mails from moto (is the stack up? `make stack-up`): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("read sent e-mails: moto answered %s: %s", resp.Status, b)
	}
	var d motoData
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return nil, fmt.Errorf("decode moto data.json: %w", err)
	}
	var out []Email
	for _, m := range d.SES.Message {
		e := Email{ID: m.ID, Source: m.Source, Subject: m.Subject, Body: m.Body}
		if err := destinations(m.Destinations, &e); err != nil {
			return nil, fmt.Errorf("message %s: %w", m.ID, err)
		}
		out = append(out, e)
	}
	for _, m := range d.SES.RawMessage {
		e := Email{ID: m.ID, Source: m.Source, Raw: m.RawData}
		if err := destinations(m.Destinations, &e); err != nil {
			return nil, fmt.Errorf("raw message %s: %w", m.ID, err)
		}
		if msg, err := mail.ReadMessage(strings.NewReader(m.RawData)); err == nil {
			dec := new(mime.WordDecoder)
			e.Subject = msg.Header.Get("Subject")
			if s, err := dec.DecodeHeader(e.Subject); err == nil {
				e.Subject = s
			}
			if b, err := io.ReadAll(msg.Body); err == nil {
				e.Body = string(b)
			}
		}
		out = append(out, e)
	}
	for _, m := range d.SES.TemplateMessage {
		e := Email{ID: m.ID, Source: m.Source, Template: m.Template, TemplateData: m.TemplateData}
		if err := destinations(m.Destinations, &e); err != nil {
			return nil, fmt.Errorf("template message %s: %w", m.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// destinations reads moto's destinations: a {ToAddresses, CcAddresses,
// BccAddresses} object for simple sends, a flat list for raw ones (which
// moto may repeat: each address is kept once).
func destinations(raw json.RawMessage, e *Email) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '[' {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
		for _, a := range list {
			if !slices.Contains(e.To, a) {
				e.To = append(e.To, a)
			}
		}
		return nil
	}
	var d struct {
		To  []string `json:"ToAddresses"`
		Cc  []string `json:"CcAddresses"`
		Bcc []string `json:"BccAddresses"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("destinations: %w", err)
	}
	e.To, e.Cc, e.Bcc = d.To, d.Cc, d.Bcc
	return nil
}

// SentEmailsTo returns the messages moto accepted for addr (as To, Cc or
// Bcc), in sending order.
func SentEmailsTo(ctx context.Context, addr string) ([]Email, error) {
	all, err := SentEmails(ctx)
	if err != nil {
		return nil, err
	}
	var out []Email
	for _, e := range all {
		if e.SentTo(addr) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Recipient returns an e-mail address that belongs to the running test
// alone, so that it can find its own mails in moto's shared outbox.
func Recipient(t testing.TB) string {
	t.Helper()
	return UniqueName(t, 60) + "@example.com"
}

// WaitForEmails polls moto until at least n messages to addr were accepted,
// and returns them; it fails the test after timeout. Mails are often sent
// by an asynchronous consumer, hence the wait.
func WaitForEmails(t testing.TB, addr string, n int, timeout time.Duration) []Email {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	for {
		got, err := SentEmailsTo(ctx, addr)
		if err != nil && ctx.Err() == nil {
			t.Fatalf("wait for e-mails to %s: %v", addr, err)
		}
		if len(got) >= n {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("wait for e-mails to %s: got %d within %s, want %d", addr, len(got), timeout, n)
		// Each read is moto's whole state dump: a gentle pace keeps the
		// emulator free for the functions that are to send the mail.
		case <-time.After(time.Second):
		}
	}
}
