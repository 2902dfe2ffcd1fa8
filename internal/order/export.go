package order

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ExportStatus is where an export is: QUEUED until a worker claims it,
// RUNNING while it writes, then DONE or FAILED for good.
type ExportStatus string

// The export statuses.
const (
	ExportQueued  ExportStatus = "QUEUED"
	ExportRunning ExportStatus = "RUNNING"
	ExportDone    ExportStatus = "DONE"
	ExportFailed  ExportStatus = "FAILED"
)

// Codes of the export errors a caller may act on.
const (
	// CodeExportRunning: another worker holds the export's claim and its
	// lease has not run out; a redelivery is retried later.
	CodeExportRunning = "export_running"
	// CodeExportFinished: the export is DONE or FAILED; a redelivery of its
	// message does nothing (no second file).
	CodeExportFinished = "export_finished"
)

// Limits of an export request.
const (
	// MaxExportOrderIDs bounds an explicit selection: each id is one read.
	MaxExportOrderIDs = 1000
	// MaxExportFilterValues bounds each list of statuses and sources.
	MaxExportFilterValues = 20
)

// ExportRequest is what finance asks for: everything in a date range, or an
// explicit selection of orders, in a format. Dates are YYYY-MM-DD in the
// export's time zone (To included) or RFC 3339 instants (To excluded).
type ExportRequest struct {
	From               string   `json:"from,omitempty"`
	To                 string   `json:"to,omitempty"`
	PaymentStatuses    []string `json:"paymentStatuses,omitempty"`
	FulfilmentStatuses []string `json:"fulfilmentStatuses,omitempty"`
	Sources            []string `json:"sources,omitempty"`
	OrderIDs           []string `json:"orderIds,omitempty"`
	ExportFormat
	// RequestedBy is the staff subject who asked, from the token.
	RequestedBy string `json:"-"`
}

// ExportFilter is the checked selection of an export: the creation-time
// range [From, To) and the values an order must have, or an explicit list of
// order ids. An empty list admits every value.
type ExportFilter struct {
	From               time.Time `json:"from,omitzero"`
	To                 time.Time `json:"to,omitzero"`
	TimeZone           string    `json:"timeZone"`
	PaymentStatuses    []string  `json:"paymentStatuses,omitempty"`
	FulfilmentStatuses []string  `json:"fulfilmentStatuses,omitempty"`
	Sources            []string  `json:"sources,omitempty"`
	OrderIDs           []string  `json:"orderIds,omitempty"`
}

// Admits reports whether o passes the filter's statuses and sources (the
// time range is the listing's; the explicit ids are read one by one).
func (f ExportFilter) Admits(o *Order) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(f.PaymentStatuses, o.Payment.String()) && in(f.FulfilmentStatuses, o.Fulfilment.String()) &&
		in(f.Sources, string(o.Source))
}

// Export is one export and what became of it.
type Export struct {
	ID     string       `json:"id"`
	Status ExportStatus `json:"status"`
	Filter ExportFilter `json:"filter"`
	Format ExportFormat `json:"format"`
	// Rows is the number of rows written so far (all of them once DONE).
	Rows int64 `json:"rows"`
	// Attempt counts the claims; it is the claim's token: a worker whose
	// claim was taken over can no longer report.
	Attempt int64 `json:"attempt"`
	// Reason says why a FAILED export failed.
	Reason string `json:"reason,omitempty"`
	// File and Manifest are the object keys of a DONE export.
	File        string    `json:"file,omitempty"`
	Manifest    string    `json:"manifest,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	Bytes       int64     `json:"bytes,omitempty"`
	RequestedBy string    `json:"requestedBy,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
	// LeaseUntil is when a RUNNING export's claim runs out, after which a
	// redelivery may take it over (the worker died).
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
}

// ExportResult is what a finished export produced.
type ExportResult struct {
	Rows     int64
	File     string
	Manifest string
	SHA256   string
	Bytes    int64
}

// ExportStore keeps the export records.
type ExportStore interface {
	// Create stores a new QUEUED export; an id already stored is a Conflict
	// error with code already_exists.
	Create(ctx context.Context, e *Export) error
	// Get returns the export, or a NotFound error.
	Get(ctx context.Context, id string) (*Export, error)
	// List returns one page of exports, newest first.
	List(ctx context.Context, page PageRequest) (Page[Export], error)
	// Claim moves a QUEUED export, or a RUNNING one whose lease ran out by
	// now, to RUNNING with Attempt+1, StartedAt now and LeaseUntil
	// now+lease, and returns it. A RUNNING export under lease is a Conflict
	// with code export_running; a DONE or FAILED one a Conflict with code
	// export_finished; an unknown id NotFound.
	Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (*Export, error)
	// Progress records the rows written so far by the claim attempt.
	Progress(ctx context.Context, id string, attempt, rows int64) error
	// Finish marks the claim attempt's export DONE with its result, and Fail
	// marks it FAILED with a reason. Either is a Conflict with code
	// export_running when attempt no longer holds the claim.
	Finish(ctx context.Context, id string, attempt int64, r ExportResult, now time.Time) error
	Fail(ctx context.Context, id string, attempt int64, reason string, now time.Time) error
}

