package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
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
}

// Sender sends e-mails.
type Sender interface {
	Send(ctx context.Context, e Email) error
}

// SESAPI is the part of the SES v2 client the sender uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ SESAPI = (*sesv2.Client)(nil)

// SESSender sends through SES v2 with Simple content (HTML and text
// bodies, UTF-8), which SES wraps in a MIME multipart/alternative message.
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
	utf8 := aws.String("UTF-8")
	_, err := s.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{e.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(e.Subject), Charset: utf8},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(e.HTML), Charset: utf8},
				Text: &types.Content{Data: aws.String(e.Text), Charset: utf8},
			},
		}},
	})
	if err == nil {
		return nil
	}
	var rejected *types.MessageRejected
	var notVerified *types.MailFromDomainNotVerifiedException
	var bad *types.BadRequestException
	var api smithy.APIError
	// The cause is logged: neither the recipient nor an address SES quotes
	// back goes to the logs in clear.
	cause := platform.RedactedError{Err: fmt.Errorf("send e-mail to %s: %w", e.To, err)}
	switch {
	case errors.As(err, &rejected), errors.As(err, &notVerified), errors.As(err, &bad):
		return order.Wrap(op, order.Invalid, "email_rejected", "SES refused the e-mail", cause)
	case errors.As(err, &api):
		return order.Wrap(op, order.Transient, "email_unavailable", "SES is unavailable", cause)
	}
	return cause
}
