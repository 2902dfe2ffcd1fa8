package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// listFixture stores 5 "target" orders (one e-mail, one SKU, PAID,
// SHIPPED) and 3 others, spread over several months, and returns the ids
// of each, newest first.
func listFixture(t *testing.T, s order.OrderStore) (targets, others []string) {
	t.Helper()
	ctx := context.Background()
	day := 24 * time.Hour
	specs := []struct {
		target bool
		at     time.Time
	}{
		{true, Epoch},                 // 2025-03
		{false, Epoch.Add(-1 * day)},  // 2025-03
		{true, Epoch.Add(-20 * day)},  // 2025-02
		{true, Epoch.Add(-40 * day)},  // 2025-02
		{false, Epoch.Add(-55 * day)}, // 2025-01
		{true, Epoch.Add(-70 * day)},  // 2025-01
		{false, Epoch.Add(-90 * day)}, // 2024-12
		{true, Epoch.Add(-100 * day)}, // 2024-12
	}
	for i, sp := range specs {
		spec := orderSpec{ext: fmt.Sprintf("list-%d", i), created: sp.at, email: "other@example.com", sku: "OTHER-SKU"}
		if sp.target {
			spec.email, spec.sku, spec.payment, spec.fulfil = "List@Example.com", "LIST-SKU", order.Paid, order.Shipped
		}
		o, err := s.Create(ctx, newOrder(t, spec), order.CreateOptions{})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if sp.target {
			targets = append(targets, o.ID)
		} else {
			others = append(others, o.ID)
		}
	}
	return targets, others
}

// listAll follows the cursors of a listing, checking the page size, and
// returns the ids in the order listed and the page sizes.
func listAll(t *testing.T, s order.OrderStore, q order.ListQuery) ([]string, []int) {
	t.Helper()
	var ids []string
	var sizes []int
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("listing %+v does not end", q)
		}
		page, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatalf("list %+v: %v", q, err)
		}
		if q.Limit > 0 && len(page.Items) > q.Limit {
			t.Fatalf("page of %d orders with limit %d", len(page.Items), q.Limit)
		}
		for _, o := range page.Items {
			ids = append(ids, o.ID)
		}
		sizes = append(sizes, len(page.Items))
		if page.Next == "" {
			return ids, sizes
		}
		q.Cursor = page.Next
	}
}

func testListPaging(t *testing.T, f Factory) {
	s, _ := newStores(t, f)
	targets, others := listFixture(t, s.Orders)
	all := []string{targets[0], others[0], targets[1], targets[2], others[1], targets[3], others[2], targets[4]}
	cases := []struct {
		name  string
		q     order.ListQuery
		want  []string
		pages []int
	}{
		{"by time", order.ListQuery{PageRequest: order.PageRequest{Limit: 2}}, targets, nil},
		{"by payment status", order.ListQuery{Payment: order.Paid, PageRequest: order.PageRequest{Limit: 2}}, targets, []int{2, 2, 1}},
		{"by fulfilment status", order.ListQuery{Fulfilment: order.Shipped, PageRequest: order.PageRequest{Limit: 2}}, targets, []int{2, 2, 1}},
		{"by e-mail, any case", order.ListQuery{Email: "LIST@example.COM", PageRequest: order.PageRequest{Limit: 2}}, targets, []int{2, 2, 1}},
		{"by SKU", order.ListQuery{SKU: "LIST-SKU", PageRequest: order.PageRequest{Limit: 2}}, targets, []int{2, 2, 1}},
		{"by SKU, one page", order.ListQuery{SKU: "LIST-SKU"}, targets, []int{5}},
		{"by time, limit 3", order.ListQuery{PageRequest: order.PageRequest{Limit: 3}}, all, nil},
		{"by time, limit 1", order.ListQuery{PageRequest: order.PageRequest{Limit: 1}}, all, nil},
		{"by SKU shared by all", order.ListQuery{SKU: "TEA-42", PageRequest: order.PageRequest{Limit: 4}}, all, nil},
	}
	// "by time" lists everything; its expectation is all orders.
	cases[0].want = all
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, sizes := listAll(t, s.Orders, c.q)
			if fmt.Sprint(ids) != fmt.Sprint(c.want) {
				t.Fatalf("listed\n%v\nwant (newest first)\n%v", ids, c.want)
			}
			if c.pages != nil && fmt.Sprint(sizes) != fmt.Sprint(c.pages) {
				t.Fatalf("page sizes %v, want %v", sizes, c.pages)
			}
			// Every page but the last is full.
			for i, n := range sizes[:len(sizes)-1] {
				if c.q.Limit > 0 && n != c.q.Limit && !(i == len(sizes)-2 && sizes[len(sizes)-1] == 0) {
					t.Fatalf("page %d holds %d orders, limit %d: %v", i, n, c.q.Limit, sizes)
				}
			}
		})
	}
}

