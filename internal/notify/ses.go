package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// Email is one e-mail to one customer.
type Email struct {
	FromName string // the shop's name, shown as the sender
	From     string // the verified sender address
	To       string
	Rendered
	// Headers are added to the message as they are (List-Unsubscribe).
	Headers []Header
}

// Header is one header field of a message.
type Header struct{ Name, Value string }

// Sender sends e-mails.
type Sender interface {
	Send(ctx context.Context, e Email) error
}

// SESAPI sends SES v2's JSON requests (platform.JSONClient). The sender
// calls one operation, SendEmail, through the light client rather than the
// SDK's: the SES v2 client builds its schemas at package initialisation, a
// quarter of the notifier's cold start.
type SESAPI interface {
	Do(ctx context.Context, req platform.JSONRequest, out any) error
}

var _ SESAPI = (*platform.JSONClient)(nil)

// SESService is SES v2 for platform.NewJSONClient.
var SESService = platform.JSONService{SDKID: "SESv2", SigningName: "ses", HostPrefix: "email"}

// NewSESClient returns the SES v2 client NewSESSender takes, built from cfg.
func NewSESClient(cfg aws.Config) *platform.JSONClient {
	return platform.NewJSONClient(cfg, SESService)
}

// The parts of SES v2's SendEmail request the sender fills.
type (
	sesContent struct {
		Data    string `json:"Data"`
		Charset string `json:"Charset"`
	}
	sesHeader struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	sesSendEmail struct {
		FromEmailAddress string `json:"FromEmailAddress"`
		Destination      struct {
			ToAddresses []string `json:"ToAddresses"`
		} `json:"Destination"`
		Content struct {
			Simple struct {
				Subject sesContent `json:"Subject"`
				Body    struct {
					HTML sesContent `json:"Html"`
					Text sesContent `json:"Text"`
				} `json:"Body"`
				Headers []sesHeader `json:"Headers,omitempty"`
			} `json:"Simple"`
		} `json:"Content"`
	}
)

// SESSender sends through SES v2 with Simple content (HTML and text
// bodies, UTF-8, and the e-mail's own header fields), which SES wraps in a
// MIME multipart/alternative message.
type SESSender struct {
	api SESAPI
}

var _ Sender = (*SESSender)(nil)

// NewSESSender returns a sender over an SES v2 client.
func NewSESSender(api SESAPI) *SESSender { return &SESSender{api: api} }

// Send implements Sender. SES's refusals of the message itself (a rejected
// or unverified sender, a malformed address) are Invalid errors; throttling
// and service failures are Transient. The handler retries both, so a
// message SES keeps refusing ends in the dead-letter queue.
func (s *SESSender) Send(ctx context.Context, e Email) error {
	const op = "notify.SESSender.Send"
	from := e.From
	if e.FromName != "" {
		// mail.Address encodes a non-ASCII display name as RFC 2047, as
		// SES requires ("Café des Arts" is common for French shops).
		from = (&mail.Address{Name: e.FromName, Address: e.From}).String()
	}
	const utf8 = "UTF-8"
	in := sesSendEmail{FromEmailAddress: from}
	in.Destination.ToAddresses = []string{e.To}
	in.Content.Simple.Subject = sesContent{Data: e.Subject, Charset: utf8}
	in.Content.Simple.Body.HTML = sesContent{Data: e.HTML, Charset: utf8}
	in.Content.Simple.Body.Text = sesContent{Data: e.Text, Charset: utf8}
	for _, h := range e.Headers {
		in.Content.Simple.Headers = append(in.Content.Simple.Headers, sesHeader(h))
	}
	err := s.api.Do(ctx, platform.JSONRequest{Path: "/v2/email/outbound-emails", ContentType: "application/json", Body: in}, nil)
	if err == nil {
		return nil
	}
	var api smithy.APIError
	// The cause is logged: neither the recipient nor an address SES quotes
	// back goes to the logs in clear.
	cause := platform.RedactedError{Err: fmt.Errorf("send e-mail to %s: %w", e.To, err)}
	switch {
	case platform.IsAPIError(err, "MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException"):
		return order.Wrap(op, order.Invalid, "email_rejected", "SES refused the e-mail", cause)
	case errors.As(err, &api):
		return order.Wrap(op, order.Transient, "email_unavailable", "SES is unavailable", cause)
	}
	return cause
}
