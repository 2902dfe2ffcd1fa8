package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Exports is the in-memory order.ExportStore, with the table's semantics:
// the claim and every report are conditional on the status and the attempt,
// List pages newest first with opaque cursors.
type Exports struct {
	mu    sync.Mutex
	items map[string]*order.Export
}

var _ order.ExportStore = (*Exports)(nil)

// NewExports returns an empty export store.
func NewExports() *Exports { return &Exports{items: map[string]*order.Export{}} }

func copyExport(e *order.Export) *order.Export {
	c := *e
	c.Filter.PaymentStatuses = slices.Clone(e.Filter.PaymentStatuses)
	c.Filter.FulfilmentStatuses = slices.Clone(e.Filter.FulfilmentStatuses)
	c.Filter.Sources = slices.Clone(e.Filter.Sources)
	c.Filter.OrderIDs = slices.Clone(e.Filter.OrderIDs)
	c.Format.Columns = slices.Clone(e.Format.Columns)
	return &c
}

func exportNotFound(op, id string) error {
	return order.E(op, order.NotFound, order.CodeNotFound, "no export "+id)
}

// Create implements order.ExportStore.
func (x *Exports) Create(_ context.Context, e *order.Export) error {
	const op = "memstore.Exports.Create"
	if err := order.ValidID(op, "the export id", e.ID); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.items[e.ID]; ok {
		return order.E(op, order.Conflict, order.CodeAlreadyExists, "the export "+e.ID+" already exists")
	}
	x.items[e.ID] = copyExport(e)
	return nil
}

// Get implements order.ExportStore.
func (x *Exports) Get(_ context.Context, id string) (*order.Export, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.items[id]
	if !ok {
		return nil, exportNotFound("memstore.Exports.Get", id)
	}
	return copyExport(e), nil
}

// List implements order.ExportStore.
func (x *Exports) List(_ context.Context, page order.PageRequest) (order.Page[order.Export], error) {
	const op = "memstore.Exports.List"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Export]{}, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	all := make([]*order.Export, 0, len(x.items))
	for _, e := range x.items {
		all = append(all, e)
	}
	return newestFirst(op, page.Cursor, "exports", limit, all,
		func(e *order.Export) string { return fmtTime(e.CreatedAt) + "#" + e.ID },
		func(e *order.Export) (order.Export, error) { return *copyExport(e), nil })
}

// Claim implements order.ExportStore.
func (x *Exports) Claim(_ context.Context, id string, now time.Time, lease time.Duration) (*order.Export, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.items[id]
	if !ok {
		return nil, exportNotFound("memstore.Exports.Claim", id)
	}
	c := copyExport(e)
	if err := order.ClaimExport(c, now.UTC(), lease); err != nil {
		return nil, err
	}
	x.items[id] = c
	return copyExport(c), nil
}

// report applies change to the export when attempt holds its claim.
func (x *Exports) report(op, id string, attempt int64, change func(e *order.Export)) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.items[id]
	if !ok {
		return exportNotFound(op, id)
	}
	if err := order.CheckExportClaim(e, attempt); err != nil {
		return err
	}
	change(e)
	return nil
}

// Progress implements order.ExportStore.
func (x *Exports) Progress(_ context.Context, id string, attempt, rows int64) error {
	return x.report("memstore.Exports.Progress", id, attempt, func(e *order.Export) { e.Rows = rows })
}

// Finish implements order.ExportStore.
func (x *Exports) Finish(_ context.Context, id string, attempt int64, r order.ExportResult, now time.Time) error {
	return x.report("memstore.Exports.Finish", id, attempt, func(e *order.Export) { order.FinishExport(e, r, now) })
}

// Fail implements order.ExportStore.
func (x *Exports) Fail(_ context.Context, id string, attempt int64, reason string, now time.Time) error {
	return x.report("memstore.Exports.Fail", id, attempt, func(e *order.Export) { order.FailExport(e, reason, now) })
}
