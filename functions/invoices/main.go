// Command invoices is the invoice Lambda: it consumes the InvoicesQueue and
// issues an order's invoice when the settings say (at creation, at payment),
// never while the order is on hold (internal/invoices).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ordersmith/ordersmith/internal/invoices"
	"github.com/ordersmith/ordersmith/internal/platform"
)

func main() {
	var bucket string
	fn := platform.Boot(func(env *platform.Env) { bucket = env.Required(invoices.DocumentsBucketVar) })
	svc, _, err := invoices.Wire(fn, bucket)
	fn.Must("build the invoice service", err)
	h, err := invoices.NewConsumer(svc, fn.Log)
	fn.Must("build the handler", err)
	lambda.Start(h.Handle)
}
