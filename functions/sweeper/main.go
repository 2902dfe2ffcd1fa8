// Command sweeper is SweeperFunction: on its schedule it numbers the
// accepted storefront orders the table's stream left pending and publishes
// the outbox events it left unpublished to every queue of EVENT_QUEUE_URLS
// (internal/sweeper over the DynamoDB store and the outbox relay). It only
// wires.
package main

import (
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
	var queues []string
	fn := platform.Boot(func(env *platform.Env) { queues = env.List(outbox.EnvQueueURLs) })
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(),
		Metrics: platform.StdoutMetrics(), Logger: fn.Log})
	fn.Must("build the numberer", err)
	relay, err := outbox.New(outbox.Deps{SQS: sqs.NewFromConfig(fn.AWS), Records: dynamo.Stream{}, Outbox: store, Logger: fn.Log}, queues)
	fn.Must("build the relay", err)
	s, err := sweeper.New(sweeper.Deps{Pending: store, Numberer: n, Outbox: store, Publisher: relay, Logger: fn.Log})
	fn.Must("build the sweeper", err)
	lambda.Start(s.Handle)
}
