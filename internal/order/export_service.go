package order

import (
	"context"
	"errors"
	"time"

	"github.com/oklog/ulid/v2"
)

// ExportOrders reads the orders an export selects.
type ExportOrders interface {
	Get(ctx context.Context, id string) (*Order, error)
	List(ctx context.Context, q ListQuery) (Page[Order], error)
}

// ExportQueue hands a queued export to the workers.
type ExportQueue interface {
	EnqueueExport(ctx context.Context, id string) error
}

// ExportLinks gives a time-limited download link to a finished export's file.
type ExportLinks interface {
	DownloadURL(ctx context.Context, key string) (url string, expires time.Time, err error)
}

// ExportFormatChecker checks a requested format and returns the time zone
// the file is written in, which is also the zone of the request's dates
// (internal/csvexport knows the profiles).
type ExportFormatChecker func(ExportFormat) (*time.Location, error)

// ExportDeps are the ports of Exports. Now defaults to time.Now.
type ExportDeps struct {
	Store       ExportStore
	Orders      ExportOrders
	Queue       ExportQueue
	Links       ExportLinks
	CheckFormat ExportFormatChecker
	Now         func() time.Time
}

// Exports starts, runs and shows the exports finance asks for.
type Exports struct{ d ExportDeps }

// NewExports returns the service; every port but Now is required.
func NewExports(d ExportDeps) (*Exports, error) {
	if err := RequireDeps("order.NewExports", Need("Store", d.Store), Need("Orders", d.Orders), Need("Queue", d.Queue),
		Need("Links", d.Links), Need("CheckFormat", d.CheckFormat)); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Exports{d: d}, nil
}

// Start checks the request, stores a QUEUED export and queues it. Bad input
// is an Invalid error and writes nothing. When the queue refuses, the export
// is marked FAILED and the error is Transient: the caller asks again.
func (s *Exports) Start(ctx context.Context, r ExportRequest) (*Export, error) {
	const op = "order.Exports.Start"
	loc, err := s.d.CheckFormat(r.ExportFormat)
	if err != nil {
		return nil, err
	}
	f, err := parseExportFilter(r, loc)
	if err != nil {
		return nil, err
	}
	format := r.ExportFormat
	format.Columns = append([]string(nil), format.Columns...)
	e := &Export{ID: ulid.Make().String(), Status: ExportQueued, Filter: f, Format: format, RequestedBy: r.RequestedBy, CreatedAt: s.d.Now().UTC()}
	if err := s.d.Store.Create(ctx, e); err != nil {
		return nil, err
	}
	if err := s.d.Queue.EnqueueExport(ctx, e.ID); err != nil {
		// Nobody will run it: say so on the record, then let the caller retry.
		_ = s.failQueued(ctx, e)
		return nil, Wrap(op, Transient, "export_not_queued", "the export could not be queued; try again", err)
	}
	return e, nil
}

// failQueued marks an export that was never queued as FAILED, through a
// claim of its own.
func (s *Exports) failQueued(ctx context.Context, e *Export) error {
	c, err := s.d.Store.Claim(ctx, e.ID, s.d.Now(), time.Minute)
	if err != nil {
		return err
	}
	e.Status, e.Reason = ExportFailed, "the export could not be queued"
	return s.d.Store.Fail(ctx, e.ID, c.Attempt, e.Reason, s.d.Now())
}

// ExportView is an export as the API shows it: with a download link once
// it is DONE.
type ExportView struct {
	Export
	DownloadURL     string    `json:"downloadUrl,omitempty"`
	DownloadExpires time.Time `json:"downloadExpiresAt,omitzero"`
}

// View returns the export, with a download link of its file when DONE.
func (s *Exports) View(ctx context.Context, id string) (ExportView, error) {
	e, err := s.d.Store.Get(ctx, id)
	if err != nil {
		return ExportView{}, err
	}
	v := ExportView{Export: *e}
	if e.Status == ExportDone && e.File != "" {
		if v.DownloadURL, v.DownloadExpires, err = s.d.Links.DownloadURL(ctx, e.File); err != nil {
			return ExportView{}, err
		}
	}
	return v, nil
}

