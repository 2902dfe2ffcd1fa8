package apihttp_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// TestDecodeJSONDecimal: a body's amounts decode through order.JSONDecimal,
// whose refusals reach the caller with their own code.
func TestDecodeJSONDecimal(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		want     string // "" when unset
		wantCode string
	}{
		{name: "string", body: `{"price":"12.50"}`, want: "12.5"},
		{name: "number", body: `{"price":12.5}`, want: "12.5"},
		{name: "null", body: `{"price":null}`},
		{name: "left out", body: `{}`},
		{name: "at the bound", body: `{"price":"1000000000000"}`, wantCode: "invalid_amount"},
		{name: "huge exponent", body: `{"price":1e-999999999}`, wantCode: "invalid_amount"},
		{name: "NaN", body: `{"price":"NaN"}`, wantCode: "invalid_amount"},
		{name: "unknown field still refused", body: `{"price":"1","cost":"2"}`, wantCode: "unknown_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvent("PUT /exchange-rates/{currency}/{date}", "r")
			ev.Body = tt.body
			var v struct {
				Price order.JSONDecimal `json:"price"`
			}
			err := apihttp.NewRequest(ev, 0).DecodeJSONStrict(&v)
			if tt.wantCode != "" {
				if codeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Price.Or(order.MustMoney("-1", order.EUR).Amount).String(); (tt.want == "" && got != "-1") || (tt.want != "" && got != tt.want) {
				t.Fatalf("price = %s, want %q", got, tt.want)
			}
		})
	}
}
