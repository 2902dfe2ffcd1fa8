package apihttp

import (
	"encoding/json"
	"strconv"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Bounds of the "limit" query parameter of paged lists.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// maxCursorLen bounds the opaque cursor; a DynamoDB key of the table
	// encodes to far less.
	maxCursorLen = 2048
)

// Page is where a paged list starts and how long it is.
type Page struct {
	Limit  int    // 1..MaxLimit
	Cursor string // opaque, as returned in List.NextCursor; "" for the first page
}

// ParsePage reads the "limit" and "cursor" query parameters. A missing limit
// is DefaultLimit; anything but an integer in 1..MaxLimit is an Invalid
// error (code invalid_limit) rather than silently clamped, so a client
// learns its page size is not the one it asked for. The cursor is opaque
// here: the store that issued it validates it.
func ParsePage(req *Request) (Page, error) {
	const op = "apihttp.ParsePage"
	p := Page{Limit: DefaultLimit, Cursor: req.Query("cursor")}
	if raw := req.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxLimit {
			e := order.E(op, order.Invalid, "invalid_limit", "limit must be an integer from 1 to "+strconv.Itoa(MaxLimit))
			e.Details = map[string]any{"min": 1, "max": MaxLimit}
			return Page{}, e
		}
		p.Limit = n
	}
	if len(p.Cursor) > maxCursorLen {
		return Page{}, order.E(op, order.Invalid, "invalid_cursor", "cursor is not one this API returned")
	}
	return p, nil
}

// List is the JSON shape of one page of a list:
// {"items":[...],"next_cursor":"..."}, next_cursor absent on the last page.
type List[T any] struct {
	Items      []T
	NextCursor string
}

// MarshalJSON writes an empty page as "items":[] rather than null, so that
// clients can always iterate.
func (l List[T]) MarshalJSON() ([]byte, error) {
	items := l.Items
	if items == nil {
		items = []T{}
	}
	return json.Marshal(struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}{items, l.NextCursor})
}
