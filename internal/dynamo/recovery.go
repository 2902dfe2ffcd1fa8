package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Recovery is the DynamoDB order.RecoveryStore. A reminder is an item of
// its cart's partition (CART#<id> / REMINDER#<step>): the claim, then the
// audit record that replaces it. The address's last reminder time and the
// suppression list are one item per address.
type Recovery struct{ s *Store }

var _ order.RecoveryStore = (*Recovery)(nil)

// Recovery returns the reminder store over the same table.
func (s *Store) Recovery() *Recovery { return &Recovery{s: s} }

// Items and attributes of the recovery store.
const (
	typeReminder     = "cartReminder"
	typeReminded     = "reminded"
	typeSuppression  = "suppression"
	prefixReminder   = "REMINDER#"
	skReminded       = "REMINDED"
	skSuppress       = "SUPPRESS"
	attrOwner        = "owner"
	attrLeaseUntil   = "leaseUntil"
	attrClicks       = "clicks"
	attrLastClickAt  = "lastClickAt"
	attrLastSentAt   = "lastSentAt"
	attrSuppressedAt = "suppressedAt"
)

func reminderSK(step int) string           { return fmt.Sprintf("%s%02d", prefixReminder, step) }
func remindedPK(email string) string       { return "REMINDED#" + order.CustomerEmail(email) }
func suppressPK(email string) string       { return "SUPPRESS#" + order.CustomerEmail(email) }
func reminderKey(id string, step int) item { return key(cartPK(id), reminderSK(step)) }

// Claim implements order.RecoveryStore: a put if the reminder has no item,
// or only a claim whose lease has ended.
func (r *Recovery) Claim(ctx context.Context, cartID string, step int, owner string, now time.Time, lease time.Duration) error {
	const op = "dynamo.Recovery.Claim"
	it := reminderKey(cartID, step)
	it[attrType], it[attrStatus], it[attrOwner] = str(typeReminder), str(string(order.ReminderClaimed)), str(owner)
	it[attrLeaseUntil] = str(fmtTime(now.Add(lease)))
	_, err := r.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(r.s.table), Item: it,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR (#status = :claimed AND #lease < :now)"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus, "#lease": attrLeaseUntil},
		ExpressionAttributeValues: item{":claimed": str(string(order.ReminderClaimed)), ":now": str(fmtTime(now))},
	})
	if _, failed := isConditionFailed(err); failed {
		return order.ReminderTaken(op, cartID, step)
	}
	return mapErr(op, wrapf(err, "claim reminder %d of cart %s", step, cartID))
}

// Release implements order.RecoveryStore: a delete conditional on the
// owner's claim.
func (r *Recovery) Release(ctx context.Context, cartID string, step int, owner string) error {
	const op = "dynamo.Recovery.Release"
	_, err := r.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(r.s.table), Key: reminderKey(cartID, step),
		ConditionExpression:       aws.String("#status = :claimed AND #owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus, "#owner": attrOwner},
		ExpressionAttributeValues: item{":claimed": str(string(order.ReminderClaimed)), ":owner": str(owner)},
	})
	if _, failed := isConditionFailed(err); failed {
		return nil
	}
	return mapErr(op, wrapf(err, "release reminder %d of cart %s", step, cartID))
}

// Record implements order.RecoveryStore: the record replaces a claim or
// nothing; a sent one stamps the address in the same transaction.
func (r *Recovery) Record(ctx context.Context, rec order.ReminderRecord) error {
	const op = "dynamo.Recovery.Record"
	rec.Email = order.CustomerEmail(rec.Email)
	data, err := json.Marshal(rec)
	if err != nil {
		return mapErr(op, fmt.Errorf("encode reminder %d of cart %s: %w", rec.Step, rec.CartID, err))
	}
	it := reminderKey(rec.CartID, rec.Step)
	it[attrType], it[attrStatus], it[attrData] = str(typeReminder), str(string(rec.Status)), str(string(data))
	it["cartId"], it["step"], it["at"] = str(rec.CartID), num(int64(rec.Step)), str(fmtTime(rec.At))
	if rec.Email != "" {
		it["email"] = str(rec.Email)
	}
	put := r.s.put(it, "attribute_not_exists(PK) OR #status = :claimed",
		map[string]string{"#status": attrStatus}, item{":claimed": str(string(order.ReminderClaimed))})
	items := []types.TransactWriteItem{put}
	if rec.Status == order.ReminderSent && rec.Email != "" {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.s.table), Key: key(remindedPK(rec.Email), skReminded),
			UpdateExpression:          aws.String("SET #type = :type, #last = :at"),
			ExpressionAttributeNames:  map[string]string{"#type": attrType, "#last": attrLastSentAt},
			ExpressionAttributeValues: item{":type": str(typeReminded), ":at": str(fmtTime(rec.At))},
		}})
	}
	_, err = r.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if reasons, ok := cancellation(err); ok && reasonCode(reasons, 0) == reasonConditionalCheck {
		return order.ReminderTaken(op, rec.CartID, rec.Step)
	}
	return mapErr(op, wrapf(err, "record reminder %d of cart %s", rec.Step, rec.CartID))
}

