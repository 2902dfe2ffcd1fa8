// Command cartreminders is CartRemindersFunction: every 15 minutes it sends
// the abandoned-cart reminders that are due through SES v2, and it answers
// the e-mails' unsubscribe and recovery links (internal/cartreminders). It
// only wires.
package main

import (
	"context"
	"net/mail"
	_ "time/tzdata" // quiet hours in the customer's time zone, whatever the runtime ships

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/cartreminders"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/intake/ssmsecrets"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// envPublicURL is the API's public base URL, under which the links point.
const envPublicURL = "PUBLIC_API_URL"

func main() {
	var from, publicURL string
	fn := platform.Boot(func(env *platform.Env) {
		from = env.RequiredAddress(platform.EnvMailFrom)
		publicURL = env.Required(envPublicURL)
	})
	addr, err := mail.ParseAddress(from)
	fn.Must("read configuration", err)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	secrets := ssmsecrets.New(ssmsecrets.NewClient(fn.AWS), fn.Config.SecretsPrefix)
	tokens, err := cartreminders.NewTokens(func(ctx context.Context) ([]byte, error) {
		v, err := secrets.Parameter(ctx, cartreminders.TokenKeyParameter)
		return []byte(v), err
	})
	fn.Must("build the link signer", err)
	h, err := cartreminders.New(cartreminders.Deps{
		Carts: store.Carts(), Recovery: store.Recovery(), Orders: store, Settings: store.Settings(),
		Sender: notify.NewSESSender(notify.NewSESClient(fn.AWS)), Tokens: tokens, Metrics: platform.StdoutMetrics(), Logger: fn.Log,
	}, cartreminders.Config{MailFrom: addr.Address, MailFromName: addr.Name, PublicURL: publicURL, DefaultLanguage: notify.French})
	fn.Must("build the handler", err)
	lambda.Start(h.Lambda(h.Router(apihttp.WithLogger(fn.Log))))
}
