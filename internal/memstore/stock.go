package memstore

import (
	"context"
	"fmt"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Stock is the in-memory order.StockStore.
type Stock struct{ s *Store }

var _ order.StockStore = (*Stock)(nil)

// Stock returns the stock view of the store.
func (s *Store) Stock() *Stock { return &Stock{s: s} }

// Get implements order.StockStore.
func (st *Stock) Get(ctx context.Context, sku string) (order.StockItem, error) {
	const op = "memstore.Stock.Get"
	if err := order.CheckSKU(op, sku); err != nil {
		return order.StockItem{}, err
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	si, ok := st.s.stock[sku]
	if !ok {
		return order.StockItem{}, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("stock item %q not found", sku))
	}
	return si, nil
}

// Put implements order.StockStore.
func (st *Stock) Put(ctx context.Context, si order.StockItem) error {
	const op = "memstore.Stock.Put"
	if err := order.CheckStockItem(op, si); err != nil {
		return err
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if cur := st.s.stock[si.SKU]; cur.Version != si.Version {
		return order.E(op, order.Conflict, order.CodeVersionConflict,
			fmt.Sprintf("the stock of %s changed since version %d was read", si.SKU, si.Version))
	}
	si.Version++
	st.s.stock[si.SKU] = si
	return nil
}

// Adjust implements order.StockStore: every check first, then every change.
func (st *Stock) Adjust(ctx context.Context, token string, adj []order.StockAdjustment) (bool, error) {
	const op = "memstore.Stock.Adjust"
	merged, err := order.MergeStockAdjustments(op, adj)
	if err != nil {
		return false, err
	}
	if token != "" {
		if err := order.ValidID(op, "adjustment token", token); err != nil {
			return false, err
		}
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if token != "" && st.s.stockTokens[token] {
		return false, nil
	}
	for _, a := range merged {
		si, ok := st.s.stock[a.SKU]
		if !ok {
			return false, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("stock item %q not found", a.SKU))
		}
		if a.Delta < 0 && !si.AllowBackorder && si.OnHand < -a.Delta {
			e := order.E(op, order.Conflict, order.CodeInsufficientStock,
				fmt.Sprintf("only %d of %s left, %d asked", max(si.OnHand, 0), a.SKU, -a.Delta))
			e.Details = map[string]any{"sku": a.SKU, "onHand": si.OnHand, "requested": -a.Delta}
			return false, e
		}
	}
	for _, a := range merged {
		si := st.s.stock[a.SKU]
		si.OnHand += a.Delta
		si.Version++
		st.s.stock[a.SKU] = si
	}
	if token != "" {
		st.s.stockTokens[token] = true
	}
	return true, nil
}

// holding is what an order holds of a SKU, and the order version of the
// last move applied.
type holding struct{ held, version int64 }

// MoveForOrder implements order.StockStore.
func (st *Stock) MoveForOrder(ctx context.Context, token string, m order.OrderStockMove) (order.OrderStockResult, error) {
	const op = "memstore.Stock.MoveForOrder"
	if err := m.Check(op); err != nil {
		return order.OrderStockResult{}, err
	}
	if token != "" {
		if err := order.ValidID(op, "adjustment token", token); err != nil {
			return order.OrderStockResult{}, err
		}
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	hk := m.OrderID + "\x00" + m.SKU
	h := st.s.held[hk]
	if order.IsStale(m.Version, h.version) {
		return order.OrderStockResult{Stale: true, Held: h.held}, nil
	}
	if token != "" && st.s.stockTokens[token] {
		return order.OrderStockResult{Held: h.held}, nil
	}
	next, delta := m.NextHolding(h.held)
	if delta != 0 {
		si, ok := st.s.stock[m.SKU]
		if !ok {
			return order.OrderStockResult{}, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("stock item %q not found", m.SKU))
		}
		if delta < 0 && !si.AllowBackorder && si.OnHand < -delta {
			e := order.E(op, order.Conflict, order.CodeInsufficientStock,
				fmt.Sprintf("only %d of %s left, %d asked", max(si.OnHand, 0), m.SKU, -delta))
			e.Details = map[string]any{"sku": m.SKU, "onHand": si.OnHand, "requested": -delta}
			return order.OrderStockResult{}, e
		}
		si.OnHand += delta
		si.Version++
		st.s.stock[m.SKU] = si
	}
	st.s.held[hk] = holding{held: next, version: max(h.version, m.Version)}
	if token != "" {
		st.s.stockTokens[token] = true
	}
	return order.OrderStockResult{Applied: true, Moved: delta, Held: next}, nil
}
