package memstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

var _ order.OrderStore = (*Store)(nil)
var _ order.PendingOrders = (*Store)(nil)
var _ order.Outbox = (*Store)(nil)

// Store keeps everything in memory behind one mutex. It implements
// order.OrderStore itself; the other ports are views over the same data
// (Idempotency, Customers, Settings, Rates, Stock, Carts), so that, as in
// the table, an order creation completes its idempotency key and raising the
// next number moves the counter the creations use.
type Store struct {
	mu  sync.Mutex
	now func() time.Time

	orders   map[string]*order.Order // by id; copies, never shared with callers
	byNumber map[string]string       // display number → id
	byExt    map[string]string       // source + "\x00" + external id → id
	accepted map[string]accepted     // by id: orders stored by Accept
	last     int64                   // last order number issued
	history  map[string][]histRow    // by order id, sorted by key
	outbox   []outboxRow             // in commit order

	idem      map[string]*order.IdempotencyRecord // by scope + "\x00" + key
	customers map[string]*order.CustomerSummary   // by lower-cased e-mail

	settings        *order.Settings
	settingsVersion int64
	rates           map[string]map[string]order.ExchangeRate // currency → date → rate
	stock           map[string]order.StockItem
	stockTokens     map[string]bool
	held            map[string]holding // order id + "\x00" + SKU → what the order holds
	carts           map[string]*cartRow
	cartByExt       map[string]string // source + "\x00" + checkout id → cart id
}

// histRow is a history row with its sort key (time, version, rank), the
// same order as the table's.
type histRow struct {
	key    string
	change order.Change
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for idempotency expiry and default times.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty Store.
func New(opts ...Option) *Store {
	s := &Store{
		now:         time.Now,
		orders:      map[string]*order.Order{},
		byNumber:    map[string]string{},
		byExt:       map[string]string{},
		accepted:    map[string]accepted{},
		history:     map[string][]histRow{},
		idem:        map[string]*order.IdempotencyRecord{},
		customers:   map[string]*order.CustomerSummary{},
		rates:       map[string]map[string]order.ExchangeRate{},
		stock:       map[string]order.StockItem{},
		stockTokens: map[string]bool{},
		held:        map[string]holding{},
		carts:       map[string]*cartRow{},
		cartByExt:   map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Outbox returns a copy of the events written so far, in commit order: what
// the stream relay would publish. Service tests read it.
func (s *Store) Outbox() []order.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]order.Event, len(s.outbox))
	for i, r := range s.outbox {
		out[i] = r.event
	}
	return out
}

func extKey(source order.Source, externalID string) string {
	return string(source) + "\x00" + externalID
}

// sortableTime matches the table's sort keys, so that both stores order
// equal times the same way.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(sortableTime) }

func histKey(at time.Time, version int64, i int) string {
	return fmt.Sprintf("%s#%010d#%03d", fmtTime(at), version, i)
}

