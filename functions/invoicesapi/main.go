// Command invoicesapi is the documents API Lambda: it issues an order's
// invoice by hand and lists an order's documents with links valid 15
// minutes (internal/invoices).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/docfiles"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/invoicepdf"
	"github.com/ordersmith/ordersmith/internal/invoices"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	var bucket string
	fn := platform.Boot(func(env *platform.Env) { bucket = env.Required("DOCUMENTS_BUCKET") })
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	files, err := docfiles.New(s3.NewFromConfig(fn.AWS, platform.S3Options[s3.Options]), bucket)
	fn.Must("build the documents bucket", err)
	svc, err := invoices.NewService(invoices.ServiceDeps{Orders: store, Settings: store.Settings(),
		Documents: store.Documents(), Files: files, Renderer: invoicepdf.Renderer{}})
	fn.Must("build the invoice service", err)
	api, err := invoices.NewAPI(svc, files)
	fn.Must("build the documents API", err)
	lambda.Start(api.Router(apihttp.WithLogger(fn.Log)).Serve)
}
