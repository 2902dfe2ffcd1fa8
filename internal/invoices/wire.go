package invoices

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ordersmith/ordersmith/internal/docfiles"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/invoicepdf"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// ServiceDeps are the stores and adapters both invoice functions wire.
type ServiceDeps struct {
	Orders    order.OrderGetter
	Settings  order.SettingsReader
	Documents order.DocumentStore
	Files     order.DocumentFiles
	Renderer  order.DocumentRenderer
	Now       func() time.Time // nil is the system clock
}

// NewService builds the invoice service both functions call: the Invoicer
// over the documents, the renderer and the files, and the rules over it.
func NewService(d ServiceDeps) (*order.InvoiceService, error) {
	iv, err := order.NewInvoicer(order.InvoicerDeps{Documents: d.Documents, Renderer: d.Renderer, Files: d.Files})
	if err != nil {
		return nil, err
	}
	return order.NewInvoiceService(order.InvoiceServiceDeps{Invoicer: iv, Orders: d.Orders, Settings: d.Settings, Documents: d.Documents, Now: d.Now})
}

// DocumentsBucketVar names the documents bucket in both functions' environment.
const DocumentsBucketVar = "DOCUMENTS_BUCKET"

// Wire builds, for a function's composition root, the service both invoice
// functions run on over the table and the documents bucket, and the bucket
// (the API's links). It makes no AWS call.
func Wire(fn *platform.Function, bucket string) (*order.InvoiceService, *docfiles.Bucket, error) {
	store := dynamo.New(dynamodb.NewFromConfig(fn.AWS), fn.Config.TableName)
	files, err := docfiles.New(s3.NewFromConfig(fn.AWS, platform.S3Options[s3.Options]), bucket)
	if err != nil {
		return nil, nil, err
	}
	svc, err := NewService(ServiceDeps{Orders: store, Settings: store.Settings(), Documents: store.Documents(),
		Files: files, Renderer: invoicepdf.Renderer{}})
	return svc, files, err
}
