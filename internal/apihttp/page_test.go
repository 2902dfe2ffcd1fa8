package apihttp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name     string
		query    map[string]string
		want     apihttp.Page
		wantCode string
	}{
		{name: "defaults", query: nil, want: apihttp.Page{Limit: 50}},
		{name: "limit and cursor", query: map[string]string{"limit": "10", "cursor": "eyJQSyI6IkEifQ"}, want: apihttp.Page{Limit: 10, Cursor: "eyJQSyI6IkEifQ"}},
		{name: "smallest", query: map[string]string{"limit": "1"}, want: apihttp.Page{Limit: 1}},
		{name: "largest", query: map[string]string{"limit": "200"}, want: apihttp.Page{Limit: 200}},
		{name: "over the maximum", query: map[string]string{"limit": "201"}, wantCode: "invalid_limit"},
		{name: "zero", query: map[string]string{"limit": "0"}, wantCode: "invalid_limit"},
		{name: "negative", query: map[string]string{"limit": "-5"}, wantCode: "invalid_limit"},
		{name: "not a number", query: map[string]string{"limit": "ten"}, wantCode: "invalid_limit"},
		{name: "decimal", query: map[string]string{"limit": "10.5"}, wantCode: "invalid_limit"},
		{name: "repeated, joined by API Gateway", query: map[string]string{"limit": "10,20"}, wantCode: "invalid_limit"},
		{name: "huge cursor", query: map[string]string{"cursor": strings.Repeat("A", 2049)}, wantCode: "invalid_cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvent("GET /orders", "r")
			ev.QueryStringParameters = tt.query
			got, err := apihttp.ParsePage(apihttp.NewRequest(ev, 0))
			if tt.wantCode != "" {
				if order.KindOf(err) != order.Invalid || codeOf(err) != tt.wantCode {
					t.Fatalf("ParsePage error = %v, want invalid %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParsePage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestListJSON(t *testing.T) {
	type row struct {
		ID       string `json:"id"`
		Total    string `json:"total"`
		Currency string `json:"currency"`
	}
	tests := []struct {
		name   string
		list   apihttp.List[row]
		golden string
	}{
		{name: "empty page", list: apihttp.List[row]{}, golden: "list_empty.json"},
		{name: "page with more", list: apihttp.List[row]{
			Items:      []row{{"A1", "12.50", "EUR"}, {"A2", "0.99", "EUR"}},
			NextCursor: "eyJQSyI6Ik9SREVSI0EyIn0",
		}, golden: "list_page.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.golden, string(b))
		})
	}
}
