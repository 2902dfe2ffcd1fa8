// Command outboxrelay is OutboxRelayFunction: it publishes the outbox
// events of the OrdersTable stream to every queue of EVENT_QUEUE_URLS and
// marks them published in the table. It only wires.
package main

import (
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
	var queues []string
	fn := platform.Boot(func(env *platform.Env) { queues = env.List(outbox.EnvQueueURLs) })
	sqsClient := sqs.NewFromConfig(fn.AWS)
	skipped, err := onfailure.NewQueue(sqsClient, os.Getenv(onfailure.EnvQueueURL))
	fn.Must("build the on-failure recorder", err)
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	relay, err := outbox.New(outbox.Deps{SQS: sqsClient, Records: dynamo.Stream{}, Outbox: store, Skipped: skipped, Logger: fn.Log}, queues)
	fn.Must("build the relay", err)
	lambda.Start(relay.Handle)
}
