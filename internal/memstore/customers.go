package memstore

import (
	"context"
	"fmt"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Customers is the in-memory order.CustomerStore.
type Customers struct{ s *Store }

var _ order.CustomerStore = (*Customers)(nil)

// Customers returns the customer view of the store.
func (s *Store) Customers() *Customers { return &Customers{s: s} }

// Get implements order.CustomerStore.
func (c *Customers) Get(ctx context.Context, email string) (*order.CustomerSummary, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	sum, ok := c.s.customers[order.CustomerEmail(email)]
	if !ok || order.CustomerEmail(email) == "" {
		return nil, order.E("memstore.Customers.Get", order.NotFound, order.CodeNotFound, fmt.Sprintf("customer %q not found", email))
	}
	out := *sum
	out.TotalSpent = append([]order.Money(nil), sum.TotalSpent...)
	return &out, nil
}