// Create implements order.OrderStore.
func (s *Store) Create(ctx context.Context, in *order.Order, opts order.CreateOptions) (*order.Order, error) {
	const op = "memstore.Create"
	if err := ctx.Err(); err != nil {
		return nil, order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	o, err := order.PrepareNewOrder(op, in, s.now())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ExternalID != "" {
		if id, ok := s.byExt[extKey(o.Source, o.ExternalID)]; ok {
			return nil, order.AlreadyExistsError(op, "order", id)
		}
	}
	if _, ok := s.orders[o.ID]; ok {
		return nil, order.AlreadyExistsError(op, "order", o.ID)
	}
	o.Seq = s.last + 1
	o.Number = order.FormatNumber(opts.Prefix, o.Seq, opts.Suffix)
	if _, ok := s.byNumber[o.Number]; ok {
		return nil, order.E(op, order.Conflict, "number_taken",
			fmt.Sprintf("the order number %s is already used; change the numbering prefix or suffix, or raise the next number", o.Number))
	}
	changes, events, err := order.RecordCreation(o, opts)
	if err != nil {
		return nil, err
	}
	if err := checkEvents(op, events); err != nil {
		return nil, err
	}
	var idemRec *order.IdempotencyRecord
	if r := opts.Idempotency; r != nil {
		rec, err := s.completedRecord(op, *r, o.ID)
		if err != nil {
			return nil, err
		}
		if cur, ok := s.idem[idemMapKey(r.Scope, r.Key)]; ok && cur.Status == order.IdempotencyCompleted && s.now().Before(cur.ExpiresAt) {
			return nil, order.E(op, order.Conflict, "idempotency_conflict", "the idempotency key was completed by another request")
		}
		idemRec = rec
	}

	// Every check passed: commit all of it, as the table's transaction does.
	if err := s.commitNumbered(op, o, changes, events); err != nil {
		return nil, err
	}
	if o.ExternalID != "" {
		s.byExt[extKey(o.Source, o.ExternalID)] = o.ID
	}
	if idemRec != nil {
		s.idem[idemMapKey(idemRec.Scope, idemRec.Key)] = idemRec
	}
	return o, nil
}

// commitNumbered stores a numbered new order with what its creation writes
// besides: number, counter, history, events, customer. s.mu is held.
func (s *Store) commitNumbered(op string, o *order.Order, changes []order.Change, events []order.Event) error {
	stored, err := order.CloneOrder(o)
	if err != nil {
		return order.Wrap(op, order.Internal, "invalid_order", "the order cannot be copied", err)
	}
	s.orders[o.ID] = stored
	s.byNumber[o.Number] = o.ID
	s.last = o.Seq
	s.addHistory(o.ID, o.Version, changes)
	s.addOutbox(withOrder(events, o.ID))
	if sh := o.CustomerShare(); sh.Email != "" {
		s.addToCustomer(sh, o.CreatedAt, true)
	}
	return nil
}

// checkEvents refuses events that the table would refuse: no id, or an id
// already in the outbox.
func checkEvents(op string, events []order.Event) error {
	seen := map[string]bool{}
	for _, e := range events {
		if order.ValidID(op, "event id", e.ID) != nil || seen[e.ID] {
			return order.E(op, order.Internal, "invalid_event", fmt.Sprintf("event %q has no valid, unique id", e.ID))
		}
		seen[e.ID] = true
	}
	return nil
}

// withOrder fills the order id of events that name neither order nor cart.
func withOrder(events []order.Event, id string) []order.Event {
	out := make([]order.Event, len(events))
	for i, e := range events {
		if e.OrderID == "" && e.CartID == "" {
			e.OrderID = id
		}
		out[i] = e
	}
	return out
}

func (s *Store) addHistory(id string, version int64, changes []order.Change) {
	rows := s.history[id]
	for i, c := range changes {
		rows = append(rows, histRow{key: histKey(c.At, version, i), change: c})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	s.history[id] = rows
}

// addToCustomer adds a share to its customer's summary (placed: a new
// order, placed at at, which is then the last), as the table's update does.
func (s *Store) addToCustomer(sh order.CustomerShare, at time.Time, placed bool) {
	c, ok := s.customers[sh.Email]
	if !ok {
		c = &order.CustomerSummary{Email: sh.Email, FirstOrderAt: at, LastOrderAt: at}
		s.customers[sh.Email] = c
	}
	c.OrdersCount += sh.Orders
	if placed {
		c.LastOrderAt = at
	}
	for i, m := range c.TotalSpent {
		if m.Currency == sh.Spent.Currency {
			c.TotalSpent[i] = m.Add(sh.Spent)
			return
		}
	}
	c.TotalSpent = append(c.TotalSpent, sh.Spent)
	sort.Slice(c.TotalSpent, func(i, j int) bool { return c.TotalSpent[i].Currency.Code() < c.TotalSpent[j].Currency.Code() })
}

// Get implements order.OrderStore.
func (s *Store) Get(ctx context.Context, id string) (*order.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getLocked("memstore.Get", id)
}

func (s *Store) getLocked(op, id string) (*order.Order, error) {
	o, ok := s.orders[id]
	if !ok {
		return nil, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("order %q not found", id))
	}
	c, err := order.CloneOrder(o)
	if err != nil {
		return nil, order.Wrap(op, order.Internal, "invalid_order", "the stored order cannot be copied", err)
	}
	return c, nil
}

// GetByNumber implements order.OrderStore.
func (s *Store) GetByNumber(ctx context.Context, number string) (*order.Order, error) {
	const op = "memstore.GetByNumber"
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byNumber[strings.TrimSpace(number)]
	if !ok {
		return nil, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("order number %q not found", number))
	}
	return s.getLocked(op, id)
}

