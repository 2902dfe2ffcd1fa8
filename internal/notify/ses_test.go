package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// refusingSES answers every send with err.
type refusingSES struct{ err error }

func (f refusingSES) Do(context.Context, platform.JSONRequest, any) error { return f.err }

// TestSendErrorsDoNotQuoteTheRecipient: the error of a failed send is
// logged by the consumer loop, so neither the recipient nor an address SES
// quotes back may appear in it in clear; its kind and cause still tell
// what happened.
func TestSendErrorsDoNotQuoteTheRecipient(t *testing.T) {
	const to = "lea.martin@example.com"
	cases := []struct {
		name string
		err  error
		kind order.Kind
	}{
		{"rejected", &platform.APIError{Status: 400, Code: "MessageRejected", Message: "Email address is not verified: " + to}, order.Invalid},
		{"other", errors.New("dial tcp: connection refused while sending to " + to), order.Internal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := notify.NewSESSender(refusingSES{c.err}).Send(context.Background(), notify.Email{From: "shop@example.org", To: to})
			if err == nil {
				t.Fatal("want an error")
			}
			if msg := err.Error(); strings.Contains(msg, to) || !strings.Contains(msg, "l***@example.com") {
				t.Fatalf("error %q quotes the recipient or lost its redacted form", msg)
			}
			if got := order.KindOf(err); got != c.kind {
				t.Fatalf("kind = %s, want %s", got, c.kind)
			}
			if !errors.Is(err, c.err) {
				t.Fatal("the SES error is no longer in the chain")
			}
		})
	}
}

// recordingSES keeps the request body it was sent, as SES would read it.
type recordingSES struct{ body []byte }

func (f *recordingSES) Do(_ context.Context, req platform.JSONRequest, _ any) error {
	b, err := json.Marshal(req.Body)
	f.body = b
	return err
}

// TestSendHeaders: the e-mail's own header fields go in the Simple
// content's Headers (SES v2 MessageHeader), and a message without any
// sends no Headers at all.
func TestSendHeaders(t *testing.T) {
	api := &recordingSES{}
	e := notify.Email{From: "shop@example.org", To: "lea@example.com", Rendered: notify.Rendered{Subject: "s", HTML: "h", Text: "t"},
		Headers: []notify.Header{{Name: "List-Unsubscribe", Value: "<https://x.example/unsubscribe?token=a.b>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"}}}
	if err := notify.NewSESSender(api).Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Content struct {
			Simple struct {
				Headers []struct{ Name, Value string }
			}
		}
	}
	if err := json.Unmarshal(api.body, &got); err != nil {
		t.Fatal(err)
	}
	if h := got.Content.Simple.Headers; len(h) != 2 || h[0].Name != "List-Unsubscribe" || h[0].Value != e.Headers[0].Value ||
		h[1].Name != "List-Unsubscribe-Post" || h[1].Value != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers sent: %s", api.body)
	}
	e.Headers = nil
	if err := notify.NewSESSender(api).Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(api.body), "Headers") {
		t.Fatalf("a message without headers sends %s", api.body)
	}
}
