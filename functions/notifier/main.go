// Command notifier is the customer e-mail Lambda: it consumes the
// NotificationsQueue and sends each order event's e-mail once through SES
// v2 (internal/notify).
package main

import (
	"net/mail"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	var from string
	fn := platform.Boot(func(env *platform.Env) { from = env.RequiredAddress(platform.EnvMailFrom) })
	// MAIL_FROM may carry a display name ("Boutique <b@example.com>"): the
	// address is the SES identity, the name is used until the shop sets one.
	addr, err := mail.ParseAddress(from)
	fn.Must("read configuration", err)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	h, err := notify.NewHandler(notify.Deps{
		Idempotency: store.Idempotency(), Settings: store.Settings(), Orders: store,
		Sender: notify.NewSESSender(notify.NewSESClient(fn.AWS)), Metrics: platform.StdoutMetrics(), Logger: fn.Log,
	}, notify.Config{MailFrom: addr.Address, MailFromName: addr.Name, DefaultLanguage: notify.French})
	fn.Must("build the handler", err)
	lambda.Start(h.Handle)
}
