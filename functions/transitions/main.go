// Command transitions is the admin API Lambda: order reads, payment and
// fulfilment transitions, the order page's actions, history and stock
// counts (internal/adminapi over order.Lifecycle and the DynamoDB store).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/adminapi"
	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	fn := platform.Boot(nil)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	svc, err := order.NewLifecycle(order.LifecycleDeps{Orders: store, Settings: store.Settings(), Stock: store.Stock(), Now: platform.SystemClock})
	fn.Must("build the lifecycle", err)
	api, err := adminapi.New(svc)
	fn.Must("build the admin API", err)
	lambda.Start(api.Router(apihttp.WithLogger(fn.Log)).Serve)
}
