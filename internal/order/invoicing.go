package order

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"
)

// SeriesHead is the last document of a series and year: its sequence
// number (0 before the first) and its chain hash.
type SeriesHead struct {
	Seq       int64
	ChainHash string
}

// Codes of the DocumentStore's refusals.
const (
	CodeSeriesMoved    = "series_moved"    // another document took the number: read the head again
	CodeDocumentExists = "document_exists" // the order already has its document for this reason
)

// DocumentStore keeps issued documents and their series.
type DocumentStore interface {
	// SeriesHead reads the head of series and year.
	SeriesHead(ctx context.Context, series string, year int) (SeriesHead, error)
	// Record stores d in one transaction: the series' counter moves from
	// head to d.Seq (only if it is still at head, else Conflict
	// CodeSeriesMoved), the document's number must be free, and the
	// (order, kind, reason) of d must have no document yet (else Conflict
	// CodeDocumentExists). Nothing is written on a refusal.
	Record(ctx context.Context, d Document, head SeriesHead) error
	// OrderDocument returns the document of the order for kind and reason,
	// or NotFound.
	OrderDocument(ctx context.Context, orderID string, kind DocumentKind, reason string) (Document, error)
	// OrderDocuments lists the documents of an order, in issue order.
	OrderDocuments(ctx context.Context, orderID string) ([]Document, error)
}

// DocumentRenderer writes a document as a PDF.
type DocumentRenderer interface {
	Render(w io.Writer, d Document) error
}

// DocumentFiles keeps the documents' PDFs (a private bucket).
type DocumentFiles interface {
	PutPDF(ctx context.Context, key string, pdf []byte) error
}

// Invoicer issues documents: numbered, rendered, stored and chained.
type Invoicer struct {
	docs     DocumentStore
	renderer DocumentRenderer
	files    DocumentFiles
	attempts int
}

// InvoicerDeps are the ports of an Invoicer.
type InvoicerDeps struct {
	Documents DocumentStore
	Renderer  DocumentRenderer
	Files     DocumentFiles
}

// maxIssueAttempts bounds the retries of an issue whose number another
// issue took meanwhile: each retry means another document was issued.
const maxIssueAttempts = 100

// NewInvoicer returns an Invoicer. Every port is required.
func NewInvoicer(d InvoicerDeps) (*Invoicer, error) {
	if err := RequireDeps("order.NewInvoicer", Need("Documents", d.Documents), Need("Renderer", d.Renderer), Need("Files", d.Files)); err != nil {
		return nil, err
	}
	return &Invoicer{docs: d.Documents, renderer: d.Renderer, files: d.Files, attempts: maxIssueAttempts}, nil
}

// IssueInvoice issues the invoice of o (NewInvoice) at now, or returns the
// one already issued for it (created false). The number is the next of the
// series and year, taken in the transaction that records the document: the
// PDF is rendered with it and stored first under a key unique to its
// content, so that a recorded document always has its PDF; an issue whose
// number was taken meanwhile renders again with the next one.
func (iv *Invoicer) IssueInvoice(ctx context.Context, o *Order, in Invoicing, now time.Time) (Document, bool, error) {
	const op = "order.Invoicer.IssueInvoice"
	if d, err := iv.docs.OrderDocument(ctx, o.ID, InvoiceDocument, SaleReason); err == nil {
		return d, false, nil
	} else if !IsKind(err, NotFound) {
		return Document{}, false, err
	}
	draft, err := NewInvoice(o, in, now)
	if err != nil {
		return Document{}, false, err
	}
	for range iv.attempts {
		head, err := iv.docs.SeriesHead(ctx, draft.Series, draft.Year)
		if err != nil {
			return Document{}, false, err
		}
		d, pdf, err := iv.seal(draft, head)
		if err != nil {
			return Document{}, false, err
		}
		if err := iv.files.PutPDF(ctx, d.PDFKey, pdf); err != nil {
			return Document{}, false, fmt.Errorf("store the PDF of %s: %w", d.Number, err)
		}
		err = iv.docs.Record(ctx, d, head)
		switch {
		case err == nil:
			return d, true, nil
		case CodeOf(err) == CodeDocumentExists:
			d, err := iv.docs.OrderDocument(ctx, o.ID, InvoiceDocument, SaleReason)
			return d, false, err
		case CodeOf(err) != CodeSeriesMoved:
			return Document{}, false, err
		}
	}
	return Document{}, false, E(op, Transient, "series_busy", fmt.Sprintf("series %s%d moved %d times: retry later", draft.Series, draft.Year, iv.attempts))
}

// seal numbers the draft after head, renders it and chains it.
func (iv *Invoicer) seal(d Document, head SeriesHead) (Document, []byte, error) {
	d.Seq = head.Seq + 1
	d.Number = SeriesNumber(d.Series, d.Year, d.Seq)
	var buf bytes.Buffer
	if err := iv.renderer.Render(&buf, d); err != nil {
		return Document{}, nil, Wrap("order.Invoicer.seal", Internal, "render_failed", "render "+d.Number, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	d.PDFSHA256 = hex.EncodeToString(sum[:])
	d.PrevHash = head.ChainHash
	d.ChainHash = ChainHash(d)
	d.PDFKey = fmt.Sprintf("documents/%s/%d/%s-%s.pdf", d.Series, d.Year, d.Number, d.PDFSHA256[:16])
	return d, buf.Bytes(), nil
}

// ChainHash is the SHA-256 of what proves a document's place in its
// series: the previous document's chain hash, its number, kind, order, issue
// date, grand total and PDF hash. Changing any of them, or removing a
// document, breaks the chain of every later one.
func ChainHash(d Document) string {
	h := sha256.New()
	for _, part := range []string{d.PrevHash, d.Number, string(d.Kind), d.OrderID, d.IssueDate.String(),
		d.Grand.String(), d.PDFSHA256, strconv.FormatInt(d.Seq, 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
