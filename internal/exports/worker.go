package exports

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/csvexport"
	"github.com/ordersmith/ordersmith/internal/order"
)

// Prefix is where exports land in the bucket; the finance policy reads only
// under it.
const Prefix = "exports/"

// FileKey is the object key of an export's file.
func FileKey(id string) string { return Prefix + id + "/orders.csv" }

// ManifestKey is the object key of an export's manifest, beside its file.
func ManifestKey(id string) string { return Prefix + id + "/manifest.json" }

// DeadlineMargin is the time left before the invocation's deadline under
// which no new export is started.
const DeadlineMargin = 10 * time.Second

// Runner is what the worker calls: *order.Exports.
type Runner interface {
	Run(ctx context.Context, id string, lease time.Duration, render order.ExportRenderer) error
}

var _ Runner = (*order.Exports)(nil)

// WorkerDeps are the worker's ports and settings.
type WorkerDeps struct {
	Exports Runner
	S3      ObjectStore
	Bucket  string
	// Lease is how long a claim holds: the function's timeout, so that a
	// redelivery takes over only from a worker that is gone.
	Lease  time.Duration
	Logger *slog.Logger // nil is slog.Default()
	Now    func() time.Time
}

// Worker is ExportWorkerFunction's handler.
type Worker struct{ d WorkerDeps }

// NewWorker returns the worker; Exports, S3, Bucket and Lease are required.
func NewWorker(d WorkerDeps) (*Worker, error) {
	const op = "exports.NewWorker"
	if err := order.RequireDeps(op, order.Need("Exports", d.Exports), order.Need("S3", d.S3), order.Need("Bucket", d.Bucket)); err != nil {
		return nil, err
	}
	if d.Lease <= 0 {
		return nil, order.E(op, order.Internal, "missing_dependency", "Lease required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Worker{d: d}, nil
}

// Message is the body of an ExportsQueue message.
type Message struct {
	ExportID string `json:"exportId"`
}

// Handle is the Lambda handler for SQS batches of export messages. A
// permanent failure is on the export's record (FAILED) and the message is
// acknowledged; a transient one is retried.
func (w *Worker) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	c := consumer.Config{Name: "export", Margin: DeadlineMargin, SkipPermanent: true, Log: w.d.Logger}
	return consumer.HandleSQS(ctx, c, ev, func(ctx context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		var msg Message
		if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.ExportID == "" {
			return consumer.Outcome{}, order.E("exports.Handle", order.Invalid, "invalid_message", "the message names no export")
		}
		err := w.d.Exports.Run(ctx, msg.ExportID, w.d.Lease, w.render)
		return consumer.Outcome{Done: "export handled", Attrs: []any{"export_id", msg.ExportID}}, err
	}), nil
}

// render writes the export's file through a multipart upload, then its
// manifest. Any failure aborts the upload: no object, no orphan parts.
func (w *Worker) render(ctx context.Context, run *order.ExportRun) (order.ExportResult, error) {
	e := run.Export
	opts, err := csvexport.FromFormat(e.Format)
	if err != nil {
		return order.ExportResult{}, err
	}
	key := FileKey(e.ID)
	up, err := startUpload(ctx, w.d.S3, w.d.Bucket, key, "text/csv; charset=utf-8", "orders-"+e.ID+".csv")
	if err != nil {
		return order.ExportResult{}, err
	}
	m, err := w.write(ctx, run, up, opts)
	if err == nil {
		err = up.complete()
	}
	if err != nil {
		if aerr := up.abort(); aerr != nil {
			w.d.Logger.ErrorContext(ctx, "export upload not aborted: its parts stay until the bucket's lifecycle rule", "export_id", e.ID, "error", aerr.Error())
		}
		return order.ExportResult{}, err
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return order.ExportResult{}, err
	}
	if _, err := w.d.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(w.d.Bucket), Key: aws.String(ManifestKey(e.ID)), Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
	}); err != nil {
		return order.ExportResult{}, order.Wrap("exports.render", order.Transient, "upload_failed", "the export's manifest could not be written", err)
	}
	return order.ExportResult{Rows: m.Rows, File: key, Manifest: ManifestKey(e.ID), SHA256: m.SHA256, Bytes: m.Bytes}, nil
}

// write renders every selected order into up and returns the manifest,
// reporting progress every order.ProgressEvery rows.
func (w *Worker) write(ctx context.Context, run *order.ExportRun, up *upload, opts csvexport.Options) (csvexport.Manifest, error) {
	cw, err := csvexport.NewWriter(up, opts)
	if err != nil {
		return csvexport.Manifest{}, err
	}
	next := int64(order.ProgressEvery)
	err = run.EachOrder(ctx, func(o *order.Order) error {
		if err := cw.Write(o); err != nil {
			return err
		}
		if cw.Rows() >= next {
			run.Progress(ctx, cw.Rows())
			next = cw.Rows() + order.ProgressEvery
		}
		return nil
	})
	if err != nil {
		return csvexport.Manifest{}, err
	}
	return cw.Close(run.Export.Filter, w.d.Now())
}
