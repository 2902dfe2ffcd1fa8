// Command outboxrelay is OutboxRelayFunction: it publishes the outbox
// events of the OrdersTable stream to every queue of EVENT_QUEUE_URLS and
// marks them published in the table. It only wires.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/onfailure"
	"github.com/ordersmith/ordersmith/internal/outbox"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	log := platform.Logger()
	ctx := context.Background()
	queues := outbox.ParseQueueURLs(os.Getenv(outbox.EnvQueueURLs))
	if len(queues) == 0 {
		platform.FailInit(log, "read configuration", errors.New(outbox.EnvQueueURLs+" lists no queue"))
	}
	cfg, err := platform.LoadConfig()
	if err != nil {
		platform.FailInit(log, "read settings", err)
	}
	awsCfg, err := platform.AWSConfig(ctx)
	if err != nil {
		platform.FailInit(log, "load AWS configuration", err)
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	skipped, err := onfailure.NewQueue(sqsClient, os.Getenv(onfailure.EnvQueueURL))
	if err != nil {
		platform.FailInit(log, "build the on-failure recorder", err)
	}
	relay, err := outbox.New(outbox.Deps{SQS: sqsClient, Records: dynamo.Stream{}, Outbox: dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName), Skipped: skipped, Logger: log}, queues)
	if err != nil {
		platform.FailInit(log, "build the relay", err)
	}
	lambda.Start(relay.Handle)
}
