// Command sweeper is SweeperFunction: on its schedule it numbers the
// accepted storefront orders the table's stream left pending
// (internal/sweeper over the DynamoDB store). It only wires.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/sweeper"
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
	s, err := sweeper.New(sweeper.Deps{Pending: store, Numberer: n, Logger: logger})
	if err != nil {
		platform.FailInit(logger, "build the sweeper", err)
	}
	lambda.Start(s.Handle)
}
