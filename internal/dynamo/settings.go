package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Settings is the DynamoDB order.SettingsStore: the settings item, versioned,
// and the order-number counter that order creations move.
type Settings struct{ s *Store }

var _ order.SettingsStore = (*Settings)(nil)

// Settings returns the settings store over the same table. It shares the
// Store's cached counter, so a raise is seen by the next creation at once.
func (s *Store) Settings() *Settings { return &Settings{s: s} }

// Get implements order.SettingsStore: one BatchGetItem reads the settings
// and the counter together.
func (st *Settings) Get(ctx context.Context) (order.Settings, int64, error) {
	const op = "dynamo.Settings.Get"
	settingsKey, counterKey := key(pkSettings, skShop), key(pkOrderCounter, skCounter)
	pending := map[string]types.KeysAndAttributes{st.s.table: {
		Keys: []map[string]types.AttributeValue{settingsKey, counterKey}, ConsistentRead: aws.Bool(true),
	}}
	var got []item
	for attempt := 0; len(pending[st.s.table].Keys) > 0; attempt++ {
		if attempt >= st.s.updateAttempts {
			return order.Settings{}, 0, order.E(op, order.Transient, "throttled", "the database is busy, retry later")
		}
		if attempt > 0 {
			if err := st.s.sleep(ctx, attempt); err != nil {
				return order.Settings{}, 0, mapErr(op, err)
			}
		}
		out, err := st.s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return order.Settings{}, 0, mapErr(op, fmt.Errorf("get settings: %w", err))
		}
		got = append(got, out.Responses[st.s.table]...)
		pending = out.UnprocessedKeys
	}
	var (
		settings order.Settings
		version  int64
		last     int64
	)
	for _, it := range got {
		switch getS(it, attrPK) {
		case pkSettings:
			if err := json.Unmarshal([]byte(getS(it, attrData)), &settings); err != nil {
				return order.Settings{}, 0, mapErr(op, fmt.Errorf("decode settings: %w", err))
			}
			version, _ = getN(it, attrVersion)
		case pkOrderCounter:
			last, _ = getN(it, attrLast)
		}
	}
	settings.Numbering.Next = last + 1
	return settings, version, nil
}

// Put implements order.SettingsStore.
func (st *Settings) Put(ctx context.Context, set order.Settings, expectedVersion int64) (int64, error) {
	const op = "dynamo.Settings.Put"
	if err := set.Validate(); err != nil {
		return 0, err
	}
	if expectedVersion < 0 {
		return 0, order.E(op, order.Invalid, "invalid_version", "the expected version must not be negative")
	}
	set.Numbering.Next = 0 // the counter is the truth; see RaiseNextNumber
	data, err := json.Marshal(set)
	if err != nil {
		return 0, mapErr(op, fmt.Errorf("encode settings: %w", err))
	}
	it := key(pkSettings, skShop)
	it[attrType] = str(typeSettings)
	it[attrVersion] = num(expectedVersion + 1)
	it[attrData] = str(string(data))
	in := &dynamodb.PutItemInput{TableName: aws.String(st.s.table), Item: it,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if expectedVersion == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		in.ConditionExpression = aws.String("#version = :v")
		in.ExpressionAttributeNames = map[string]string{"#version": attrVersion}
		in.ExpressionAttributeValues = item{":v": num(expectedVersion)}
	}
	_, err = st.s.db.PutItem(ctx, in)
	if old, ok := isConditionFailed(err); ok {
		v, _ := getN(old, attrVersion)
		e := order.E(op, order.PreconditionFailed, order.CodeVersionConflict,
			fmt.Sprintf("the settings are at version %d, not %d", v, expectedVersion))
		e.Details = map[string]any{"expectedVersion": expectedVersion, "version": v}
		return 0, e
	}
	if err != nil {
		return 0, mapErr(op, fmt.Errorf("save settings: %w", err))
	}
	return expectedVersion + 1, nil
}

// RaiseNextNumber implements order.SettingsStore with one conditional
// update of the counter: last becomes next-1 only while it is below.
func (st *Settings) RaiseNextNumber(ctx context.Context, next int64) error {
	const op = "dynamo.Settings.RaiseNextNumber"
	if next < 1 || next > order.MaxOrderNumber {
		return order.E(op, order.Invalid, "invalid_numbering",
			fmt.Sprintf("the next order number must be between 1 and %d", int64(order.MaxOrderNumber)))
	}
	st.s.numMu.Lock()
	defer st.s.numMu.Unlock()
	_, err := st.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(st.s.table),
		Key:                                 key(pkOrderCounter, skCounter),
		UpdateExpression:                    aws.String("SET #last = :last, #type = :type"),
		ConditionExpression:                 aws.String("attribute_not_exists(#last) OR #last < :last"),
		ExpressionAttributeNames:            map[string]string{"#last": attrLast, "#type": attrType},
		ExpressionAttributeValues:           item{":last": num(next - 1), ":type": str(typeCounter)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, ok := isConditionFailed(err); ok {
		last, _ := getN(old, attrLast)
		st.s.last, st.s.lastSet = last, true
		if last+1 == next {
			return nil // already the next number: nothing to raise
		}
		e := order.E(op, order.Conflict, "next_number_too_low",
			fmt.Sprintf("the next order number can only be raised: %d is below %d", next, last+1))
		e.Details = map[string]any{"minimum": last + 1}
		return e
	}
	if err != nil {
		return mapErr(op, fmt.Errorf("raise next order number to %d: %w", next, err))
	}
	st.s.last, st.s.lastSet = next-1, true
	return nil
}