// List returns one page of exports, newest first.
func (s *Exports) List(ctx context.Context, page PageRequest) (Page[Export], error) {
	return s.d.Store.List(ctx, page)
}

// ExportRun is one claimed run of an export, handed to the renderer.
type ExportRun struct {
	Export *Export
	s      *Exports
}

// ProgressEvery is how many rows a run writes between two progress reports.
const ProgressEvery = 1000

// EachOrder calls fn with every order the export selects: the explicit ids
// in the order given, or the creation-time range page by page (newest
// first, through the store's time listing: never a scan), keeping those the
// filter admits.
func (r *ExportRun) EachOrder(ctx context.Context, fn func(*Order) error) error {
	f := r.Export.Filter
	if len(f.OrderIDs) > 0 {
		for _, id := range f.OrderIDs {
			o, err := r.s.d.Orders.Get(ctx, id)
			if IsKind(err, NotFound) {
				continue // a selection made before a deletion exports what is left
			}
			if err != nil {
				return err
			}
			if err := fn(o); err != nil {
				return err
			}
		}
		return nil
	}
	q := ListQuery{From: f.From, To: f.To, PageRequest: PageRequest{Limit: MaxPageLimit}}
	for {
		page, err := r.s.d.Orders.List(ctx, q)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if o := &page.Items[i]; f.Admits(o) {
				if err := fn(o); err != nil {
					return err
				}
			}
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}

// Progress records the rows written so far (the renderer calls it every
// ProgressEvery rows; a failure to record is not a failure of the export).
func (r *ExportRun) Progress(ctx context.Context, rows int64) {
	_ = r.s.d.Store.Progress(ctx, r.Export.ID, r.Export.Attempt, rows)
}

// ExportRenderer writes an export's file and manifest.
type ExportRenderer func(ctx context.Context, run *ExportRun) (ExportResult, error)

// Run claims the export, renders it and marks it DONE, or FAILED with the
// reason. A redelivery of a finished export does nothing (no second file);
// one of an export another worker holds is a Transient error, retried
// after the queue's visibility timeout (by then the lease of a dead worker
// has run out and the redelivery takes over).
func (s *Exports) Run(ctx context.Context, id string, lease time.Duration, render ExportRenderer) error {
	const op = "order.Exports.Run"
	e, err := s.d.Store.Claim(ctx, id, s.d.Now(), lease)
	switch {
	case CodeOf(err) == CodeExportFinished:
		return nil
	case CodeOf(err) == CodeExportRunning:
		return Wrap(op, Transient, CodeExportRunning, "the export is running elsewhere", err)
	case err != nil:
		return err
	}
	res, err := render(ctx, &ExportRun{Export: e, s: s})
	if err != nil {
		reason := "the export failed"
		var de *Error
		if errors.As(err, &de) && de.Kind != Internal && de.Message != "" {
			reason = de.Message
		}
		if ferr := s.d.Store.Fail(ctx, id, e.Attempt, reason, s.d.Now()); ferr != nil {
			return errors.Join(err, ferr) // retried: the redelivery records it
		}
		// Recorded FAILED for good: permanent, so the message is not retried.
		return Wrap(op, Internal, "export_failed", reason, err)
	}
	return s.d.Store.Finish(ctx, id, e.Attempt, res, s.d.Now())
}

// NoExportQueue is the ExportQueue of a process that only runs exports: it
// refuses to queue.
type NoExportQueue struct{}

// EnqueueExport implements ExportQueue.
func (NoExportQueue) EnqueueExport(context.Context, string) error {
	return E("order.NoExportQueue", Internal, "no_queue", "this process does not queue exports")
}

// NoExportLinks is the ExportLinks of a process that only runs exports.
type NoExportLinks struct{}

// DownloadURL implements ExportLinks.
func (NoExportLinks) DownloadURL(context.Context, string) (string, time.Time, error) {
	return "", time.Time{}, E("order.NoExportLinks", Internal, "no_links", "this process does not make download links")
}