func testListTimeRange(t *testing.T, f Factory) {
	s, _ := newStores(t, f)
	targets, others := listFixture(t, s.Orders)
	day := 24 * time.Hour
	cases := []struct {
		name string
		q    order.ListQuery
		want []string
	}{
		{"February only", order.ListQuery{From: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
			[]string{targets[1], targets[2]}},
		{"from is inclusive", order.ListQuery{From: Epoch.Add(-1 * day)}, []string{targets[0], others[0]}},
		{"to is exclusive", order.ListQuery{To: Epoch.Add(-70 * day)}, []string{others[2], targets[4]}},
		{"across months, by status", order.ListQuery{Payment: order.Paid, From: Epoch.Add(-75 * day), To: Epoch},
			[]string{targets[1], targets[2], targets[3]}},
		{"by e-mail in range, paged", order.ListQuery{Email: "list@example.com", From: Epoch.Add(-101 * day), To: Epoch.Add(-30 * day),
			PageRequest: order.PageRequest{Limit: 1}}, []string{targets[2], targets[3], targets[4]}},
		{"empty range", order.ListQuery{From: Epoch.Add(10 * day), To: Epoch.Add(20 * day)}, nil},
		{"by time across months, paged", order.ListQuery{From: Epoch.Add(-95 * day), To: Epoch.Add(-10 * day), PageRequest: order.PageRequest{Limit: 2}},
			[]string{targets[1], targets[2], others[1], targets[3], others[2]}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, _ := listAll(t, s.Orders, c.q)
			if fmt.Sprint(ids) != fmt.Sprint(c.want) {
				t.Fatalf("listed\n%v\nwant\n%v", ids, c.want)
			}
		})
	}
}

func testListInvalid(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	listFixture(t, s.Orders)
	page, err := s.Orders.List(ctx, order.ListQuery{Payment: order.Paid, PageRequest: order.PageRequest{Limit: 2}})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v, next %q", err, page.Next)
	}
	cases := []struct {
		name string
		q    order.ListQuery
		code string
	}{
		{"two filters", order.ListQuery{Payment: order.Paid, SKU: "X"}, "conflicting_filters"},
		{"reversed range", order.ListQuery{From: Epoch, To: Epoch.Add(-time.Hour)}, "invalid_range"},
		{"negative limit", order.ListQuery{PageRequest: order.PageRequest{Limit: -3}}, "invalid_limit"},
		{"limit too large", order.ListQuery{PageRequest: order.PageRequest{Limit: order.MaxPageLimit + 1}}, "invalid_limit"},
		{"garbage cursor", order.ListQuery{Payment: order.Paid, PageRequest: order.PageRequest{Cursor: "%%%"}}, "invalid_cursor"},
		{"cursor of another listing", order.ListQuery{Fulfilment: order.Shipped, PageRequest: order.PageRequest{Cursor: page.Next}}, "invalid_cursor"},
		{"cursor of another range", order.ListQuery{Payment: order.Paid, From: Epoch.Add(-time.Hour), PageRequest: order.PageRequest{Cursor: page.Next}}, "invalid_cursor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Orders.List(ctx, c.q)
			wantKind(t, err, order.Invalid, c.code)
		})
	}
}
