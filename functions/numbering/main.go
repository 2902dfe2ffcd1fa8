// Command numbering is NumberingFunction: it numbers the accepted
// storefront orders of the OrdersTable stream (internal/numbering over the
// DynamoDB store). It only wires.
package main

import (
	"context"
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
	logger := platform.Logger()
	cfg, err := platform.LoadConfig()
	if err != nil {
		platform.FailInit(logger, "read settings", err)
	}
	awsCfg, err := platform.AWSConfig(context.Background())
	if err != nil {
		platform.FailInit(logger, "load AWS config", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	skipped, err := onfailure.NewQueue(sqs.NewFromConfig(awsCfg), os.Getenv(onfailure.EnvQueueURL))
	if err != nil {
		platform.FailInit(logger, "build the on-failure recorder", err)
	}
	n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(), Skipped: skipped,
		Metrics: platform.StdoutMetrics(), Logger: logger})
	if err != nil {
		platform.FailInit(logger, "build the numberer", err)
	}
	lambda.Start(n.Handle)
}
