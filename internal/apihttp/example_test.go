package apihttp_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// A function's main.go registers its routes as template.yaml names them and
// hands Serve to lambda.Start. Here two events stand in for API Gateway.
func ExampleRouter() {
	quiet := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	r := apihttp.NewRouter(apihttp.WithLogger(quiet))
	r.Handle("GET /orders/{id}", func(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
		id := req.PathParam("id")
		if id != "A1" {
			return nil, order.E("example.GetOrder", order.NotFound, order.CodeNotFound, "order "+id+" does not exist")
		}
		resp, err := apihttp.JSON(http.StatusOK, map[string]string{"id": id, "status": "paid"})
		if err != nil {
			return nil, err
		}
		return resp.WithHeader("ETag", apihttp.ETag(4)), nil
	})
	// In main.go: lambda.Start(r.Serve)

	for _, id := range []string{"A1", "B2"} {
		resp, _ := r.Serve(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey:       "GET /orders/{id}",
			PathParameters: map[string]string{"id": id},
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-" + id},
		})
		fmt.Println(resp.StatusCode, resp.Headers["ETag"], resp.Body)
	}
	// Output:
	// 200 "4" {"id":"A1","status":"paid"}
	// 404  {"error":{"code":"not_found","message":"order B2 does not exist","request_id":"req-B2"}}
}

// A handler for a conditional update: the If-Match header names the version
// the client edited, and the write is refused when the order moved on.
func ExampleIfMatch() {
	const current = 8 // the stored order's version
	handler := func(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
		pre, err := apihttp.IfMatch(req)
		if err != nil {
			return nil, err
		}
		if err := pre.Check(current); err != nil {
			return nil, err
		}
		// ... save, conditional on version == current ...
		return apihttp.NoContent().WithHeader("ETag", apihttp.ETag(current+1)), nil
	}
	r := apihttp.NewRouter(apihttp.WithLogger(slog.New(slog.DiscardHandler)))
	r.Handle("PATCH /orders/{id}", handler)
	for _, ifMatch := range []string{`"8"`, `"7"`, `8`} {
		resp, _ := r.Serve(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: "PATCH /orders/{id}",
			Headers:  map[string]string{"if-match": ifMatch},
		})
		fmt.Println(ifMatch, resp.StatusCode)
	}
	// Output:
	// "8" 204
	// "7" 412
	// 8 400
}

// Paged lists read their window from the query string and answer with List.
func ExampleParsePage() {
	req := apihttp.NewRequest(events.APIGatewayV2HTTPRequest{
		QueryStringParameters: map[string]string{"limit": "2"},
	}, 0)
	page, err := apihttp.ParsePage(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, _ := apihttp.JSON(http.StatusOK, apihttp.List[string]{Items: []string{"A1", "A2"}[:page.Limit], NextCursor: "c2"})
	fmt.Println(page.Limit, string(resp.Body))
	// Output:
	// 2 {"items":["A1","A2"],"next_cursor":"c2"}
}
