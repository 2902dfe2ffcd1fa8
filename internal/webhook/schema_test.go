package webhook

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// schemaObject is the part of a JSON Schema object definition we check.
type schemaObject struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

type genericSchema struct {
	schemaObject
	Defs map[string]json.RawMessage `json:"$defs"`
}

func loadGenericSchema(t *testing.T) genericSchema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "generic-order.schema.json"))
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	var s genericSchema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("decode schema: %v", err)
	}
	return s
}

func (s genericSchema) def(t *testing.T, name string) schemaObject {
	t.Helper()
	var o schemaObject
	if err := json.Unmarshal(s.Defs[name], &o); err != nil || o.Properties == nil {
		t.Fatalf("schema $defs.%s: %v", name, err)
	}
	return o
}

// jsonNames lists the JSON property names of a struct type.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestGenericSchemaMatchesDecoder(t *testing.T) {
	// The published schema and the decoder must name the same properties
	// at every level, or senders following the schema get malformed_json.
	s := loadGenericSchema(t)
	var totals schemaObject
	var ord schemaObject
	if err := json.Unmarshal(s.Defs["order"], &ord); err != nil {
		t.Fatalf("order def: %v", err)
	}
	if err := json.Unmarshal(ord.Properties["totals"], &totals); err != nil {
		t.Fatalf("totals: %v", err)
	}
	totalsField, ok := reflect.TypeOf(genericOrder{}).FieldByName("Totals")
	if !ok {
		t.Fatal("the decoder's order has no Totals")
	}
	tests := []struct {
		name   string
		schema schemaObject
		typ    reflect.Type
	}{
		{"envelope", s.schemaObject, reflect.TypeOf(genericEnvelope{})},
		{"order", s.def(t, "order"), reflect.TypeOf(genericOrder{})},
		{"line", s.def(t, "line"), reflect.TypeOf(genericLine{})},
		{"discount", s.def(t, "discount"), reflect.TypeOf(genericDiscount{})},
		{"shippingLine", s.def(t, "shippingLine"), reflect.TypeOf(genericShipping{})},
		{"customer", s.def(t, "customer"), reflect.TypeOf(order.Customer{})},
		{"address", s.def(t, "address"), reflect.TypeOf(order.Address{})},
		{"utm", s.def(t, "utm"), reflect.TypeOf(order.UTM{})},
		{"totals", totals, totalsField.Type.Elem()},
	}
	for _, tc := range tests {
		if got, want := keys(tc.schema.Properties), jsonNames(tc.typ); !slices.Equal(got, want) {
			t.Errorf("%s: schema has %v, decoder reads %v", tc.name, got, want)
		}
	}

	payment := schemaEnum(t, ord, "paymentStatus")
	for _, p := range order.AllPaymentStatuses {
		if !slices.Contains(payment, p.String()) {
			t.Errorf("paymentStatus enum lacks %s", p)
		}
	}
	fulfilment := schemaEnum(t, ord, "fulfilmentStatus")
	for _, f := range order.AllFulfilmentStatuses {
		if !slices.Contains(fulfilment, f.String()) {
			t.Errorf("fulfilmentStatus enum lacks %s", f)
		}
	}
}

// schemaEnum returns the enum of a property of obj, failing the test when
// the property is missing, is not valid JSON or has no enum.
func schemaEnum(t *testing.T, obj schemaObject, name string) []string {
	t.Helper()
	raw, ok := obj.Properties[name]
	if !ok {
		t.Fatalf("the schema has no property %s", name)
	}
	var p struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("property %s: %v", name, err)
	}
	if len(p.Enum) == 0 {
		t.Fatalf("property %s has no enum", name)
	}
	return p.Enum
}

func TestGenericSchemaRequiredIsEnforced(t *testing.T) {
	// Each property the schema requires is refused when absent.
	s := loadGenericSchema(t)
	secrets := localSecrets(t)
	at := signedAt(t)
	sample := testdata(t, "generic/order-created.json")
	paths := map[string]func(m map[string]any) map[string]any{
		"order": func(m map[string]any) map[string]any { return m["order"].(map[string]any) },
		"line": func(m map[string]any) map[string]any {
			return m["order"].(map[string]any)["lines"].([]any)[0].(map[string]any)
		},
		"discount": func(m map[string]any) map[string]any {
			return m["order"].(map[string]any)["discounts"].([]any)[0].(map[string]any)
		},
		"shippingLine": func(m map[string]any) map[string]any {
			return m["order"].(map[string]any)["shippingLines"].([]any)[0].(map[string]any)
		},
	}
	checked := 0
	for def, get := range paths {
		for _, field := range s.def(t, def).Required {
			body := jsonEdit(t, sample, func(m map[string]any) { delete(get(m), field) })
			_, err := Parse(context.Background(), "generic", genericHeaders(t, secrets["generic"][0], body, at, nil), body,
				Deps{Secrets: secrets, Now: func() time.Time { return at }})
			if order.KindOf(err) != order.Invalid {
				t.Errorf("%s.%s absent: %v", def, field, err)
			}
			checked++
		}
	}
	for _, field := range s.Required {
		body := jsonEdit(t, sample, func(m map[string]any) { delete(m, field) })
		_, err := Parse(context.Background(), "generic", genericHeaders(t, secrets["generic"][0], body, at, nil), body,
			Deps{Secrets: secrets, Now: func() time.Time { return at }})
		wantError(t, err, order.Invalid, "missing_field")
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d required properties checked", checked)
	}
}
