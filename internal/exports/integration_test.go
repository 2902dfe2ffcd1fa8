package exports_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/csvexport/csvexporttest"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/exports"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// stack is the exports on DynamoDB Local and moto: a table, a bucket and a
// queue of the test's own.
type stack struct {
	store    *dynamo.Store
	s3       *s3.Client
	sqs      *sqs.Client
	bucket   string
	queueURL string
	svc      *order.Exports
	worker   *exports.Worker
}

func newStack(t *testing.T, orders order.ExportOrders, objects exports.ObjectStore) *stack {
	t.Helper()
	cfg := localawstest.Config(t)
	st := &stack{
		store:  dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), localawstest.NewTable(t, cfg)),
		s3:     s3.NewFromConfig(cfg, platform.S3Options[s3.Options]),
		sqs:    sqs.NewFromConfig(cfg),
		bucket: localawstest.NewBucket(t, cfg),
	}
	st.queueURL, _ = localawstest.NewQueue(t, cfg, 3)
	if orders == nil {
		orders = st.store
	}
	if objects == nil {
		objects = st.s3
	}
	q, err := exports.NewQueue(st.sqs, st.queueURL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := exports.NewLinks(s3.NewPresignClient(st.s3), st.bucket)
	if err != nil {
		t.Fatal(err)
	}
	if st.svc, err = order.NewExports(order.ExportDeps{Store: st.store.Exports(), Orders: orders, Queue: q, Links: l, CheckFormat: exports.CheckFormat}); err != nil {
		t.Fatal(err)
	}
	if st.worker, err = exports.NewWorker(exports.WorkerDeps{Exports: st.svc, S3: objects, Bucket: st.bucket, Lease: 15 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	return st
}

// receive takes the export's message off the queue, as Lambda would.
func (st *stack) receive(t *testing.T) events.SQSEvent {
	t.Helper()
	out, err := st.sqs.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(st.queueURL), MaxNumberOfMessages: 1, WaitTimeSeconds: 2})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %d messages, %v", len(out.Messages), err)
	}
	m := out.Messages[0]
	return events.SQSEvent{Records: []events.SQSMessage{{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), EventSource: "aws:sqs"}}}
}

func (st *stack) get(t *testing.T, key string) []byte {
	t.Helper()
	out, err := st.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (st *stack) versions(t *testing.T, key string) int {
	t.Helper()
	out, err := st.s3.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String(st.bucket), Prefix: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Versions)
}

// seed stores March's orders (and one of February, outside the range):
// two VAT rates, a discount, accents, a refund, a reduction booked as a
// negative fee, an order on each side of the change to summer time. It
// returns the March orders as stored.
func seed(t *testing.T, s *dynamo.Store) []*order.Order {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(day, hour int) time.Time { return time.Date(2025, 3, day, hour, 15, 0, 0, paris) }
	specs := []struct {
		at  time.Time
		pay order.PaymentStatus
		fee string
		src order.Source
	}{
		{at(1, 0), order.Paid, "", order.SourceShopify},
		{at(12, 14), order.Refunded, "", order.SourceShopify},
		{at(30, 1), order.Paid, "-12.50", order.SourceWooCommerce},
		{at(30, 3), order.PartiallyRefunded, "", order.SourceShopify},
		{at(31, 23), order.Paid, "", order.SourceShopify},
		{time.Date(2025, 2, 28, 23, 59, 0, 0, paris), order.Paid, "", order.SourceShopify},
	}
	var march []*order.Order
	for i, sp := range specs {
		o := csvexporttest.Order(t, "ext-"+strconv.Itoa(i+1), sp.at)
		o.Source, o.Payment = sp.src, sp.pay
		o.Customer.Name = []string{"Zoé Lefèvre", "=cmd|'/C calc'!A0", "Hélène Dupré", "+33 Noël", "Ærø Ĳssel"}[i%5]
		if sp.fee != "" {
			csvexporttest.Fee(t, o, sp.fee)
		}
		got, err := s.Create(t.Context(), o, order.CreateOptions{Prefix: "CMD-"})
		if err != nil {
			t.Fatalf("seed order %d: %v", i+1, err)
		}
		if sp.at.Month() == time.March {
			march = append(march, got)
		}
	}
	return march
}

