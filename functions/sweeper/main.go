// Command sweeper is SweeperFunction: on its schedule it numbers the
// accepted storefront orders the table's stream left pending and publishes
// the outbox events it left unpublished to every queue of EVENT_QUEUE_URLS
// (internal/sweeper over the DynamoDB store and the outbox relay). It only
// wires.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/outbox"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/sweeper"
)

func main() {
	logger := platform.Logger()
	cfg, err := platform.LoadConfig()
	if err != nil {
		platform.FailInit(logger, "read settings", err)
	}
	queues := outbox.ParseQueueURLs(os.Getenv(outbox.EnvQueueURLs))
	if len(queues) == 0 {
		platform.FailInit(logger, "read configuration", errors.New(outbox.EnvQueueURLs+" lists no queue"))
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
	relay, err := outbox.New(outbox.Deps{SQS: sqs.NewFromConfig(awsCfg), Records: dynamo.Stream{}, Outbox: store, Logger: logger}, queues)
	if err != nil {
		platform.FailInit(logger, "build the relay", err)
	}
	s, err := sweeper.New(sweeper.Deps{Pending: store, Numberer: n, Outbox: store, Publisher: relay, Logger: logger})
	if err != nil {
		platform.FailInit(logger, "build the sweeper", err)
	}
	lambda.Start(s.Handle)
}
