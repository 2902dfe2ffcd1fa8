package invoices_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/docfiles"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/invoicepdf"
	"github.com/ordersmith/ordersmith/internal/invoices"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// TestIssueEndToEnd runs the invoice path on the local emulators: an order
// stored in DynamoDB Local and paid, the shop's invoicing settings saved,
// the OrderPaid event consumed (twice), then the order's documents listed:
// one invoice, whose link downloads from moto the PDF of the recorded
// SHA-256.
func TestIssueEndToEnd(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	store := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), localawstest.NewTable(t, cfg))
	bucket, err := docfiles.New(localaws.NewClients(cfg).S3, localawstest.NewBucket(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	set := order.DefaultSettings("Atelier Céleste", "shop@example.com")
	set.Invoicing = invoicetest.Invoicing()
	if _, err := store.Settings().Put(ctx, set, 0); err != nil {
		t.Fatal(err)
	}
	o, err := store.Create(ctx, invoicetest.Cases()[1].Order, order.CreateOptions{Prefix: "CDA"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := invoices.NewService(invoices.ServiceDeps{Orders: store, Settings: store.Settings(), Documents: store.Documents(),
		Files: bucket, Renderer: invoicepdf.Renderer{}, Now: func() time.Time { return invoicetest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := invoices.NewConsumer(svc, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{}
	body := f.event(t, order.OrderPaid, o.ID)
	for _, want := range []order.InvoiceOutcome{order.InvoiceIssued, order.InvoiceExisting} {
		if _, got, err := cons.HandleMessage(ctx, body); err != nil || got != want {
			t.Fatalf("OrderPaid: %v, %v; want %v", got, err, want)
		}
	}
	api, err := invoices.NewAPI(svc, bucket)
	if err != nil {
		t.Fatal(err)
	}
	status, list := serve(t, api.Router(apihttp.WithLogger(slog.New(slog.DiscardHandler))), "GET /orders/{id}/documents", o.ID, "orders:read")
	docs, _ := list["documents"].([]any)
	if status != 200 || len(docs) != 1 {
		t.Fatalf("GET documents: %d %v; want one", status, list)
	}
	doc := docs[0].(map[string]any)
	if doc["number"] != "F2026-00001" {
		t.Errorf("number %v, want F2026-00001", doc["number"])
	}
	resp, err := http.Get(doc["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pdf, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256(pdf)
	if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != doc["pdfSha256"] {
		t.Errorf("the linked PDF (%d, %d bytes) does not match the recorded SHA-256", resp.StatusCode, len(pdf))
	}
}
