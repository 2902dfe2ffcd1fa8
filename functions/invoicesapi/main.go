// Command invoicesapi is the documents API Lambda: it issues an order's
// invoice by hand and lists an order's documents with links valid 15
// minutes (internal/invoices).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/invoices"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	var bucket string
	fn := platform.Boot(func(env *platform.Env) { bucket = env.Required(invoices.DocumentsBucketVar) })
	svc, files, err := invoices.Wire(fn, bucket)
	fn.Must("build the invoice service", err)
	api, err := invoices.NewAPI(svc, files)
	fn.Must("build the documents API", err)
	lambda.Start(api.Router(apihttp.WithLogger(fn.Log)).Serve)
}
