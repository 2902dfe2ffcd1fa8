package notify_test

import (
	"context"
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
