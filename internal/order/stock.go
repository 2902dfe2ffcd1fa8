package order

import (
	"fmt"
	"math"
)

// StockItem is the stock of one SKU.
type StockItem struct {
	SKU    string `json:"sku"`
	OnHand int64  `json:"onHand"` // negative only for a backordered item
	// AllowBackorder lets orders take the stock below zero (the item is
	// ordered from the supplier as needed).
	AllowBackorder bool `json:"allowBackorder,omitempty"`
	// LowThreshold is the level at or below which the stock is low.
	LowThreshold int64 `json:"lowThreshold"`
	// Version increases by one on every stored change (a count or an
	// adjustment); a count is written only over the version it was based on.
	Version int64 `json:"version"`
}

// NewStockItem is an item with the shop's default low-stock threshold.
func NewStockItem(sku string, onHand int64, s Settings) StockItem {
	return StockItem{SKU: sku, OnHand: onHand, LowThreshold: s.LowStockDefault}
}

// StockLevel is how an item's stock looks on the order page: the coloured
// circle beside each product.
type StockLevel string

// The stock levels.
const (
	StockOK  StockLevel = "ok"  // in stock
	StockLow StockLevel = "low" // at or below the low-stock threshold
	StockOut StockLevel = "out" // none left (or backordered)
)

// Colour is the level's colour on the order page: green, orange or red.
func (l StockLevel) Colour() string {
	switch l {
	case StockOK:
		return "green"
	case StockLow:
		return "orange"
	case StockOut:
		return "red"
	}
	return ""
}

// CodeInsufficientStock is the Conflict code of a decrement below zero.
const CodeInsufficientStock = "insufficient_stock"

// checkQuantity refuses a quantity that is not a sensible count of units.
func checkQuantity(op string, q int64) error {
	if q <= 0 || q > MaxQuantity {
		return E(op, Invalid, "invalid_quantity", fmt.Sprintf("quantity must be between 1 and %d, got %d", MaxQuantity, q))
	}
	return nil
}

// Decrement takes q units (an order's line). Below zero it is refused with a
// Conflict "insufficient_stock" whose Details give the SKU, what is on hand
// and what was asked, unless the item allows backorders. A refused decrement
// changes nothing.
func (s *StockItem) Decrement(q int64) error {
	const op = "order.StockItem.Decrement"
	if err := checkQuantity(op, q); err != nil {
		return err
	}
	if s.OnHand-q < 0 && !s.AllowBackorder {
		e := E(op, Conflict, CodeInsufficientStock, fmt.Sprintf("only %d of %s left, %d asked", max(s.OnHand, 0), s.SKU, q))
		e.Details = map[string]any{"sku": s.SKU, "onHand": s.OnHand, "requested": q}
		return e
	}
	if s.OnHand < math.MinInt64/2+q {
		return E(op, Invalid, "stock_out_of_range", fmt.Sprintf("stock of %s would be out of range", s.SKU))
	}
	s.OnHand -= q
	return nil
}

// Restock puts q units back (a cancellation, a return, a delivery from the
// supplier).
func (s *StockItem) Restock(q int64) error {
	const op = "order.StockItem.Restock"
	if err := checkQuantity(op, q); err != nil {
		return err
	}
	if s.OnHand > math.MaxInt64/2-q {
		return E(op, Invalid, "stock_out_of_range", fmt.Sprintf("stock of %s would be out of range", s.SKU))
	}
	s.OnHand += q
	return nil
}

// Level says whether the item is in stock (more than LowThreshold), low (at
// or below it) or out (nothing on hand).
func (s StockItem) Level() StockLevel {
	switch {
	case s.OnHand <= 0:
		return StockOut
	case s.OnHand <= s.LowThreshold:
		return StockLow
	}
	return StockOK
}
