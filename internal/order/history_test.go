package order_test

import (
	"reflect"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestActorValidate(t *testing.T) {
	tests := []struct {
		name string
		a    order.Actor
		code string // "" when valid
	}{
		{"staff", order.StaffActor("auth0|42"), ""},
		{"storefront", order.StorefrontActor(order.SourceShopify), ""},
		{"system without id", order.Actor{Kind: order.ActorSystem}, ""},
		{"system job", order.SystemActor("cart-reminders"), ""},
		{"zero", order.Actor{}, "unknown_actor"},
		{"unknown kind", order.Actor{Kind: "robot", ID: "r2"}, "unknown_actor"},
		{"anonymous staff", order.Actor{Kind: order.ActorStaff, ID: " "}, "missing_field"},
		{"anonymous storefront", order.Actor{Kind: order.ActorStorefront}, "missing_field"},
		{"bad UTF-8 id", order.StaffActor("\xff"), "invalid_utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, order.Invalid, tt.code)
		})
	}
	if got := order.StaffActor("u1").String(); got != "staff:u1" {
		t.Fatalf("String = %q", got)
	}
	if got := order.SystemActor("").String(); got != "system" {
		t.Fatalf("String = %q", got)
	}
	if !(order.Actor{}).IsZero() || order.SystemActor("").IsZero() {
		t.Fatal("IsZero is wrong")
	}
}

func TestStamp(t *testing.T) {
	rows := []order.Change{{At: t0, Action: order.ActionHold}, {At: t0, Action: order.ActionResume}}
	a := order.StaffActor("u1")
	got := order.Stamp(rows, a, order.ViaAPI)
	for i, c := range got {
		if c.Actor != a || c.Via != "api" || c.Action != rows[i].Action {
			t.Fatalf("row %d = %+v", i, c)
		}
	}
	if &got[0] != &rows[0] {
		t.Fatal("Stamp did not stamp in place")
	}
	if order.Stamp(nil, a, order.ViaAPI) != nil {
		t.Fatal("stamping nothing gave something")
	}
	if got := order.ViaWebhook(order.SourceWooCommerce); got != "webhook:woocommerce" {
		t.Fatalf("ViaWebhook = %q", got)
	}
}

func TestCreatedChange(t *testing.T) {
	o := &order.Order{Number: "MaBoutique-1006-2019", CreatedAt: t0}
	got := order.CreatedChange(o, order.StorefrontActor(order.SourceEcwid), order.ViaWebhook(order.SourceEcwid))
	want := order.Change{At: t0, Actor: order.Actor{Kind: order.ActorStorefront, ID: "ecwid"}, Action: "create",
		To: "MaBoutique-1006-2019", Via: "webhook:ecwid"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseActorKind(t *testing.T) {
	for _, k := range []order.ActorKind{order.ActorStaff, order.ActorStorefront, order.ActorSystem} {
		if got, err := order.ParseActorKind(string(k)); err != nil || got != k {
			t.Errorf("ParseActorKind(%q) = %q, %v", k, got, err)
		}
	}
	_, err := order.ParseActorKind("Staff")
	wantErr(t, err, order.Invalid, "unknown_actor")
}