// ClaimExport is the state change of ExportStore.Claim, for every store: it
// checks e's status and lease and moves it to RUNNING.
func ClaimExport(e *Export, now time.Time, lease time.Duration) error {
	const op = "order.ClaimExport"
	switch e.Status {
	case ExportQueued:
	case ExportRunning:
		if now.Before(e.LeaseUntil) {
			return E(op, Conflict, CodeExportRunning, fmt.Sprintf("export %s is running until %s", e.ID, e.LeaseUntil.Format(time.RFC3339)))
		}
	default:
		return E(op, Conflict, CodeExportFinished, fmt.Sprintf("export %s is %s", e.ID, e.Status))
	}
	e.Status, e.Attempt, e.StartedAt, e.LeaseUntil = ExportRunning, e.Attempt+1, now, now.Add(lease)
	return nil
}

// CheckExportClaim returns the Conflict error of a report (progress, finish,
// fail) by an attempt that no longer holds e's claim, or nil.
func CheckExportClaim(e *Export, attempt int64) error {
	if e.Status != ExportRunning || e.Attempt != attempt {
		return E("order.CheckExportClaim", Conflict, CodeExportRunning,
			fmt.Sprintf("export %s is %s, attempt %d; attempt %d no longer holds it", e.ID, e.Status, e.Attempt, attempt))
	}
	return nil
}

// parseExportFilter checks the selection part of a request; loc is the
// export's time zone, in which dates are read.
func parseExportFilter(r ExportRequest, loc *time.Location) (ExportFilter, error) {
	const op = "order.ParseExportRequest"
	bad := func(field, code, format string, args ...any) error {
		e := E(op, Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": field}
		return e
	}
	f := ExportFilter{TimeZone: loc.String()}
	var err error
	if f.From, err = exportBound(r.From, loc, false); err != nil {
		return f, bad("from", "invalid_date", "from must be YYYY-MM-DD or an RFC 3339 time, got %q", r.From)
	}
	if f.To, err = exportBound(r.To, loc, true); err != nil {
		return f, bad("to", "invalid_date", "to must be YYYY-MM-DD or an RFC 3339 time, got %q", r.To)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, bad("to", "invalid_range", "from must be before to")
	}
	lists := []struct {
		field string
		in    []string
		out   *[]string
		parse func(string) error
	}{
		{"paymentStatuses", r.PaymentStatuses, &f.PaymentStatuses, func(s string) error { _, err := ParsePaymentStatus(s); return err }},
		{"fulfilmentStatuses", r.FulfilmentStatuses, &f.FulfilmentStatuses, func(s string) error { _, err := ParseFulfilmentStatus(s); return err }},
		{"sources", r.Sources, &f.Sources, func(s string) error { _, err := ParseSource(s); return err }},
	}
	for _, l := range lists {
		if len(l.in) > MaxExportFilterValues {
			return f, bad(l.field, "too_many_values", "%s has at most %d values", l.field, MaxExportFilterValues)
		}
		for _, v := range l.in {
			if err := l.parse(v); err != nil {
				return f, bad(l.field, "invalid_filter", "%s: unknown value %q", l.field, v)
			}
		}
		*l.out = slices.Clone(l.in)
	}
	if len(r.OrderIDs) > MaxExportOrderIDs {
		return f, bad("orderIds", "too_many_values", "an export selects at most %d orders by id", MaxExportOrderIDs)
	}
	for _, id := range r.OrderIDs {
		if err := ValidID(op, "an order id", id); err != nil {
			return f, bad("orderIds", "invalid_id", "invalid order id %q", id)
		}
	}
	f.OrderIDs = slices.Clone(r.OrderIDs)
	return f, nil
}

// exportBound reads a range bound: a date is its midnight in loc (the next
// day's for an inclusive end, so DST days are as long as they are), an RFC
// 3339 time is that instant. Empty is no bound.
func exportBound(s string, loc *time.Location, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		}
		return d.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

// FinishExport records r on e, DONE at now.
func FinishExport(e *Export, r ExportResult, now time.Time) {
	e.Status, e.Rows, e.File, e.Manifest, e.SHA256, e.Bytes = ExportDone, r.Rows, r.File, r.Manifest, r.SHA256, r.Bytes
	e.FinishedAt, e.LeaseUntil = now.UTC(), time.Time{}
}

// FailExport records e as FAILED at now for reason.
func FailExport(e *Export, reason string, now time.Time) {
	e.Status, e.Reason, e.FinishedAt, e.LeaseUntil = ExportFailed, reason, now.UTC(), time.Time{}
}
