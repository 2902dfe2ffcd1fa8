package order_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// digitalOrder is an Ecwid order for one e-book at price.
func digitalOrder(price string) *order.Order {
	return &order.Order{
		Source: order.SourceEcwid, ExternalID: "E-77", Currency: eur, PricesIncludeTax: true,
		Customer: order.Customer{Email: "lecteur@example.fr"},
		Lines:    []order.LineItem{{SKU: "EBOOK-1", Name: "Le Petit Prince (ePub)", Quantity: 1, UnitPrice: dec(price), VATRate: dec("5.5"), Digital: true}},
	}
}

func TestNormalise(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	o := validOrder()
	o.Customer.Email = "  elodie.martin@example.fr "
	if err := order.Normalise(o, t0.In(paris)); err != nil {
		t.Fatal(err)
	}
	if o.Customer.Email != "elodie.martin@example.fr" {
		t.Fatalf("e-mail %q not trimmed", o.Customer.Email)
	}
	if !o.Totals.Grand.Equal(order.MustMoney("54.40", eur)) || len(o.Totals.TaxLines) != 2 {
		t.Fatalf("totals = %+v", o.Totals)
	}
	if o.CreatedAt != t0 || o.UpdatedAt != t0 || o.CreatedAt.Location() != time.UTC {
		t.Fatalf("times = %v, %v; want %v in UTC", o.CreatedAt, o.UpdatedAt, t0)
	}
	if o.Payment != order.AwaitingPayment || o.Fulfilment != order.AwaitingProcessing {
		t.Fatalf("initial statuses = %s/%s", o.Payment, o.Fulfilment)
	}

	// An update keeps the creation time and the statuses it has.
	o.Payment, o.Fulfilment = order.Paid, order.Shipped
	o.Lines[0].Quantity = 3 // 3 × 12.50: grand 54.40 + 12.50 = 66.90
	if err := order.Normalise(o, t1); err != nil {
		t.Fatal(err)
	}
	if o.CreatedAt != t0 || o.UpdatedAt != t1 || o.Payment != order.Paid || o.Fulfilment != order.Shipped {
		t.Fatalf("after update: %v %v %s/%s", o.CreatedAt, o.UpdatedAt, o.Payment, o.Fulfilment)
	}
	if !o.Totals.Grand.Equal(order.MustMoney("66.90", eur)) {
		t.Fatalf("totals not recomputed: %s", o.Totals.Grand)
	}

	// Bad input: an error and nothing written.
	tests := []struct {
		name   string
		mutate func(o *order.Order)
		code   string
	}{
		{"invalid", func(o *order.Order) { o.Lines = nil }, "missing_field"},
		{"discount above subtotal", func(o *order.Order) { o.Discounts[0].Amount = dec("100") }, "discount_exceeds_subtotal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.mutate(o)
			before := snapshot(t, o)
			wantErr(t, order.Normalise(o, now), order.Invalid, tt.code)
			if snapshot(t, o) != before {
				t.Fatal("a refused order was modified")
			}
		})
	}
}

func TestApplyStatusRules(t *testing.T) {
	paidFirst := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	awaitFirst := paidFirst
	awaitFirst.ZeroTotalPayment = order.AwaitingPayment
	physicalFree := func() *order.Order {
		o := validOrder()
		o.ShippingLines = nil
		o.Discounts[0].Amount = dec("55.00") // a 100 % discount
		return o
	}
	tests := []struct {
		name     string
		o        *order.Order
		settings order.Settings
		before   func(o *order.Order)
		want     []order.Change
	}{
		{"zero total becomes paid", physicalFree(), paidFirst, nil,
			[]order.Change{row(order.ActionRuleZeroTotal, order.FieldPaymentStatus, "AWAITING_PAYMENT", "PAID")}},
		{"zero total stays awaiting when the shop says so", physicalFree(), awaitFirst, nil, nil},
		{"a storefront's PAID is not overridden", physicalFree(), awaitFirst, func(o *order.Order) { o.Payment = order.Paid }, nil},
		{"free digital order: paid, then delivered", digitalOrder("0"), paidFirst, nil, []order.Change{
			row(order.ActionRuleZeroTotal, order.FieldPaymentStatus, "AWAITING_PAYMENT", "PAID"),
			row(order.ActionRuleDigitalDelivered, order.FieldFulfilmentStatus, "AWAITING_PROCESSING", "DELIVERED"),
		}},
		{"paid digital order is delivered", digitalOrder("9.99"), awaitFirst, func(o *order.Order) { o.Payment = order.Paid },
			[]order.Change{row(order.ActionRuleDigitalDelivered, order.FieldFulfilmentStatus, "AWAITING_PROCESSING", "DELIVERED")}},
		{"unpaid digital order waits", digitalOrder("9.99"), paidFirst, nil, nil},
		{"free digital order awaiting payment waits", digitalOrder("0"), awaitFirst, nil, nil},
		{"digital order moved by staff is left alone", digitalOrder("9.99"), paidFirst,
			func(o *order.Order) { o.Payment, o.Fulfilment = order.Paid, order.Processing }, nil},
		{"held digital order is not delivered", digitalOrder("9.99"), paidFirst,
			func(o *order.Order) { o.Payment, o.OnHold = order.Paid, true }, nil},
		{"mixed order is shipped, not delivered", func() *order.Order {
			o := digitalOrder("9.99")
			o.Lines = append(o.Lines, line("POSTER", 1, "5", "20"))
			return o
		}(), paidFirst, func(o *order.Order) { o.Payment = order.Paid }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := order.Normalise(tt.o, t0); err != nil {
				t.Fatal(err)
			}
			if tt.before != nil {
				tt.before(tt.o)
			}
			before := snapshot(t, tt.o)
			got, err := order.ApplyStatusRules(tt.o, tt.settings, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("rows = %+v\nwant %+v", got, tt.want)
			}
			if tt.want == nil && snapshot(t, tt.o) != before {
				t.Fatal("no rule applied, yet the order changed")
			}
			// The rules are idempotent: a second run finds nothing to do.
			if again, err := order.ApplyStatusRules(tt.o, tt.settings, now); err != nil || again != nil {
				t.Fatalf("second run: %+v, %v", again, err)
			}
		})
	}
	_, err := order.ApplyStatusRules(digitalOrder("1"), paidFirst, now)
	wantErr(t, err, order.Internal, "order_not_normalised")
}

func TestIsDigitalOnly(t *testing.T) {
	tests := []struct {
		lines []order.LineItem
		want  bool
	}{
		{nil, false},
		{[]order.LineItem{{Digital: true}}, true},
		{[]order.LineItem{{Digital: true}, {Digital: true}}, true},
		{[]order.LineItem{{Digital: true}, {}}, false},
	}
	for i, tt := range tests {
		if got := (&order.Order{Lines: tt.lines}).IsDigitalOnly(); got != tt.want {
			t.Errorf("case %d: %v, want %v", i, got, tt.want)
		}
	}
}
