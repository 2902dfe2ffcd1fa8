// Command exports is ExportsFunction: finance's exports (POST /exports,
// GET /exports/{id}, GET /exports), which it queues to ExportWorkerFunction
// and shows with a download link. It only wires.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/exports"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// envExportsQueueURL names the queue the exports are handed to.
const envExportsQueueURL = "EXPORTS_QUEUE_URL"

func main() {
	var queueURL, bucket string
	fn := platform.Boot(func(env *platform.Env) {
		queueURL = env.Required(envExportsQueueURL)
		bucket = env.Required(platform.EnvExportsBucket)
	})
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	queue, err := exports.NewQueue(sqs.NewFromConfig(fn.AWS), queueURL)
	fn.Must("build the exports queue", err)
	links, err := exports.NewLinks(s3.NewPresignClient(s3.NewFromConfig(fn.AWS, platform.S3Options[s3.Options])), bucket)
	fn.Must("build the download links", err)
	svc, err := order.NewExports(order.ExportDeps{Store: store.Exports(), Orders: store, Queue: queue, Links: links, CheckFormat: exports.CheckFormat})
	fn.Must("build the exports service", err)
	api, err := exports.NewAPI(svc)
	fn.Must("build the exports API", err)
	lambda.Start(api.Router(apihttp.WithLogger(fn.Log)).Serve)
}
