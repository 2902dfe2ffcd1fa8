package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Carts is the DynamoDB order.CartStore. A cart item is in the sparse
// reminder index (GSI2, partition REMIND) only while a reminder is
// scheduled, so the scheduler reads due carts and nothing else.
type Carts struct{ s *Store }

var _ order.CartStore = (*Carts)(nil)

// Carts returns the cart store over the same table.
func (s *Store) Carts() *Carts { return &Carts{s: s} }

// cartSource is the pseudo-source of the carts' external-id items: it is not
// an order source, so cart and order checkout ids never collide.
const cartSource = "cart"

func cartExtPK(source order.Source, externalID string) string {
	return extPK(cartSource+"#"+string(source), externalID)
}

// cartItem is the cart record; version is the store's, not the domain's.
func cartItem(c *order.Cart, version int64) (item, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode cart %s: %w", c.ID, err)
	}
	it := item{
		attrPK: str(cartPK(c.ID)), attrSK: str(skCart), attrType: str(typeCart),
		"id": str(c.ID), "source": str(string(c.Source)), attrVersion: num(version),
		"updatedAt": str(fmtTime(c.UpdatedAt)), attrData: str(string(data)),
	}
	if c.ExternalID != "" {
		it["externalId"] = str(c.ExternalID)
	}
	if e := order.CustomerEmail(c.Customer.Email); e != "" {
		it["email"] = str(e)
	}
	if c.NextReminderAt != nil {
		it[attrGSI2PK] = str(pkRemind)
		it[attrGSI2SK] = str(remindSK(*c.NextReminderAt, c.ID))
	}
	return it, nil
}

func decodeCart(it item) (*order.Cart, int64, error) {
	var c order.Cart
	if err := json.Unmarshal([]byte(getS(it, attrData)), &c); err != nil {
		return nil, 0, fmt.Errorf("decode cart %s: %w", getS(it, attrPK), err)
	}
	v, _ := getN(it, attrVersion)
	return &c, v, nil
}

// Create implements order.CartStore.
func (cs *Carts) Create(ctx context.Context, in *order.Cart, events []order.Event) (*order.Cart, error) {
	const op = "dynamo.Carts.Create"
	c, err := order.PrepareNewCart(op, in, cs.s.now())
	if err != nil {
		return nil, err
	}
	ci, err := cartItem(c, 1)
	if err != nil {
		return nil, mapErr(op, err)
	}
	t := &tx{}
	if c.ExternalID != "" {
		t.add(roleExt, cs.s.put(item{
			attrPK: str(cartExtPK(c.Source, c.ExternalID)), attrSK: str(skExt), attrType: str(typeExt), "cartId": str(c.ID),
		}, "attribute_not_exists(PK)", nil, nil))
	}
	t.add(roleOrder, cs.s.put(ci, "attribute_not_exists(PK)", nil, nil))
	now := cs.s.now()
	for _, e := range events {
		it, err := outboxItem("", e, now)
		if err != nil {
			return nil, err
		}
		t.add(roleOther, cs.s.put(it, "attribute_not_exists(PK)", nil, nil))
	}
	if len(t.items) > maxTransactItems {
		return nil, order.E(op, order.Invalid, "too_many_events", "too many events for one cart")
	}
	for attempt := 0; ; attempt++ {
		_, err = cs.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
		if err == nil {
			return c, nil
		}
		reasons, ok := cancellation(err)
		if !ok {
			return nil, mapErr(op, fmt.Errorf("create cart %s: %w", c.ID, err))
		}
		if i := t.index(roleExt); reasonCode(reasons, i) == reasonConditionalCheck {
			return nil, order.AlreadyExistsError(op, "cart", getS(reasons[i].Item, "cartId"))
		}
		if reasonCode(reasons, t.index(roleOrder)) == reasonConditionalCheck {
			return nil, order.AlreadyExistsError(op, "cart", c.ID)
		}
		if !retryableCancellation(reasons) || attempt+1 >= cs.s.updateAttempts {
			return nil, mapErr(op, fmt.Errorf("create cart %s: %w", c.ID, err))
		}
		if err := cs.s.sleep(ctx, attempt); err != nil {
			return nil, mapErr(op, err)
		}
	}
}

// Get implements order.CartStore.
func (cs *Carts) Get(ctx context.Context, id string) (*order.Cart, error) {
	const op = "dynamo.Carts.Get"
	it, err := cs.getItem(ctx, op, id)
	if err != nil {
		return nil, err
	}
	c, _, err := decodeCart(it)
	return c, mapErr(op, err)
}

func (cs *Carts) getItem(ctx context.Context, op, id string) (item, error) {
	if order.ValidID(op, "cart id", id) != nil {
		return nil, notFound(op, "cart", id)
	}
	out, err := cs.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(cs.s.table), Key: key(cartPK(id), skCart), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get cart %s: %w", id, err))
	}
	if len(out.Item) == 0 {
		return nil, notFound(op, "cart", id)
	}
	return out.Item, nil
}

// GetByExternal implements order.CartStore.
func (cs *Carts) GetByExternal(ctx context.Context, source order.Source, externalID string) (*order.Cart, error) {
	const op = "dynamo.Carts.GetByExternal"
	if externalID == "" {
		return nil, notFound(op, "cart", externalID)
	}
	out, err := cs.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(cs.s.table), Key: key(cartExtPK(source, externalID), skExt), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("get cart %s/%s: %w", source, externalID, err))
	}
	id := getS(out.Item, "cartId")
	if id == "" {
		return nil, notFound(op, "cart", string(source)+"/"+externalID)
	}
	return cs.Get(ctx, id)
}