// TestExportEndToEnd exports March with each profile through the queue, the
// worker, S3 and the download link, and reads the file back with the SDK,
// net/http, encoding/csv and Python's csv module: the same bytes, the
// orders' count and the orders' totals.
func TestExportEndToEnd(t *testing.T) {
	st := newStack(t, nil, nil)
	march := seed(t, st.store)
	wantGrand := decimal.Zero
	for _, o := range march {
		wantGrand = wantGrand.Add(o.Totals.Grand.Amount)
	}
	tests := []struct {
		profile string
		sep     rune
		decimal string
		bom     bool
	}{
		{"excel-fr", ';', ",", true},
		{"default", ',', ".", false},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			e, err := st.svc.Start(t.Context(), order.ExportRequest{From: "2025-03-01", To: "2025-03-31", ExportFormat: order.ExportFormat{Profile: tt.profile, TimeZone: "Europe/Paris"}})
			if err != nil {
				t.Fatal(err)
			}
			ev := st.receive(t)
			if resp, err := st.worker.Handle(t.Context(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("worker: %+v, %v", resp, err)
			}
			v, err := st.svc.View(t.Context(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != order.ExportDone || v.Rows != int64(len(march)) || v.DownloadURL == "" || time.Until(v.DownloadExpires) > exports.LinkTTL {
				t.Fatalf("export = %+v", v)
			}

			file := st.get(t, exports.FileKey(e.ID))
			if got := bytes.HasPrefix(file, []byte("\uFEFF")); got != tt.bom {
				t.Errorf("BOM = %v", got)
			}
			resp, err := http.Get(v.DownloadURL)
			if err != nil {
				t.Fatal(err)
			}
			viaLink, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(viaLink, file) {
				t.Errorf("the presigned URL gave %d, %d bytes (%v); the SDK %d", resp.StatusCode, len(viaLink), err, len(file))
			}

			var m struct {
				Rows   int64  `json:"rows"`
				SHA256 string `json:"sha256"`
				Totals []struct {
					Currency string                  `json:"currency"`
					Grand    struct{ Amount string } `json:"grand"`
				} `json:"totals"`
			}
			if err := json.Unmarshal(st.get(t, exports.ManifestKey(e.ID)), &m); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(file)
			if m.Rows != int64(len(march)) || m.SHA256 != hex.EncodeToString(sum[:]) || len(m.Totals) != 1 || m.Totals[0].Grand.Amount != wantGrand.StringFixed(2) {
				t.Errorf("manifest = %+v, want %d rows, grand %s", m, len(march), wantGrand.StringFixed(2))
			}

			rows := csvexporttest.Rows(t, file, tt.sep)
			grand := decimal.Zero
			for _, r := range rows {
				grand = grand.Add(decimal.RequireFromString(strings.Replace(r["grand"], tt.decimal, ".", 1)))
				if strings.HasPrefix(r["customer_name"], "=") || strings.HasPrefix(r["customer_name"], "+") {
					t.Errorf("formula not neutralised: %q", r["customer_name"])
				}
			}
			if len(rows) != len(march) || !grand.Equal(wantGrand) {
				t.Errorf("csv: %d rows, grand %s; want %d, %s", len(rows), grand, len(march), wantGrand)
			}
			if !strings.Contains(string(file), "Zoé Lefèvre") || !strings.Contains(string(file), "-12"+tt.decimal+"50") {
				t.Errorf("accents or the negative fee are not there as written:\n%s", file)
			}
			pythonReads(t, file, tt.sep, tt.decimal, len(march), wantGrand)

			// A redelivery of the message writes no second file.
			if resp, err := st.worker.Handle(t.Context(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("redelivery: %+v, %v", resp, err)
			}
			if n := st.versions(t, exports.FileKey(e.ID)); n != 1 {
				t.Errorf("%d versions of the file after a redelivery, want 1", n)
			}
		})
	}
}

// pythonReads checks that Python's csv module reads the same rows and total.
func pythonReads(t *testing.T, file []byte, sep rune, dec string, wantRows int, wantGrand decimal.Decimal) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to read the export back: %v", err)
	}
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import csv, sys
from decimal import Decimal
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f, delimiter=sys.argv[2]))
print(len(rows), sum(Decimal(r["grand"].replace(sys.argv[3], ".")) for r in rows))`
	out, err := exec.CommandContext(t.Context(), py, "-c", script, path, string(sep), dec).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), strconv.Itoa(wantRows)+" "+wantGrand.StringFixed(2); got != want {
		t.Errorf("python read %q, want %q", got, want)
	}
}

// endlessOrders lists the same order page after page and fails after
// pages: a table that breaks mid-export.
type endlessOrders struct {
	o     order.Order
	pages int
	read  int
}

func (e *endlessOrders) Get(context.Context, string) (*order.Order, error) {
	return nil, order.E("test", order.NotFound, order.CodeNotFound, "no order")
}

func (e *endlessOrders) List(_ context.Context, q order.ListQuery) (order.Page[order.Order], error) {
	if e.read == e.pages {
		return order.Page[order.Order]{}, order.E("test.List", order.Transient, "table_unavailable", "the table stopped answering")
	}
	e.read++
	p := order.Page[order.Order]{Next: "more"}
	for range q.Limit {
		p.Items = append(p.Items, e.o)
	}
	return p, nil
}

// countingS3 counts the parts uploaded.
type countingS3 struct {
	*s3.Client
	parts int
}

func (c *countingS3) UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	c.parts++
	return c.Client.UploadPart(ctx, in, opts...)
}

// TestFailureMidUploadAborts: the orders stop coming after two parts were
// uploaded; the upload is aborted (no object, no part left) and the export
// is FAILED with the reason, once.
func TestFailureMidUploadAborts(t *testing.T) {
	orders := &endlessOrders{o: *csvexporttest.Order(t, "ext-1", time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)), pages: 150}
	orders.o.ID, orders.o.Number = "01JEXPORTORDER", "CMD-1"
	cfg := localawstest.Config(t)
	counting := &countingS3{Client: s3.NewFromConfig(cfg, platform.S3Options[s3.Options])}
	st := newStack(t, orders, counting)
	e, err := st.svc.Start(t.Context(), order.ExportRequest{ExportFormat: order.ExportFormat{Granularity: "line"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := st.worker.Handle(t.Context(), st.receive(t))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("worker: %+v, %v (a recorded failure is acknowledged)", resp, err)
	}
	if counting.parts < 2 {
		t.Fatalf("%d parts were uploaded before the failure, want at least 2", counting.parts)
	}
	v, err := st.svc.View(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != order.ExportFailed || v.Reason != "the table stopped answering" || v.DownloadURL != "" {
		t.Errorf("export = %+v", v)
	}
	uploads, err := st.s3.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(st.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(uploads.Uploads) != 0 {
		t.Errorf("%d multipart uploads left open", len(uploads.Uploads))
	}
	_, err = st.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(exports.FileKey(e.ID))})
	if err == nil || st.versions(t, exports.Prefix) != 0 {
		t.Errorf("an object was left: head %v, %d versions", err, st.versions(t, exports.Prefix))
	}
	var notFound interface{ ErrorCode() string }
	if !errors.As(err, &notFound) {
		t.Errorf("head: %v", err)
	}
}
