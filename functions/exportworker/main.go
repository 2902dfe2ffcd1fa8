// Command exportworker is ExportWorkerFunction: it consumes the ExportsQueue
// and writes each export to the exports bucket (internal/exports). It only
// wires.
package main

import (
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/exports"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// envExportLease is how long a claim holds: the function's timeout.
const envExportLease = "EXPORT_LEASE"

func main() {
	var bucket string
	var lease time.Duration
	fn := platform.Boot(func(env *platform.Env) {
		bucket = env.Required(platform.EnvExportsBucket)
		lease = env.Duration(envExportLease, 15*time.Minute)
	})
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	objects := s3.NewFromConfig(fn.AWS, platform.S3Options[s3.Options])
	// The worker neither queues nor links: those ports refuse to be used.
	svc, err := order.NewExports(order.ExportDeps{Store: store.Exports(), Orders: store, Queue: order.NoExportQueue{}, Links: order.NoExportLinks{}, CheckFormat: exports.CheckFormat})
	fn.Must("build the exports service", err)
	w, err := exports.NewWorker(exports.WorkerDeps{Exports: svc, S3: objects, Bucket: bucket, Lease: lease, Logger: fn.Log})
	fn.Must("build the worker", err)
	lambda.Start(w.Handle)
}
