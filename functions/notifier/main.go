// Command notifier is the customer e-mail Lambda: it consumes the
// NotificationsQueue and sends each order event's e-mail once through SES
// v2 (internal/notify).
package main

import (
	"context"
	"net/mail"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	logger := platform.Logger()
	env := platform.NewEnv(os.LookupEnv)
	cfg := platform.ReadConfig(env)
	from := env.RequiredAddress(platform.EnvMailFrom)
	if err := env.Err(); err != nil {
		platform.FailInit(logger, "read settings", err)
	}
	// MAIL_FROM may carry a display name ("Boutique <b@example.com>"): the
	// address is the SES identity, the name is used until the shop sets one.
	addr, err := mail.ParseAddress(from)
	if err != nil {
		platform.FailInit(logger, "read settings", err)
	}
	awsCfg, err := platform.AWSConfig(context.Background())
	if err != nil {
		platform.FailInit(logger, "load AWS config", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	h, err := notify.NewHandler(notify.Deps{
		Idempotency: store.Idempotency(), Settings: store.Settings(), Orders: store,
		Sender: notify.NewSESSender(notify.NewSESClient(awsCfg)), Metrics: platform.StdoutMetrics(), Logger: logger,
	}, notify.Config{MailFrom: addr.Address, MailFromName: addr.Name, DefaultLanguage: notify.French})
	if err != nil {
		platform.FailInit(logger, "build the handler", err)
	}
	lambda.Start(h.Handle)
}