// GetByExternal implements order.OrderStore.
func (s *Store) GetByExternal(ctx context.Context, source order.Source, externalID string) (*order.Order, error) {
	const op = "memstore.GetByExternal"
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byExt[extKey(source, externalID)]
	if !ok || externalID == "" {
		return nil, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("external order %q not found", string(source)+"/"+externalID))
	}
	return s.getLocked(op, id)
}

// Update implements order.OrderStore. Holding the mutex across the apply
// step means no race is ever lost here; the contract suite checks that the
// outcome matches the table's, where races are retried.
func (s *Store) Update(ctx context.Context, id string, fn order.UpdateFunc) (*order.Order, error) {
	return s.update(ctx, "memstore.Update", id, -1, fn)
}

// UpdateIfVersion implements order.OrderStore.
func (s *Store) UpdateIfVersion(ctx context.Context, id string, expectedVersion int64, fn order.UpdateFunc) (*order.Order, error) {
	if expectedVersion < 1 {
		return nil, order.E("memstore.UpdateIfVersion", order.Invalid, "invalid_version", "the expected version must be at least 1")
	}
	return s.update(ctx, "memstore.UpdateIfVersion", id, expectedVersion, fn)
}

func (s *Store) update(ctx context.Context, op, id string, expected int64, fn order.UpdateFunc) (*order.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.getLocked(op, id); err != nil {
		return nil, err
	}
	if err := order.NumberBeforeUpdate(s.accepted[id].pending != nil, func() error { return s.numberLocked(op, id) }); err != nil {
		return nil, err
	}
	cur, err := s.getLocked(op, id)
	if err != nil {
		return nil, err
	}
	if expected >= 0 && cur.Version != expected {
		return nil, order.VersionMismatch(op, id, expected, cur.Version)
	}
	next, changes, events, changed, err := order.ApplyUpdate(op, cur, fn, s.now())
	if err != nil {
		return nil, err
	}
	if !changed {
		return cur, nil
	}
	if err := checkEvents(op, events); err != nil {
		return nil, err
	}
	stored, err := order.CloneOrder(next)
	if err != nil {
		return nil, order.Wrap(op, order.Internal, "invalid_order", "the order cannot be copied", err)
	}
	s.orders[id] = stored
	for _, sh := range order.CustomerMoves(cur, next) {
		s.addToCustomer(sh, next.CreatedAt, false)
	}
	if a, ok := s.accepted[id]; ok && a.delivery != "" {
		s.accepted[id] = accepted{} // the table's record loses it at the first change
	}
	s.addHistory(id, next.Version, changes)
	s.addOutbox(withOrder(events, id))
	return next, nil
}

// History implements order.OrderStore.
func (s *Store) History(ctx context.Context, id string, page order.PageRequest) (order.Page[order.Change], error) {
	const op = "memstore.History"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Change]{}, err
	}
	if err := order.ValidID(op, "order id", id); err != nil {
		return order.Page[order.Change]{}, err
	}
	scope := "hist:" + id
	after, err := decodeCursor(op, page.Cursor, scope)
	if err != nil {
		return order.Page[order.Change]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.history[id]
	out := order.Page[order.Change]{Items: []order.Change{}}
	for i, r := range rows {
		if after != "" && r.key <= after {
			continue
		}
		out.Items = append(out.Items, r.change)
		if len(out.Items) == limit {
			if i+1 < len(rows) {
				out.Next = encodeCursor(scope, r.key)
			}
			break
		}
	}
	return out, nil
}

