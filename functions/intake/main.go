// Command intake is IntakeFunction: storefront webhooks (POST
// /webhooks/{source}) and staff's manual orders (POST /orders) into the
// order store, and the quarantine of deliveries that could not be
// processed (/quarantine). It only wires: the clients are built once per cold start and
// shared by every invocation.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/intake"
	"github.com/ordersmith/ordersmith/internal/intake/ssmsecrets"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// Environment of the function, besides platform's shared variables.
const (
	envEcwidBaseURL    = "ECWID_API_BASE_URL"   // the Ecwid REST API root, without the store id
	envEcwidStoreID    = "ECWID_STORE_ID"       // the Ecwid store whose events are accepted
	envEcwidCurrency   = "ECWID_STORE_CURRENCY" // the Ecwid store's currency
	envSecretsMaxAge   = "SECRETS_MAX_AGE"      // how long read secrets are reused, e.g. "1m"
	envSettingsMaxAge  = "SETTINGS_MAX_AGE"     // how long shop settings and rates are reused
	ecwidTokenParamKey = "ecwid/api-token"      // under SECRETS_PREFIX
)

func main() {
	var ecwidBase, ecwidStoreID, ecwidCurrency string
	var secretsMaxAge, settingsMaxAge time.Duration
	fn := platform.Boot(func(env *platform.Env) {
		ecwidBase = env.Optional(envEcwidBaseURL, webhook.DefaultEcwidBaseURL)
		ecwidStoreID = env.Optional(envEcwidStoreID, "") // empty: every Ecwid event is refused
		ecwidCurrency = env.Optional(envEcwidCurrency, order.EUR.Code())
		secretsMaxAge = env.Duration(envSecretsMaxAge, ssmsecrets.DefaultMaxAge)
		settingsMaxAge = env.Duration(envSettingsMaxAge, order.DefaultIntakeCacheMaxAge)
	})

	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	svc, err := order.NewIntake(order.IntakeDeps{
		Orders: store, Idempotency: store.Idempotency(), Settings: store.Settings(), Rates: store.Rates(), Carts: store.Carts(),
	}, order.IntakeConfig{Now: platform.SystemClock, CacheMaxAge: settingsMaxAge})
	fn.Must("build the intake", err)
	secrets := ssmsecrets.New(ssmsecrets.NewClient(fn.AWS), fn.Config.SecretsPrefix, ssmsecrets.WithMaxAge(secretsMaxAge))
	token := func(ctx context.Context) (string, error) { return secrets.Parameter(ctx, ecwidTokenParamKey) }
	deps := webhook.Deps{
		Secrets:      secrets,
		Ecwid:        intake.NewEcwid(token, ecwidBase, ecwidCurrency, nil),
		EcwidStoreID: ecwidStoreID,
		Now:          time.Now,
	}
	h, err := intake.New(svc, deps, intake.Config{Quarantine: store.Quarantine(), Metrics: platform.StdoutMetrics()})
	fn.Must("build the intake handlers", err)
	lambda.Start(h.Router(apihttp.WithLogger(fn.Log)).Serve)
}
