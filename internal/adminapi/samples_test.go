package adminapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
)

// sampleOrderID is the order the samples of events/transitions/ name.
const sampleOrderID = "01JH2Z8K3V5Q7R9T1W3Y5A7C9E"

// refusedSamples are the samples that are refusals whatever the data: no token,
// and a SKU the shop does not track.
var refusedSamples = map[string]int{"get-order-no-token.json": 401, "get-stock-untracked.json": 404}

// TestEventSamples serves every sample of events/transitions/ to the API,
// each on a fresh store holding the order they name (version 1, awaiting
// payment, in processing) and the custom status they set. The
// .expect.json files describe a run on an empty table (cmd/samlocal's
// TestEventSamples), where the order does not exist; here every sample
// succeeds but those listed in refusedSamples.
func TestEventSamples(t *testing.T) {
	files, err := filepath.Glob("../../events/transitions/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, ".expect.json") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			st := memstore.New()
			s := order.DefaultSettings("Café des Arts", "boutique@example.com")
			s.CustomStatuses = []string{"Retrait effectué"}
			if _, err := st.Settings().Put(context.Background(), s, 0); err != nil {
				t.Fatal(err)
			}
			placeWithID(t, st, sampleOrderID)
			r := newRouter(t, st, st.Settings(), st.Stock())
			resp, err := r.Serve(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			want, refusedHere := refusedSamples[filepath.Base(path)]
			ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
			if refusedHere {
				ok = resp.StatusCode == want
			}
			if !ok {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
		})
	}
}

func placeWithID(t *testing.T, st *memstore.Store, id string) *order.Order {
	t.Helper()
	o := &order.Order{
		ID: id, Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Zoé Martin", Email: "zoe.martin@example.com", Locale: "fr-FR"},
		Lines:    []order.LineItem{line("MUG-MONTMARTRE", 2)}, Payment: order.AwaitingPayment, Fulfilment: order.Processing,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	created, err := st.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}
