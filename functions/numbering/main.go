// Command numbering is NumberingFunction: it numbers the accepted
// storefront orders of the OrdersTable stream (internal/numbering over the
// DynamoDB store). It only wires.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
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
	n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(), Logger: logger})
	if err != nil {
		platform.FailInit(logger, "build the numberer", err)
	}
	lambda.Start(n.Handle)
}
