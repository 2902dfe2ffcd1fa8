package dynamo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

var _ order.OrderStore = (*Store)(nil)
var _ order.PendingOrders = (*Store)(nil)

// Limits of DynamoDB that shape the writes.
const (
	maxTransactItems = 100 // items in one TransactWriteItems
	maxBatchWrite    = 25  // items in one BatchWriteItem
	maxBatchGet      = 100 // keys in one BatchGetItem
	// maxOrderData keeps an order record well under the 400 KB item limit,
	// leaving room for its key and index attributes.
	maxOrderData = 380 * 1024
)

// contendedFor is how long after a lost numbering race an instance keeps
// jittering its first attempts.
const contendedFor = time.Second

// maxPause bounds the fairness pause of a contended creation.
const maxPause = 250 * time.Millisecond

// txRole says what an item of a transaction is for, so that the
// cancellation reasons (index-aligned with the items) can be read.
type txRole int

const (
	roleOther txRole = iota
	roleExt
	roleOrder
	roleNumber
	roleCounter
	roleIdem
	roleHolding // what an order holds of a SKU (Stock.MoveForOrder)
)

// tx is a transaction being built.
type tx struct {
	items []types.TransactWriteItem
	roles []txRole
}

func (t *tx) add(r txRole, it types.TransactWriteItem) {
	t.items = append(t.items, it)
	t.roles = append(t.roles, r)
}

// index returns the position of the item with role r, or -1.
func (t *tx) index(r txRole) int {
	for i, role := range t.roles {
		if role == r {
			return i
		}
	}
	return -1
}

func (s *Store) put(it item, cond string, names map[string]string, values item) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(s.table), Item: it}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeNames = names
		p.ExpressionAttributeValues = values
		// The old image comes back in the cancellation reason: a duplicate
		// learns the stored order's id, a lost race the current version,
		// without another request.
		p.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return types.TransactWriteItem{Put: p}
}