// Update implements order.CartStore: read, apply, write conditionally on
// the stored version, with the events in the same transaction.
func (cs *Carts) Update(ctx context.Context, id string, fn order.CartUpdateFunc) (*order.Cart, error) {
	const op = "dynamo.Carts.Update"
	it, err := cs.getItem(ctx, op, id)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		cur, version, err := decodeCart(it)
		if err != nil {
			return nil, mapErr(op, err)
		}
		next, events, changed, err := applyCartUpdate(op, cur, fn, cs.s.now())
		if err != nil {
			return nil, err
		}
		if !changed {
			return cur, nil
		}
		ci, err := cartItem(next, version+1)
		if err != nil {
			return nil, mapErr(op, err)
		}
		t := &tx{}
		t.add(roleOrder, cs.s.put(ci, "#version = :v", map[string]string{"#version": attrVersion}, item{":v": num(version)}))
		now := cs.s.now()
		for _, e := range events {
			oi, err := outboxItem("", e, now)
			if err != nil {
				return nil, err
			}
			t.add(roleOther, cs.s.put(oi, "attribute_not_exists(PK)", nil, nil))
		}
		var old item
		if len(t.items) == 1 {
			_, err = cs.s.db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String(cs.s.table), Item: ci,
				ConditionExpression: t.items[0].Put.ConditionExpression, ExpressionAttributeNames: t.items[0].Put.ExpressionAttributeNames,
				ExpressionAttributeValues:           t.items[0].Put.ExpressionAttributeValues,
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			})
			if o, ok := isConditionFailed(err); ok {
				old = o
			} else if err != nil {
				return nil, mapErr(op, fmt.Errorf("save cart %s: %w", id, err))
			}
		} else {
			_, err = cs.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
			if reasons, ok := cancellation(err); ok {
				switch {
				case reasonCode(reasons, 0) == reasonConditionalCheck:
					old = reasons[0].Item
				case retryableCancellation(reasons):
					if old, err = cs.getItem(ctx, op, id); err != nil {
						return nil, err
					}
				default:
					return nil, mapErr(op, fmt.Errorf("save cart %s: %w", id, err))
				}
			} else if err != nil {
				return nil, mapErr(op, fmt.Errorf("save cart %s: %w", id, err))
			}
		}
		if err == nil {
			return next, nil
		}
		if len(old) == 0 {
			return nil, notFound(op, "cart", id)
		}
		if attempt+1 >= cs.s.updateAttempts {
			return nil, order.Wrap(op, order.Conflict, order.CodeVersionConflict,
				fmt.Sprintf("cart %s kept changing under this update; retry", id), err)
		}
		if err := cs.s.sleep(ctx, attempt); err != nil {
			return nil, mapErr(op, err)
		}
		it = old
	}
}

// applyCartUpdate runs fn on a copy of cur and checks the result.
func applyCartUpdate(op string, cur *order.Cart, fn order.CartUpdateFunc, now time.Time) (*order.Cart, []order.Event, bool, error) {
	next, err := order.CloneCart(cur)
	if err != nil {
		return nil, nil, false, mapErr(op, err)
	}
	events, err := fn(next)
	if err != nil {
		return nil, nil, false, err
	}
	if next.ID != cur.ID || next.Source != cur.Source || next.ExternalID != cur.ExternalID {
		return nil, nil, false, order.E(op, order.Invalid, "immutable_field", "a cart's id, source and external id cannot change")
	}
	before, _ := json.Marshal(cur)
	after, err := json.Marshal(next)
	if err != nil {
		return nil, nil, false, order.Wrap(op, order.Invalid, "invalid_cart", "the updated cart cannot be encoded", err)
	}
	if string(before) == string(after) && len(events) == 0 {
		return nil, nil, false, nil
	}
	if err := next.Validate(); err != nil {
		return nil, nil, false, err
	}
	return next, events, true, nil
}

// Due implements order.CartStore: the REMIND partition of GSI2, oldest due
// first, up to now. Sort keys start with the due time in fixed width, so
// "due at or before now" is "key < the time one nanosecond after now".
func (cs *Carts) Due(ctx context.Context, now time.Time, page order.PageRequest) (order.Page[order.Cart], error) {
	const op = "dynamo.Carts.Due"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Cart]{}, err
	}
	c, err := decodeCursor(op, page.Cursor, "remind")
	if err != nil {
		return order.Page[order.Cart]{}, err
	}
	items, next, err := cs.s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :bound"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI2PK, "#sk": attrGSI2SK},
		ExpressionAttributeValues: item{":pk": str(pkRemind), ":bound": str(fmtTime(now.Add(time.Nanosecond)))},
		ExclusiveStartKey:         c.startKey(),
	}, limit)
	if err != nil {
		return order.Page[order.Cart]{}, mapErr(op, fmt.Errorf("list due carts: %w", err))
	}
	out := order.Page[order.Cart]{Items: make([]order.Cart, 0, len(items))}
	for _, it := range items {
		cart, _, err := decodeCart(it)
		if err != nil {
			return order.Page[order.Cart]{}, mapErr(op, err)
		}
		out.Items = append(out.Items, *cart)
	}
	if next != nil {
		out.Next = encodeCursor(cursor{Scope: c.Scope, Key: next})
	}
	return out, nil
}
