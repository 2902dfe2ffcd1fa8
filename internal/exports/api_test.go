package exports_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestStartQueuesAnExport(t *testing.T) {
	f := newFixture(t)
	status, body := f.call(t, "POST /exports", "/exports", nil,
		`{"profile":"excel-fr","from":"2025-03-01","to":"2025-03-31","timeZone":"Europe/Paris","sources":["shopify"],"paymentStatuses":["PAID"],"granularity":"vat","bom":false}`, "finance:read")
	if status != 202 {
		t.Fatalf("status %d, body %v", status, body)
	}
	id, _ := body["id"].(string)
	if body["status"] != "QUEUED" || id == "" {
		t.Fatalf("body = %v", body)
	}
	if sent := f.queue.sent(); len(sent) != 1 || sent[0] != id {
		t.Errorf("queued %v, want [%s]", sent, id)
	}
	e, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// March in Paris: from 1 March 00:00 +01:00 to 1 April 00:00 +02:00
	// (the clocks go forward on the 30th).
	if !e.Filter.From.Equal(time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC)) || !e.Filter.To.Equal(time.Date(2025, 3, 31, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("range = %s .. %s", e.Filter.From, e.Filter.To)
	}
	if e.RequestedBy != "finance-1" || e.Format.Profile != "excel-fr" || e.Format.BOM == nil || *e.Format.BOM {
		t.Errorf("export = %+v", e)
	}
}

// TestBadRequestsWriteNothing: every refusal is a typed 4xx, and nothing is
// stored or queued.
func TestBadRequestsWriteNothing(t *testing.T) {
	tests := []struct {
		name, body, scope string
		status            int
		code              string
	}{
		{"separator", `{"separator":"|"}`, "finance:read", 400, "invalid_separator"},
		{"profile", `{"profile":"journal"}`, "finance:read", 400, "unknown_profile"},
		{"decimal comma with comma", `{"separator":",","decimalSeparator":","}`, "finance:read", 400, "invalid_decimal_separator"},
		{"date format", `{"dateFormat":"yy"}`, "finance:read", 400, "invalid_date_format"},
		{"time zone", `{"timeZone":"Europe/Lutece"}`, "finance:read", 400, "invalid_time_zone"},
		{"column", `{"columns":["margin"]}`, "finance:read", 400, "invalid_column"},
		{"granularity", `{"granularity":"week"}`, "finance:read", 400, "invalid_granularity"},
		{"date", `{"from":"01/03/2025"}`, "finance:read", 400, "invalid_date"},
		{"range", `{"from":"2025-03-31","to":"2025-03-01"}`, "finance:read", 400, "invalid_range"},
		{"status", `{"paymentStatuses":["PAYED"]}`, "finance:read", 400, "invalid_filter"},
		{"source", `{"sources":["amazon"]}`, "finance:read", 400, "invalid_filter"},
		{"order id", `{"orderIds":["a#b"]}`, "finance:read", 400, "invalid_id"},
		{"unknown field", `{"separtor":";"}`, "finance:read", 400, "unknown_field"},
		{"not JSON", `separator=;`, "finance:read", 400, ""},
		{"no finance scope", `{}`, "orders:read orders:write settings:write", 403, "missing_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			status, body := f.call(t, "POST /exports", "/exports", nil, tt.body, tt.scope)
			if status != tt.status {
				t.Fatalf("status %d, want %d; body %v", status, tt.status, body)
			}
			if e, _ := body["error"].(map[string]any); tt.code != "" && e["code"] != tt.code {
				t.Errorf("code = %v, want %s (%v)", e["code"], tt.code, body)
			}
			if p, _ := f.store.List(context.Background(), order.PageRequest{}); len(p.Items) != 0 || len(f.queue.sent()) != 0 {
				t.Errorf("a refused request stored %d exports and queued %v", len(p.Items), f.queue.sent())
			}
		})
	}
}

func TestQueueRefusalFailsTheExport(t *testing.T) {
	f := newFixture(t)
	f.queue.err = errors.New("sqs down")
	status, body := f.call(t, "POST /exports", "/exports", nil, `{}`, "finance:read")
	if status != 503 {
		t.Fatalf("status %d, body %v", status, body)
	}
	p, err := f.store.List(context.Background(), order.PageRequest{})
	if err != nil || len(p.Items) != 1 || p.Items[0].Status != order.ExportFailed {
		t.Fatalf("exports = %+v, %v; want one FAILED", p.Items, err)
	}
}

func TestGetAndList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for range 3 {
		_, body := f.call(t, "POST /exports", "/exports", nil, `{}`, "finance:read")
		ids = append(ids, body["id"].(string))
	}
	// Finish the first one by hand, as the worker would.
	e, err := f.store.Claim(ctx, ids[0], time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Finish(ctx, ids[0], e.Attempt, order.ExportResult{Rows: 7, File: "exports/" + ids[0] + "/orders.csv"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	status, body := f.call(t, "GET /exports/{id}", "/exports/"+ids[0], map[string]string{"id": ids[0]}, "", "finance/read")
	if status != 200 || body["status"] != "DONE" || body["rows"] != float64(7) || body["downloadUrl"] != "https://exports.example/exports/"+ids[0]+"/orders.csv" {
		t.Errorf("GET done: %d %v", status, body)
	}
	status, body = f.call(t, "GET /exports/{id}", "/exports/"+ids[1], map[string]string{"id": ids[1]}, "", "finance:read")
	if status != 200 || body["status"] != "QUEUED" || body["downloadUrl"] != nil {
		t.Errorf("GET queued: %d %v", status, body)
	}
	status, _ = f.call(t, "GET /exports/{id}", "/exports/nope", map[string]string{"id": "nope"}, "", "finance:read")
	if status != 404 {
		t.Errorf("GET unknown: %d", status)
	}
	// Two pages of two.
	_, page1 := f.callQuery(t, "limit=2", "")
	items, _ := page1["items"].([]any)
	cursor, _ := page1["next_cursor"].(string)
	if len(items) != 2 || cursor == "" {
		t.Fatalf("page 1 = %v", page1)
	}
	_, page2 := f.callQuery(t, "limit=2", cursor)
	if items, _ := page2["items"].([]any); len(items) != 1 || page2["next_cursor"] != nil {
		t.Errorf("page 2 = %v", page2)
	}
}
