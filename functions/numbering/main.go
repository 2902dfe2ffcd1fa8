// Command numbering is NumberingFunction: it numbers the accepted
// storefront orders of the OrdersTable stream (internal/numbering over the
// DynamoDB store). It only wires.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/onfailure"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	fn := platform.Boot(nil)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	skipped, err := onfailure.NewQueue(sqs.NewFromConfig(fn.AWS), os.Getenv(onfailure.EnvQueueURL))
	fn.Must("build the on-failure recorder", err)
	n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(), Skipped: skipped,
		Metrics: platform.StdoutMetrics(), Logger: fn.Log})
	fn.Must("build the numberer", err)
	lambda.Start(n.Handle)
}
