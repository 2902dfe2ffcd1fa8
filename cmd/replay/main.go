// Command replay re-drives the on-failure queue of a stream consumer once
// the cause of its failures is mended: each message's records are read back
// from the table's stream and run through the consumer's own handler, and
// the message is deleted when they all went through (internal/onfailure).
//
//	go run ./cmd/replay -consumer numbering -queue <NumberingDLQ URL>
//	go run ./cmd/replay -consumer outbox -queue <OutboxRelayDLQ URL>
//
// It reads the functions' configuration from the environment (TABLE_NAME;
// EVENT_QUEUE_URLS for the relay) and the standard AWS variables. A record
// skipped again is recorded again in the same queue, for the next run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/onfailure"
	"github.com/ordersmith/ordersmith/internal/outbox"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	name := fs.String("consumer", "", "the consumer whose on-failure queue it is: numbering or outbox")
	queue := fs.String("queue", "", "the URL of the on-failure queue")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *queue == "" {
		return errors.New("-queue is required")
	}
	log := platform.Logger()
	awsCfg, err := platform.AWSConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	handler, err := consumerHandler(*name, awsCfg, *queue, log)
	if err != nil {
		return err
	}
	r, err := onfailure.NewReplayer(onfailure.ReplayDeps{Streams: dynamodbstreams.NewFromConfig(awsCfg), Queue: sqs.NewFromConfig(awsCfg),
		Handler: handler, Logger: log}, *queue, awsCfg.Region)
	if err != nil {
		return err
	}
	res, err := r.Run(ctx)
	log.InfoContext(ctx, "replay done", "consumer", *name, "replayed", res.Replayed, "kept", res.Kept)
	return err
}

// consumerHandler builds the handler of the consumer named name, as its
// function's composition root does, recording what it skips in queue.
func consumerHandler(name string, awsCfg aws.Config, queue string, log *slog.Logger) (onfailure.Handler, error) {
	skipped, err := onfailure.NewQueue(sqs.NewFromConfig(awsCfg), queue)
	if err != nil {
		return nil, err
	}
	cfg, err := platform.LoadConfig()
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	switch name {
	case "numbering":
		store := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
		n, err := numbering.New(numbering.Deps{Orders: store, Records: dynamo.Stream{}, Carts: store.Carts(), Skipped: skipped, Logger: log})
		if err != nil {
			return nil, err
		}
		return n.Handle, nil
	case "outbox":
		queues := platform.SplitList(os.Getenv(outbox.EnvQueueURLs))
		relay, err := outbox.New(outbox.Deps{SQS: sqs.NewFromConfig(awsCfg), Records: dynamo.Stream{},
			Outbox: dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName), Skipped: skipped, Logger: log}, queues)
		if err != nil {
			return nil, err
		}
		return relay.Handle, nil
	}
	return nil, fmt.Errorf("-consumer is %q: want numbering or outbox", name)
}
