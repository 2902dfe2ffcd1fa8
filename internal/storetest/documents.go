package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

// DocumentFactory builds a fresh, empty document store for one test.
type DocumentFactory func(t *testing.T) order.DocumentStore

// jsonRenderer stands in for the PDF renderer: the document as JSON is as
// deterministic, and as different from one document to the next.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, d order.Document) error { return json.NewEncoder(w).Encode(d) }

// files keeps the PDFs the invoicer stores.
type files struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (f *files) PutPDF(_ context.Context, key string, pdf []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[key] = pdf
	return nil
}

// setup gives a test a fresh store and an Invoicer over it.
func setup(t *testing.T, f DocumentFactory) (context.Context, order.DocumentStore, *order.Invoicer, *files) {
	t.Helper()
	docs := f(t)
	iv, fs := newInvoicer(t, docs)
	return t.Context(), docs, iv, fs
}

func newInvoicer(t *testing.T, docs order.DocumentStore) (*order.Invoicer, *files) {
	t.Helper()
	fs := &files{m: map[string][]byte{}}
	iv, err := order.NewInvoicer(order.InvoicerDeps{Documents: docs, Renderer: jsonRenderer{}, Files: fs})
	if err != nil {
		t.Fatal(err)
	}
	return iv, fs
}

// RunDocumentStore runs the order.DocumentStore contract, through the
// Invoicer that numbers documents with it.
func RunDocumentStore(t *testing.T, f DocumentFactory) {
	t.Run("IssueOnce", func(t *testing.T) { testIssueOnce(t, f) })
	t.Run("ConcurrentIssuesAreGapless", func(t *testing.T) { testConcurrentIssues(t, f) })
	t.Run("StaleHeadIsRefused", func(t *testing.T) { testStaleHead(t, f) })
	t.Run("YearlyReset", func(t *testing.T) { testYearlyReset(t, f) })
}

func invoiceCase(id string) invoicetest.Case {
	c := invoicetest.Cases()[0]
	o := *c.Order
	o.ID = id
	c.Order = &o
	return c
}

func testIssueOnce(t *testing.T, f DocumentFactory) {
	ctx, docs, iv, fs := setup(t, f)
	c := invoiceCase("ord-once")
	first, created, err := iv.IssueInvoice(ctx, c.Order, c.Invoicing, invoicetest.Now)
	if err != nil || !created {
		t.Fatalf("first issue: created %v, %v", created, err)
	}
	if first.Number != "F2026-00001" || first.PrevHash != "" || first.ChainHash != order.ChainHash(first) {
		t.Errorf("first invoice %s prev %q chain %q", first.Number, first.PrevHash, first.ChainHash)
	}
	if _, ok := fs.m[first.PDFKey]; !ok {
		t.Errorf("no PDF at %s", first.PDFKey)
	}
	again, created, err := iv.IssueInvoice(ctx, c.Order, c.Invoicing, invoicetest.Now.Add(time.Hour))
	if err != nil || created || again.Number != first.Number || again.ChainHash != first.ChainHash {
		t.Fatalf("repeat issue: %s created %v, %v; want %s again", again.Number, created, err, first.Number)
	}
	// A repeat racing past the first read is refused by the store itself.
	if err := docs.Record(ctx, first, order.SeriesHead{Seq: 1, ChainHash: first.ChainHash}); order.CodeOf(err) != order.CodeDocumentExists {
		t.Errorf("second record of the order's invoice: %v, want %s", err, order.CodeDocumentExists)
	}
	list, err := docs.OrderDocuments(ctx, c.Order.ID)
	if err != nil || len(list) != 1 || list[0].Number != first.Number {
		t.Errorf("OrderDocuments = %v, %v; want [%s]", list, err, first.Number)
	}
	if list, err := docs.OrderDocuments(ctx, "ord-none"); err != nil || len(list) != 0 {
		t.Errorf("OrderDocuments of an order without documents = %v, %v", list, err)
	}
	if _, err := docs.OrderDocument(ctx, "ord-none", order.InvoiceDocument, order.SaleReason); !order.IsKind(err, order.NotFound) {
		t.Errorf("OrderDocument of an order without documents: %v, want NotFound", err)
	}
}

func testConcurrentIssues(t *testing.T, f DocumentFactory) {
	ctx, docs, iv, _ := setup(t, f)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c := invoiceCase(fmt.Sprintf("ord-%02d", i))
			if _, _, err := iv.IssueInvoice(ctx, c.Order, c.Invoicing, invoicetest.Now); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	bySeq := map[int64]order.Document{}
	for i := range n {
		list, err := docs.OrderDocuments(ctx, fmt.Sprintf("ord-%02d", i))
		if err != nil || len(list) != 1 {
			t.Fatalf("order %d: %d documents, %v", i, len(list), err)
		}
		d := list[0]
		if _, dup := bySeq[d.Seq]; dup {
			t.Fatalf("number %s issued twice", d.Number)
		}
		bySeq[d.Seq] = d
	}
	prev := ""
	for seq := int64(1); seq <= n; seq++ {
		d, ok := bySeq[seq]
		if !ok {
			t.Fatalf("number %d was skipped", seq)
		}
		if d.Number != order.SeriesNumber("F", 2026, seq) || d.PrevHash != prev || d.ChainHash != order.ChainHash(d) {
			t.Fatalf("document %d: %s, prev %q (want %q), chain intact %v", seq, d.Number, d.PrevHash, prev, d.ChainHash == order.ChainHash(d))
		}
		prev = d.ChainHash
	}
	if head, err := docs.SeriesHead(ctx, "F", 2026); err != nil || head.Seq != n || head.ChainHash != prev {
		t.Errorf("head %+v, %v; want %d", head, err, n)
	}
}

func testStaleHead(t *testing.T, f DocumentFactory) {
	ctx, docs, iv, _ := setup(t, f)
	c := invoiceCase("ord-a")
	a, _, err := iv.IssueInvoice(ctx, c.Order, c.Invoicing, invoicetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	// A document numbered after a head that has moved on is refused, and
	// so is one reusing a number.
	stale := a
	stale.OrderID = "ord-b"
	if err := docs.Record(ctx, stale, order.SeriesHead{}); order.CodeOf(err) != order.CodeSeriesMoved {
		t.Errorf("record after a stale head: %v, want %s", err, order.CodeSeriesMoved)
	}
	if _, err := docs.OrderDocument(ctx, "ord-b", order.InvoiceDocument, order.SaleReason); !order.IsKind(err, order.NotFound) {
		t.Errorf("a refused record left a document: %v", err)
	}
}

func testYearlyReset(t *testing.T, f DocumentFactory) {
	ctx, _, iv, _ := setup(t, f)
	c := invoiceCase("ord-2026")
	if _, _, err := iv.IssueInvoice(ctx, c.Order, c.Invoicing, invoicetest.Now); err != nil {
		t.Fatal(err)
	}
	next := invoiceCase("ord-2027")
	next.Invoicing.InvoicePrefix = "FA"
	d, _, err := iv.IssueInvoice(ctx, next.Order, next.Invoicing, invoicetest.Now.AddDate(1, 0, 0))
	if err != nil || d.Number != "FA2027-00001" || d.PrevHash != "" {
		t.Errorf("first invoice of 2027: %s prev %q, %v; want FA2027-00001", d.Number, d.PrevHash, err)
	}
}
