package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook/internal/samples"
)

func TestSampleEventsAreUpToDate(t *testing.T) {
	want, err := samples.Build(repoRoot)
	if err != nil {
		t.Fatalf("build samples: %v", err)
	}
	dir := filepath.Join(repoRoot, samples.EventsDir)
	onDisk, err := filepath.Glob(filepath.Join(dir, samples.EventGlob))
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	if len(onDisk) != len(want) {
		t.Errorf("%d sample events on disk, %d in the manifest: run go generate ./internal/webhook", len(onDisk), len(want))
	}
	for _, name := range samples.Names(want) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./internal/webhook)", name, err)
			continue
		}
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s is stale: run go generate ./internal/webhook", name)
		}
	}
}

func TestSampleEventsVerify(t *testing.T) {
	// Every API Gateway sample decodes as the Lambda will receive it, verifies
	// against the local dev secrets, and (for orders) reconciles.
	secrets := localSecrets(t)
	at := signedAt(t)
	deps := Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), Now: func() time.Time { return at }, EcwidStoreID: ecwidStore}
	m, err := samples.Load(repoRoot)
	if err != nil {
		t.Fatalf("load manifest: %v", err)
	}
	if len(m.Deliveries) == 0 {
		t.Fatal("the manifest lists no samples")
	}
	kinds := map[Kind]int{}
	for _, s := range m.Deliveries {
		t.Run(s.Event, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(repoRoot, samples.EventsDir, s.Event+".json"))
			if err != nil {
				t.Fatalf("read event: %v", err)
			}
			var ev events.APIGatewayV2HTTPRequest
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("decode API Gateway event: %v", err)
			}
			if ev.Version != "2.0" || ev.RouteKey != "POST /webhooks/{source}" || ev.RequestContext.HTTP.Method != "POST" || ev.IsBase64Encoded {
				t.Errorf("event shape: version %q route %q method %q base64 %v", ev.Version, ev.RouteKey, ev.RequestContext.HTTP.Method, ev.IsBase64Encoded)
			}
			src := ev.PathParameters["source"]
			if src != s.Source || !strings.HasSuffix(ev.RawPath, "/webhooks/"+src) {
				t.Errorf("source %q path %q", src, ev.RawPath)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower-case", k)
				}
			}
			d, err := Parse(context.Background(), src, ev.Headers, []byte(ev.Body), deps)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			kinds[d.Kind]++
			if d.Kind == KindOrder {
				mustReconcile(t, d)
			}
			// The signature is over these exact bytes: one byte more fails.
			// Ecwid signs two fields, not the body: see
			// TestEcwidSignatureCoversEventFieldsOnly.
			if !s.Unsigned && src != "ecwid" {
				_, err := Parse(context.Background(), src, ev.Headers, []byte(ev.Body+" "), deps)
				wantError(t, err, order.Unauthenticated, "invalid_signature")
			}
		})
	}
	if kinds[KindOrder] == 0 || kinds[KindCart] == 0 || kinds[KindPing] == 0 {
		t.Errorf("the samples should cover orders, carts and a ping: %v", kinds)
	}
}
