package adminapi

import (
	"strings"

	"github.com/ordersmith/ordersmith/internal/order"
)

// orderView is an order as the API shows it: the order's own JSON, with
// each line carrying the stock of its SKU when the shop tracks it.
type orderView struct {
	*order.Order
	// Lines shadows the order's lines (a field at a shallower depth wins in
	// encoding/json), so each line can carry its stock.
	Lines []lineView `json:"lines"`
}

// lineView is an order line with its stock level: the circle beside the
// product on the order page, green (in stock) or orange (at or below the
// SKU's low-stock threshold), red when none is left.
type lineView struct {
	order.LineItem
	Stock *stockView `json:"stock,omitempty"`
}

// stockView is a stock item with its level.
type stockView struct {
	SKU            string           `json:"sku"`
	OnHand         int64            `json:"onHand"`
	LowThreshold   int64            `json:"lowThreshold"`
	AllowBackorder bool             `json:"allowBackorder"`
	Level          order.StockLevel `json:"level"`
	Colour         string           `json:"colour"`
}

func newStockView(si order.StockItem) stockView {
	return stockView{SKU: si.SKU, OnHand: si.OnHand, LowThreshold: si.LowThreshold, AllowBackorder: si.AllowBackorder,
		Level: si.Level(), Colour: si.Level().Colour()}
}

// newOrderView builds the view of o; stock maps the SKUs the shop tracks to
// their items (nil when the response does not show stock).
func newOrderView(o *order.Order, stock map[string]order.StockItem) orderView {
	v := orderView{Order: o, Lines: make([]lineView, 0, len(o.Lines))}
	for _, l := range o.Lines {
		lv := lineView{LineItem: l}
		if si, ok := stock[strings.TrimSpace(l.SKU)]; ok && !l.Digital {
			sv := newStockView(si)
			lv.Stock = &sv
		}
		v.Lines = append(v.Lines, lv)
	}
	return v
}
