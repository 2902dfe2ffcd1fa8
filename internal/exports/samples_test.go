package exports_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/exports"
)

// TestEventSamples hands the samples of events/exports/ to the API and
// those of events/exportworker/ to the worker, and checks the answer their
// .expect.json names.
func TestEventSamples(t *testing.T) {
	f := newFixture(t)
	files, err := filepath.Glob("../../events/exports/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, p := range files {
		if strings.HasSuffix(p, ".expect.json") {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			var ev events.APIGatewayV2HTTPRequest
			readJSON(t, p, &ev)
			want := 200
			if _, err := os.Stat(strings.TrimSuffix(p, ".json") + ".expect.json"); err == nil {
				var e struct{ StatusCode int }
				readJSON(t, strings.TrimSuffix(p, ".json")+".expect.json", &e)
				want = e.StatusCode
			}
			resp, err := f.router.Serve(context.Background(), ev)
			if err != nil || resp.StatusCode != want {
				t.Errorf("status %d (%v), want %d; body %s", resp.StatusCode, err, want, resp.Body)
			}
		})
	}

	// The worker acknowledges a message of an export that does not exist:
	// nothing to write, nothing to retry.
	w, err := exports.NewWorker(exports.WorkerDeps{Exports: f.svc, S3: refusingS3{t}, Bucket: "b", Lease: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sqsEv events.SQSEvent
	readJSON(t, "../../events/exportworker/sqs-export.json", &sqsEv)
	resp, err := w.Handle(context.Background(), sqsEv)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("worker: %+v, %v", resp, err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