// Create implements order.OrderStore. It sends one TransactWriteItems
// holding every item of the new order; a warm store (one that knows the last
// order number) needs that single request, a cold one a second when its
// guess of the counter was wrong, a duplicate delivery exactly one. See
// docs/DATA_MODEL.md for the items and their conditions.
func (s *Store) Create(ctx context.Context, in *order.Order, opts order.CreateOptions) (*order.Order, error) {
	const op = "dynamo.Create"
	o, err := order.PrepareNewOrder(op, in, s.now())
	if err != nil {
		return nil, err
	}
	lines := lineIndexItems(o)
	// The transaction holds the first index entries; those of a very large
	// order that do not fit are written first, so the order is complete in
	// the index once committed. If the creation then fails, the entries
	// point at no order (or one without the SKU) and listings skip them.
	if room := maxTransactItems - fixedCreateItems(o, opts); len(lines) > room {
		if err := s.batchPut(ctx, lines[max(room, 0):]); err != nil {
			return nil, mapErr(op, fmt.Errorf("index lines of order %s: %w", o.ID, err))
		}
		lines = lines[:max(room, 0)]
	}

	err = s.numberLoop(ctx, op, o.ID, numberRound{
		build: func(prev int64, known bool) (*tx, error) {
			o.Seq = prev + 1
			o.Number = order.FormatNumber(opts.Prefix, o.Seq, opts.Suffix)
			return s.createTx(op, o, prev, known, opts, lines)
		},
		settle: func(reasons []types.CancellationReason, t *tx) (bool, error) {
			if id, dup := duplicateOf(reasons, t, o.ID); dup {
				return true, order.AlreadyExistsError(op, "order", id)
			}
			if reasonCode(reasons, t.index(roleIdem)) == reasonConditionalCheck {
				return true, order.E(op, order.Conflict, "idempotency_conflict",
					"the idempotency key was completed by another request")
			}
			return false, nil
		},
		taken: func() error {
			return order.E(op, order.Conflict, "number_taken",
				fmt.Sprintf("the order number %s is already used; change the numbering prefix or suffix, or raise the next number", o.Number))
		},
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// numberRound is what Create and AssignNumber tell numberLoop.
type numberRound struct {
	// build returns the transaction that numbers the order prev+1 over the
	// counter value prev (known says whether prev is known or guessed), or
	// a nil transaction when there is nothing left to number.
	build func(prev int64, known bool) (*tx, error)
	// settle reads a cancellation before the counter's reason is read:
	// done stops the loop with err; otherwise the loop goes on (settle may
	// have changed what build reads).
	settle func(reasons []types.CancellationReason, t *tx) (done bool, err error)
	// taken answers a failed number guard: an error stops the loop, nil
	// tries again (the counter was moved past the number).
	taken func() error
}

// numberLoop is the write loop shared by Create and AssignNumber: one
// transaction moving the order-number counter from this instance's cached
// value to the next, with the order; a lost counter race is retried at
// once (the cancellation reason carries the counter's real value), DynamoDB's
// transient cancellations after a backoff, both a bounded number of times.
// A warm store (one that knows the last number) needs one transaction, a
// cold one a second when its guess of the counter was wrong.
func (s *Store) numberLoop(ctx context.Context, op, id string, r numberRound) error {
	queued := !s.numMu.TryLock()
	if queued {
		s.numMu.Lock()
	}
	defer s.numMu.Unlock()
	for attempt := 0; ; attempt++ {
		if attempt == 0 && (queued || time.Since(s.contended) < contendedFor) {
			// A burst of creations in this instance (or one that recently
			// lost a race). Other instances learn the counter from failures
			// that reach them about one transaction after this instance's
			// commit, so without a pause of about that length this
			// instance would always be first with the right number and
			// starve them. A Lambda serves one request at a time, so in
			// production the pause only applies after a lost race.
			if err := s.pause(ctx, rand.N(2*s.txLatency+time.Millisecond)); err != nil {
				return mapErr(op, err)
			}
		}
		prev, known := s.last, s.lastSet
		t, err := r.build(prev, known)
		if err != nil || t == nil {
			return err
		}
		sent := time.Now()
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
		s.txLatency = min(time.Since(sent), maxPause)
		if err == nil {
			s.last, s.lastSet = prev+1, true
			return nil
		}
		reasons, ok := cancellation(err)
		if !ok {
			return mapErr(op, fmt.Errorf("number order %s: %w", id, err))
		}
		s.learnCounter(reasons, t)
		if done, serr := r.settle(reasons, t); done {
			return serr
		}
		switch {
		case reasonCode(reasons, t.index(roleCounter)) == reasonConditionalCheck:
			// Another instance committed an order: the reason carried the
			// counter's value, so the next attempt uses the right number.
			// Retry at once, with a little jitter only: a long wait would
			// let the instance that just won win again. Every lost round
			// is someone else's commit, so the attempts bound only stops
			// a pathological pile-up.
			s.contended = time.Now()
			if attempt+1 >= s.createAttempts {
				return order.Wrap(op, order.Transient, "numbering_contention",
					"too many concurrent order creations, retry", err)
			}
			if err := s.jitter(ctx); err != nil {
				return mapErr(op, err)
			}
		case reasonCode(reasons, t.index(roleNumber)) == reasonConditionalCheck:
			if err := r.taken(); err != nil {
				return err
			}
		case retryableCancellation(reasons):
			if attempt+1 >= s.createAttempts {
				return mapErr(op, fmt.Errorf("number order %s: %w", id, err))
			}
			if err := s.sleep(ctx, attempt); err != nil {
				return mapErr(op, err)
			}
		case reasonCode(reasons, t.index(roleOrder)) == reasonConditionalCheck:
			// settle went on after the order's own condition: it read the
			// current image, and the next round builds on it.
		default:
			return mapErr(op, fmt.Errorf("number order %s: %w", id, err))
		}
		if attempt+1 >= s.createAttempts+s.updateAttempts {
			return order.E(op, order.Transient, "numbering_contention", fmt.Sprintf("order %s could not be numbered, retry", id))
		}
	}
}

// createTx builds the creation transaction for number o.Seq over the
// counter value prev.
func (s *Store) createTx(op string, o *order.Order, prev int64, known bool, opts order.CreateOptions, lines []item) (*tx, error) {
	now := s.now()
	t := &tx{}
	if o.ExternalID != "" {
		t.add(roleExt, s.put(item{
			attrPK:      str(extPK(string(o.Source), o.ExternalID)),
			attrSK:      str(skExt),
			attrType:    str(typeExt),
			attrOrderID: str(o.ID),
		}, "attribute_not_exists(PK)", nil, nil))
	}
	t.add(roleCounter, s.counterUpdate(o, prev, known))

	oi, err := orderItem(o)
	if err != nil {
		return nil, err
	}
	if len(getS(oi, attrData)) > maxOrderData {
		return nil, order.E(op, order.TooLarge, "order_too_large", "the order is too large to store")
	}
	t.add(roleOrder, s.put(oi, "attribute_not_exists(PK)", nil, nil))
	t.add(roleNumber, s.numberGuard(o))

	if opts.Idempotency != nil {
		r := *opts.Idempotency
		r.ResourceID = o.ID
		it, err := idemCompletedItem(r, now)
		if err != nil {
			return nil, err
		}
		t.add(roleIdem, s.put(it, "attribute_not_exists(PK) OR #status = :inprogress OR #exp < :now",
			map[string]string{"#status": attrStatus, "#exp": attrExpiresAt},
			item{":inprogress": str(string(order.IdempotencyInProgress)), ":now": str(fmtTime(now))}))
	}
	if err := s.addCreationRecords(t, o, opts, now); err != nil {
		return nil, err
	}
	if len(t.items)+len(lines) > maxTransactItems {
		return nil, order.E(op, order.Invalid, "too_many_events",
			fmt.Sprintf("a creation writes at most %d items in all; there are too many history rows and events", maxTransactItems))
	}
	for _, it := range lines {
		t.add(roleOther, s.put(it, "", nil, nil))
	}
	return t, nil
}

// numberGuard is the item that makes a display number unique: it must not
// exist yet.
func (s *Store) numberGuard(o *order.Order) types.TransactWriteItem {
	return s.put(item{
		attrPK:      str(orderNumPK(o.Number)),
		attrSK:      str(skOrderNum),
		attrType:    str(typeOrderNum),
		attrOrderID: str(o.ID),
		"seq":       num(o.Seq),
	}, "attribute_not_exists(PK)", nil, nil)
}

// addCreationRecords adds to t what a creation writes besides the order,
// its guards and the counter: the customer's counters, then the history
// rows and outbox events of opts.Record, recorded with the numbered order.
func (s *Store) addCreationRecords(t *tx, o *order.Order, opts order.CreateOptions, now time.Time) error {
	if sh := o.CustomerShare(); sh.Email != "" {
		t.add(roleOther, s.customerUpdate(sh, o.CreatedAt, true))
	}
	changes, events, err := order.RecordCreation(o, opts)
	if err != nil {
		return err
	}
	for i, c := range changes {
		it, err := historyItem(o.ID, o.Version, i, c)
		if err != nil {
			return err
		}
		t.add(roleOther, s.put(it, "", nil, nil))
	}
	for _, e := range events {
		it, err := outboxItem(o.ID, e, now)
		if err != nil {
			return err
		}
		t.add(roleOther, s.put(it, "attribute_not_exists(PK)", nil, nil))
	}
	return nil
}

// fixedCreateItems counts the items of a creation transaction other than
// the history rows, the events and the SKU index entries.
func fixedCreateItems(o *order.Order, opts order.CreateOptions) int {
	n := 3 // counter, order, number
	if o.ExternalID != "" {
		n++
	}
	if order.CustomerEmail(o.Customer.Email) != "" {
		n++
	}
	if opts.Idempotency != nil {
		n++
	}
	// Room for a few history rows and events, which Record only returns
	// once the number is known.
	return n + reservedForRecord
}

// reservedForRecord is the room kept for the history rows and events of a
// creation when a large order's index entries are split off.
const reservedForRecord = 8

// counterUpdate moves the order-number counter from prev to o.Seq, only if
// it still is prev: the condition that makes numbers unique and gapless. It
// also records the order's month in the set of months that have orders,
// which bounds the time listing.
func (s *Store) counterUpdate(o *order.Order, prev int64, known bool) types.TransactWriteItem {
	cond := "#last = :prev"
	if !known || prev == 0 {
		// A cold store guesses an empty table; a wrong guess costs one
		// cancelled transaction whose reason carries the real value.
		cond = "attribute_not_exists(#last) OR #last = :prev"
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           aws.String(s.table),
		Key:                                 key(pkOrderCounter, skCounter),
		UpdateExpression:                    aws.String("SET #last = :seq, #type = :type ADD #months :month"),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            map[string]string{"#last": attrLast, "#type": attrType, "#months": attrMonths},
		ExpressionAttributeValues:           item{":seq": num(o.Seq), ":prev": num(prev), ":type": str(typeCounter), ":month": &types.AttributeValueMemberSS{Value: []string{monthOf(o.CreatedAt)}}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// learnCounter updates the cached counter from a cancelled creation: a
// failed counter condition returns the counter's current image (none when
// it does not exist yet, i.e. zero).
func (s *Store) learnCounter(reasons []types.CancellationReason, t *tx) {
	i := t.index(roleCounter)
	if reasonCode(reasons, i) != reasonConditionalCheck {
		return
	}
	last, _ := getN(reasons[i].Item, attrLast)
	s.last, s.lastSet = last, true
}

// duplicateOf reports whether a cancelled creation failed because the order
// already exists, and the stored order's id.
func duplicateOf(reasons []types.CancellationReason, t *tx, id string) (string, bool) {
	if i := t.index(roleExt); reasonCode(reasons, i) == reasonConditionalCheck {
		if existing := getS(reasons[i].Item, attrOrderID); existing != "" {
			return existing, true
		}
		return "", true
	}
	if reasonCode(reasons, t.index(roleOrder)) == reasonConditionalCheck {
		return id, true
	}
	return "", false
}

// customerUpdate adds a share to its customer's summary (see
// order.CustomerShare; a negative share takes one away). Totals are kept
// per currency in one attribute each, so that ADD works without a map that
// would have to exist first; DynamoDB numbers are exact decimals. placed
// says the share is a new order's, placed at at: it is then the last order;
// otherwise (an edit moving an order to this customer) at only fills
// times the summary does not have yet.
func (s *Store) customerUpdate(sh order.CustomerShare, at time.Time, placed bool) types.TransactWriteItem {
	last := "#lastAt = :at"
	if !placed {
		last = "#lastAt = if_not_exists(#lastAt, :at)"
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table),
		Key:       key(customerPK(sh.Email), skCustomer),
		UpdateExpression: aws.String("SET #type = :type, #email = :email, #first = if_not_exists(#first, :at), " + last +
			" ADD #count :n, #spent :spent"),
		ExpressionAttributeNames: map[string]string{
			"#type": attrType, "#email": "email", "#first": "firstOrderAt", "#lastAt": "lastOrderAt",
			"#count": "ordersCount", "#spent": spentAttr(sh.Spent.Currency.Code()),
		},
		ExpressionAttributeValues: item{":type": str(typeCustomer), ":email": str(sh.Email), ":at": str(fmtTime(at)),
			":n": num(sh.Orders), ":spent": numS(sh.Spent.Amount.String())},
	}}
}

// spentAttr is the customer attribute holding the total spent in a currency.
func spentAttr(code string) string { return spentPrefix + code }

const spentPrefix = "totalSpent_"

// batchPut writes items outside a transaction (the line-index entries of a
// very large order).
func (s *Store) batchPut(ctx context.Context, items []item) error {
	reqs := make([]types.WriteRequest, 0, len(items))
	for _, it := range items {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
	}
	return s.batchWrite(ctx, reqs)
}

// batchWrite sends writes 25 at a time, retrying what DynamoDB leaves
// unprocessed.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for start := 0; start < len(reqs); start += maxBatchWrite {
		pending := map[string][]types.WriteRequest{s.table: reqs[start:min(start+maxBatchWrite, len(reqs))]}
		for attempt := 0; len(pending[s.table]) > 0; attempt++ {
			if attempt >= s.updateAttempts {
				return fmt.Errorf("batch write: %d items still unprocessed", len(pending[s.table]))
			}
			if attempt > 0 {
				if err := s.sleep(ctx, attempt); err != nil {
					return err
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

// Get implements order.OrderStore.
func (s *Store) Get(ctx context.Context, id string) (*order.Order, error) {
	const op = "dynamo.Get"
	it, err := s.getOrderItem(ctx, op, id)
	if err != nil {
		return nil, err
	}
	o, err := decodeOrder(it)
	return o, mapErr(op, err)
}

// getOrderItem reads an order record with a consistent read.
func (s *Store) getOrderItem(ctx context.Context, op, id string) (item, error) {
	if order.ValidID(op, "order id", id) != nil {
		return nil, notFound(op, "order", id)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(orderPK(id), skOrder),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get order %s: %w", id, err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "order", id)
	}
	return out.Item, nil
}

// GetByNumber implements order.OrderStore.
func (s *Store) GetByNumber(ctx context.Context, number string) (*order.Order, error) {
	const op = "dynamo.GetByNumber"
	number = strings.TrimSpace(number)
	if number == "" {
		return nil, notFound(op, "order number", number)
	}
	return s.getVia(ctx, op, key(orderNumPK(number), skOrderNum), "order number", number)
}

// GetByExternal implements order.OrderStore.
func (s *Store) GetByExternal(ctx context.Context, source order.Source, externalID string) (*order.Order, error) {
	const op = "dynamo.GetByExternal"
	if externalID == "" || source == "" {
		return nil, notFound(op, "external order", externalID)
	}
	o, err := s.getVia(ctx, op, key(extPK(string(source), externalID), skExt), "external order", string(source)+"/"+externalID)
	if !order.IsKind(err, order.NotFound) {
		return o, err
	}
	// An accepted order has no external-id item: its id is derived.
	o, gerr := s.Get(ctx, order.StorefrontOrderID(source, externalID))
	switch {
	case order.IsKind(gerr, order.NotFound):
		return nil, err
	case gerr != nil:
		return nil, gerr
	case o.Source != source || o.ExternalID != externalID:
		return nil, err
	}
	return o, nil
}

// getVia follows a lookup item (number or external id) to its order.
func (s *Store) getVia(ctx context.Context, op string, k item, what, name string) (*order.Order, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get %s %s: %w", what, name, err))
	}
	id := getS(out.Item, attrOrderID)
	if id == "" {
		return nil, notFound(op, what, name)
	}
	return s.Get(ctx, id)
}