// Reminders implements order.RecoveryStore: the REMINDER# items of the
// cart's partition, paged.
func (r *Recovery) Reminders(ctx context.Context, cartID string) ([]order.ReminderRecord, error) {
	const op = "dynamo.Recovery.Reminders"
	p := dynamodb.NewQueryPaginator(r.s.db, &dynamodb.QueryInput{
		TableName: aws.String(r.s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: item{":pk": str(cartPK(cartID)), ":prefix": str(prefixReminder)},
	})
	var out []order.ReminderRecord
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(op, fmt.Errorf("list reminders of cart %s: %w", cartID, err))
		}
		for _, it := range page.Items {
			rec, err := decodeReminder(it)
			if err != nil {
				return nil, mapErr(op, err)
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

func decodeReminder(it item) (order.ReminderRecord, error) {
	var rec order.ReminderRecord
	if d := getS(it, attrData); d != "" {
		if err := json.Unmarshal([]byte(d), &rec); err != nil {
			return rec, fmt.Errorf("decode reminder %s/%s: %w", getS(it, attrPK), getS(it, attrSK), err)
		}
	} else { // a claim
		step, _ := strconv.Atoi(getS(it, attrSK)[len(prefixReminder):])
		rec = order.ReminderRecord{CartID: getS(it, attrPK)[len("CART#"):], Step: step, Status: order.ReminderStatus(getS(it, attrStatus))}
	}
	clicks, _ := getN(it, attrClicks)
	rec.Clicks = int(clicks)
	at, err := parseTime(getS(it, attrLastClickAt))
	rec.LastClickAt = at
	return rec, err
}

// LastReminderTo implements order.RecoveryStore.
func (r *Recovery) LastReminderTo(ctx context.Context, email string) (time.Time, error) {
	const op = "dynamo.Recovery.LastReminderTo"
	out, err := r.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: key(remindedPK(email), skReminded), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return time.Time{}, mapErr(op, fmt.Errorf("read the last reminder to an address: %w", err))
	}
	t, err := parseTime(getS(out.Item, attrLastSentAt))
	return t, mapErr(op, err)
}

// Suppress implements order.RecoveryStore: a put if absent.
func (r *Recovery) Suppress(ctx context.Context, email string, at time.Time) error {
	const op = "dynamo.Recovery.Suppress"
	it := key(suppressPK(email), skSuppress)
	it[attrType], it["email"], it[attrSuppressedAt] = str(typeSuppression), str(order.CustomerEmail(email)), str(fmtTime(at))
	_, err := r.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(r.s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if _, failed := isConditionFailed(err); failed {
		return nil
	}
	return mapErr(op, wrapf(err, "suppress an address"))
}

// Suppressed implements order.RecoveryStore.
func (r *Recovery) Suppressed(ctx context.Context, email string) (bool, error) {
	const op = "dynamo.Recovery.Suppressed"
	out, err := r.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(r.s.table), Key: key(suppressPK(email), skSuppress), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("PK"),
	})
	if err != nil {
		return false, mapErr(op, fmt.Errorf("read the suppression list: %w", err))
	}
	return len(out.Item) > 0, nil
}

// RecordClick implements order.RecoveryStore: an ADD on a sent reminder.
func (r *Recovery) RecordClick(ctx context.Context, cartID string, step int, at time.Time) error {
	const op = "dynamo.Recovery.RecordClick"
	_, err := r.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(r.s.table), Key: reminderKey(cartID, step),
		UpdateExpression:          aws.String("ADD #clicks :one SET #last = :at"),
		ConditionExpression:       aws.String("#status = :sent"),
		ExpressionAttributeNames:  map[string]string{"#clicks": attrClicks, "#last": attrLastClickAt, "#status": attrStatus},
		ExpressionAttributeValues: item{":one": num(1), ":at": str(fmtTime(at)), ":sent": str(string(order.ReminderSent))},
	})
	if _, failed := isConditionFailed(err); failed {
		return notFound(op, "reminder", fmt.Sprintf("%s/%d", cartID, step))
	}
	return mapErr(op, wrapf(err, "count a click of reminder %d of cart %s", step, cartID))
}

// wrapf adds what was being done to err; nil stays nil.
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
