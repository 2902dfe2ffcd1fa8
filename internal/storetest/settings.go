package storetest

import (
	"context"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunSettingsStore runs the SettingsStore contract, including the link
// between RaiseNextNumber and the numbers Create gives.
func RunSettingsStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	set, version, err := s.Settings.Get(ctx)
	if err != nil {
		t.Fatalf("get before any save: %v", err)
	}
	if version != 0 || set.Numbering.Next != 1 {
		t.Fatalf("fresh settings: version %d next %d, want 0 and 1", version, set.Numbering.Next)
	}

	want := order.DefaultSettings("Ma Boutique", "boutique@example.com")
	want.Numbering.Prefix = "MB"
	want.CustomStatuses = []string{"Retrait effectué"}
	steps := []struct {
		name     string
		expected int64
		kind     order.Kind // zero: success
		version  int64
	}{
		{"first save", 0, 0, 1},
		{"first save again", 0, order.PreconditionFailed, 0},
		{"stale version", 7, order.PreconditionFailed, 0},
		{"next save", 1, 0, 2},
	}
	for _, st := range steps {
		v, err := s.Settings.Put(ctx, want, st.expected)
		if st.kind != 0 {
			wantKind(t, err, st.kind, "")
			continue
		}
		if err != nil || v != st.version {
			t.Fatalf("%s: version %d, %v; want %d", st.name, v, err, st.version)
		}
	}
	bad := want
	bad.ShopName = ""
	_, err = s.Settings.Put(ctx, bad, 2)
	wantKind(t, err, order.Invalid, "invalid_shop_name")

	got, version, err := s.Settings.Get(ctx)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if version != 2 || got.ShopName != "Ma Boutique" || got.Numbering.Prefix != "MB" || len(got.CustomStatuses) != 1 || got.Numbering.Next != 1 {
		t.Fatalf("settings %+v version %d", got, version)
	}

	// Numbering: raise to 1000, create, raising below is refused.
	if err := s.Settings.RaiseNextNumber(ctx, 1000); err != nil {
		t.Fatalf("raise: %v", err)
	}
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "num-1"}), order.CreateOptions{Prefix: got.Numbering.Prefix})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if o.Seq != 1000 || o.Number != "MB-1000" {
		t.Fatalf("order after raise: seq %d number %q, want 1000 MB-1000", o.Seq, o.Number)
	}
	// Another instance, whose cache predates the raise, still numbers right.
	o2, err := s.Peer().Create(ctx, newOrder(t, orderSpec{ext: "num-2"}), order.CreateOptions{})
	if err != nil || o2.Seq != 1001 {
		t.Fatalf("second order: %v, %v; want seq 1001", o2, err)
	}
	cases := []struct {
		name string
		next int64
		kind order.Kind
		code string
	}{
		{"below", 500, order.Conflict, "next_number_too_low"},
		{"taken", 1001, order.Conflict, "next_number_too_low"},
		{"current next is a no-op", 1002, 0, ""},
		{"zero", 0, order.Invalid, "invalid_numbering"},
		{"too high", order.MaxOrderNumber + 1, order.Invalid, "invalid_numbering"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Settings.RaiseNextNumber(ctx, c.next)
			if c.kind == 0 {
				if err != nil {
					t.Fatalf("raise to %d: %v", c.next, err)
				}
				return
			}
			wantKind(t, err, c.kind, c.code)
		})
	}
	got, _, err = s.Settings.Get(ctx)
	if err != nil || got.Numbering.Next != 1002 {
		t.Fatalf("next number %d, %v; want 1002", got.Numbering.Next, err)
	}
}
