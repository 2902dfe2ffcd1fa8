package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/ordersmith/ordersmith/internal/order"
)

var _ order.DocumentStore = (*Documents)(nil)
var _ order.DocumentFiles = (*Files)(nil)

// Documents is the in-memory order.DocumentStore: the series heads, the
// documents by number and by (order, kind, reason), behind one mutex.
type Documents struct {
	mu      sync.Mutex
	heads   map[string]order.SeriesHead // series + "\x00" + year
	byNum   map[string]order.Document
	byOrder map[string]string // order + kind + reason → number
	ofOrder map[string][]string
}

// NewDocuments returns an empty document store.
func NewDocuments() *Documents {
	return &Documents{heads: map[string]order.SeriesHead{}, byNum: map[string]order.Document{},
		byOrder: map[string]string{}, ofOrder: map[string][]string{}}
}

func seriesKey(series string, year int) string { return fmt.Sprintf("%s\x00%d", series, year) }

func orderDocKey(orderID string, k order.DocumentKind, reason string) string {
	return orderID + "\x00" + string(k) + "\x00" + reason
}

// SeriesHead implements order.DocumentStore.
func (s *Documents) SeriesHead(_ context.Context, series string, year int) (order.SeriesHead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads[seriesKey(series, year)], nil
}

// Record implements order.DocumentStore.
func (s *Documents) Record(_ context.Context, d order.Document, head order.SeriesHead) error {
	const op = "memstore.Documents.Record"
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byOrder[orderDocKey(d.OrderID, d.Kind, d.Reason)]; ok {
		return order.E(op, order.Conflict, order.CodeDocumentExists, fmt.Sprintf("order %s already has its %s", d.OrderID, d.Kind))
	}
	sk := seriesKey(d.Series, d.Year)
	if s.heads[sk] != head || d.Seq != head.Seq+1 {
		return order.E(op, order.Conflict, order.CodeSeriesMoved, fmt.Sprintf("series %s%d is no longer at %d", d.Series, d.Year, head.Seq))
	}
	if _, ok := s.byNum[d.Number]; ok {
		return order.E(op, order.Conflict, order.CodeSeriesMoved, fmt.Sprintf("number %s is taken", d.Number))
	}
	s.heads[sk] = order.SeriesHead{Seq: d.Seq, ChainHash: d.ChainHash}
	s.byNum[d.Number] = d
	s.byOrder[orderDocKey(d.OrderID, d.Kind, d.Reason)] = d.Number
	s.ofOrder[d.OrderID] = append(s.ofOrder[d.OrderID], d.Number)
	return nil
}

// OrderDocument implements order.DocumentStore.
func (s *Documents) OrderDocument(_ context.Context, orderID string, k order.DocumentKind, reason string) (order.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.byOrder[orderDocKey(orderID, k, reason)]
	if !ok {
		return order.Document{}, order.E("memstore.Documents.OrderDocument", order.NotFound, "document_not_found",
			fmt.Sprintf("order %s has no %s for %s", orderID, k, reason))
	}
	return s.byNum[n], nil
}

// OrderDocuments implements order.DocumentStore.
func (s *Documents) OrderDocuments(_ context.Context, orderID string) ([]order.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]order.Document, 0, len(s.ofOrder[orderID]))
	for _, n := range s.ofOrder[orderID] {
		out = append(out, s.byNum[n])
	}
	return out, nil
}

// Files is an in-memory order.DocumentFiles.
type Files struct {
	mu    sync.Mutex
	files map[string][]byte
}

// NewFiles returns an empty file store.
func NewFiles() *Files { return &Files{files: map[string][]byte{}} }

// PutPDF implements order.DocumentFiles.
func (f *Files) PutPDF(_ context.Context, key string, pdf []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[key] = append([]byte(nil), pdf...)
	return nil
}

// Get returns the file at key and whether there is one.
func (f *Files) Get(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.files[key]
	return b, ok
}
