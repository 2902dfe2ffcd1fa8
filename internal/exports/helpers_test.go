package exports_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/exports"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
)

// queue records the exports handed to it, or refuses with err.
type queue struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (q *queue) EnqueueExport(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.ids = append(q.ids, id)
	return nil
}

func (q *queue) sent() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.ids...)
}

// links signs nothing: the link names the key.
type links struct{}

func (links) DownloadURL(_ context.Context, key string) (string, time.Time, error) {
	return "https://exports.example/" + key, time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC), nil
}

type fixture struct {
	store  *memstore.Exports
	orders *memstore.Store
	queue  *queue
	svc    *order.Exports
	router *apihttp.Router
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: memstore.NewExports(), orders: memstore.New(), queue: &queue{}}
	svc, err := order.NewExports(order.ExportDeps{Store: f.store, Orders: f.orders, Queue: f.queue, Links: links{}, CheckFormat: exports.CheckFormat})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	api, err := exports.NewAPI(svc)
	if err != nil {
		t.Fatal(err)
	}
	f.router = api.Router()
	return f
}

// call sends a request with the given scopes and returns the status and
// the decoded body.
func (f *fixture) call(t *testing.T, route, path string, params map[string]string, body string, scope string) (int, map[string]any) {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, Body: body, PathParameters: params,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: route,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "finance-1", "scope": scope},
			}},
		},
	}
	resp, err := f.router.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("body %q: %v", resp.Body, err)
		}
	}
	return resp.StatusCode, out
}

// callQuery lists exports with a limit and a cursor.
func (f *fixture) callQuery(t *testing.T, limit, cursor string) (int, map[string]any) {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: exports.RouteList, RawPath: "/exports",
		QueryStringParameters: map[string]string{"limit": limit[len("limit="):]},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: exports.RouteList,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "finance-1", "scope": "finance:read"},
			}},
		},
	}
	if cursor != "" {
		ev.QueryStringParameters["cursor"] = cursor
	}
	resp, err := f.router.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// refusingS3 fails the test on any S3 call.
type refusingS3 struct{ t *testing.T }

func (r refusingS3) fail() error { r.t.Error("unexpected S3 call"); return errors.New("no S3 here") }
func (r refusingS3) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return nil, r.fail()
}
func (r refusingS3) UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	return nil, r.fail()
}
func (r refusingS3) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return nil, r.fail()
}
func (r refusingS3) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, r.fail()
}
func (r refusingS3) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, r.fail()
}
