package order_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestJSONDecimal(t *testing.T) {
	tests := []struct {
		name       string
		json       string
		want       string // "" when unset
		writtenOut bool
		wantCode   string
	}{
		{name: "string", json: `"12.50"`, want: "12.5", writtenOut: true},
		{name: "number, from its text", json: `0.1`, want: "0.1", writtenOut: true},
		{name: "beyond float64", json: `123456789012.000000000001`, want: "123456789012.000000000001", writtenOut: true},
		{name: "negative", json: `"-5.00"`, want: "-5", writtenOut: true},
		{name: "spaces trimmed", json: `" 4.90 "`, want: "4.9", writtenOut: true},
		{name: "null is unset", json: `null`},
		{name: "empty string is unset", json: `""`},
		{name: "blank string is unset", json: `"  "`},
		{name: "an exponent", json: `1e3`, want: "1000"},
		{name: "an exponent in a string", json: `"1.5E-4"`, want: "0.00015"},
		{name: "sixteen decimals (a rate)", json: `"1.0833062517603726"`, want: "1.0833062517603726", writtenOut: true},
		{name: "seventeen decimals", json: `"0.00000000000000001"`, wantCode: "invalid_amount"},
		{name: "just below the bound", json: `"999999999999.99"`, want: "999999999999.99", writtenOut: true},
		{name: "the bound", json: `"1000000000000"`, wantCode: "invalid_amount"},
		{name: "the bound, negative", json: `-1000000000000`, wantCode: "invalid_amount"},
		{name: "a huge exponent", json: `1e-999999999`, wantCode: "invalid_amount"},
		{name: "a large exponent", json: `"1e13"`, wantCode: "invalid_amount"},
		{name: "too many characters", json: `"` + strings.Repeat("1", order.MaxDecimalChars-2) + `.01"`, wantCode: "invalid_amount"},
		{name: "NaN", json: `"NaN"`, wantCode: "invalid_amount"},
		{name: "Infinity", json: `"Infinity"`, wantCode: "invalid_amount"},
		{name: "a comma", json: `"12,50"`, wantCode: "invalid_amount"},
		{name: "a currency", json: `"12.50 EUR"`, wantCode: "invalid_amount"},
		{name: "a plus sign", json: `"+1"`, wantCode: "invalid_amount"},
		{name: "a bare dot", json: `".5"`, wantCode: "invalid_amount"},
		{name: "hexadecimal", json: `"0x10"`, wantCode: "invalid_amount"},
		{name: "a boolean", json: `true`, wantCode: "invalid_amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				Price order.JSONDecimal `json:"price"`
			}
			err := json.Unmarshal([]byte(`{"price":`+tt.json+`}`), &v)
			if tt.wantCode != "" {
				if order.CodeOf(err) != tt.wantCode || !order.IsKind(err, order.Invalid) {
					t.Fatalf("err = %v, want Invalid %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if v.Price.Set || v.Price.Ptr() != nil {
					t.Fatalf("%s set the value to %s", tt.json, v.Price.Decimal)
				}
				return
			}
			if !v.Price.Set || v.Price.Decimal.String() != tt.want || v.Price.WrittenOut() != tt.writtenOut {
				t.Fatalf("got %s (set %v, written out %v), want %s (written out %v)",
					v.Price.Decimal, v.Price.Set, v.Price.WrittenOut(), tt.want, tt.writtenOut)
			}
		})
	}
}

func TestJSONDecimalOrAndPtr(t *testing.T) {
	var unset, set order.JSONDecimal
	if err := json.Unmarshal([]byte(`"2.5"`), &set); err != nil {
		t.Fatal(err)
	}
	def := order.MustMoney("7", order.EUR).Amount
	if got := unset.Or(def); !got.Equal(def) {
		t.Errorf("unset.Or = %s, want the default", got)
	}
	if got := set.Or(def); got.String() != "2.5" {
		t.Errorf("set.Or = %s, want 2.5", got)
	}
	if p := set.Ptr(); p == nil || p.String() != "2.5" {
		t.Errorf("set.Ptr = %v, want 2.5", p)
	}
}

func TestMaxAmountIsTheDigitBound(t *testing.T) {
	if got := order.MaxAmount.String(); got != "1"+strings.Repeat("0", order.MaxAmountDigits) {
		t.Fatalf("MaxAmount = %s", got)
	}
}