// List implements order.OrderStore with the table's semantics: one
// selector at most, [From, To) on the creation time, newest first (ties by
// id, descending, as in the index sort keys).
func (s *Store) List(ctx context.Context, q order.ListQuery) (order.Page[order.Order], error) {
	const op = "memstore.List"
	limit, err := q.Validate()
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var selected []*order.Order
	for _, o := range s.orders {
		if matches(o, q) {
			selected = append(selected, o)
		}
	}
	return newestFirst(op, q.Cursor, listScope(q), limit, selected,
		func(o *order.Order) string { return fmtTime(o.CreatedAt) + "#" + o.ID },
		func(o *order.Order) (order.Order, error) {
			c, err := order.CloneOrder(o)
			if err != nil {
				return order.Order{}, order.Wrap(op, order.Internal, "invalid_order", "the stored order cannot be copied", err)
			}
			return *c, nil
		})
}

// matches reports whether o is selected by q.
func matches(o *order.Order, q order.ListQuery) bool {
	if !q.From.IsZero() && o.CreatedAt.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !o.CreatedAt.Before(q.To) {
		return false
	}
	switch {
	case !q.Payment.IsZero():
		return o.Payment == q.Payment
	case !q.Fulfilment.IsZero():
		return o.Fulfilment == q.Fulfilment
	case strings.TrimSpace(q.Email) != "":
		return order.CustomerEmail(o.Customer.Email) == order.CustomerEmail(q.Email)
	case q.SKU != "":
		for _, l := range o.Lines {
			if l.SKU == q.SKU {
				return true
			}
		}
		return false
	}
	return true
}

// listScope binds a cursor to its listing.
func listScope(q order.ListQuery) string {
	from, to := "", ""
	if !q.From.IsZero() {
		from = fmtTime(q.From)
	}
	if !q.To.IsZero() {
		to = fmtTime(q.To)
	}
	return strings.Join([]string{q.Payment.String(), q.Fulfilment.String(), order.CustomerEmail(q.Email), q.SKU, from, to}, "\x00")
}

// encodeCursor makes an opaque cursor: the scope and the sort key of the
// last item returned.
func encodeCursor(scope, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(scope + "\x01" + last))
}

// decodeCursor returns the sort key a cursor resumes after ("" for none).
func decodeCursor(op, c, scope string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", order.E(op, order.Invalid, "invalid_cursor", "the page cursor is malformed or belongs to another listing")
	}
	sc, last, ok := strings.Cut(string(b), "\x01")
	if !ok || sc != scope || last == "" {
		return "", order.E(op, order.Invalid, "invalid_cursor", "the page cursor is malformed or belongs to another listing")
	}
	return last, nil
}

// newestFirst returns one page of items, newest first by key (a sort key
// "<time>#<id>", as the table's indexes order them), after the cursor's key
// (scope binds a cursor to its listing); copyOf makes the item returned.
// The caller holds the lock over items.
func newestFirst[S, T any](op, cursor, scope string, limit int, items []S, key func(S) string, copyOf func(S) (T, error)) (order.Page[T], error) {
	after, err := decodeCursor(op, cursor, scope)
	if err != nil {
		return order.Page[T]{}, err
	}
	type keyed struct {
		key  string
		item S
	}
	all := make([]keyed, 0, len(items))
	for _, it := range items {
		all = append(all, keyed{key(it), it})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].key > all[j].key })
	page := order.Page[T]{Items: []T{}}
	for i, k := range all {
		if after != "" && k.key >= after {
			continue
		}
		c, err := copyOf(k.item)
		if err != nil {
			return order.Page[T]{}, err
		}
		page.Items = append(page.Items, c)
		if len(page.Items) == limit {
			if i+1 < len(all) {
				page.Next = encodeCursor(scope, k.key)
			}
			break
		}
	}
	return page, nil
}
