package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestSortableTime checks that sort-key times sort as strings exactly as
// they do as times, which plain RFC3339Nano does not.
func TestSortableTime(t *testing.T) {
	base := time.Date(2025, 3, 14, 9, 30, 5, 0, time.UTC)
	times := []time.Time{
		base,
		base.Add(100 * time.Millisecond),
		base.Add(120 * time.Millisecond),
		base.Add(time.Nanosecond),
		base.Add(-time.Nanosecond),
		base.Add(time.Second),
		base.In(time.FixedZone("CET", 3600)).Add(time.Microsecond),
		time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	byString := append([]time.Time(nil), times...)
	sort.Slice(byString, func(i, j int) bool { return fmtTime(byString[i]) < fmtTime(byString[j]) })
	byTime := append([]time.Time(nil), times...)
	sort.Slice(byTime, func(i, j int) bool { return byTime[i].Before(byTime[j]) })
	for i := range byTime {
		if !byString[i].Equal(byTime[i]) {
			t.Fatalf("position %d: string order gives %v, time order %v", i, byString[i], byTime[i])
		}
		back, err := parseTime(fmtTime(byTime[i]))
		if err != nil || !back.Equal(byTime[i]) {
			t.Fatalf("round trip of %v: %v, %v", byTime[i], back, err)
		}
	}
}

func TestKeys(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 600, time.FixedZone("X", -3600))
	cases := []struct{ got, want string }{
		{orderPK("01J"), "ORDER#01J"},
		{extPK("shopify", "1001#a"), "EXT#shopify#1001#a"},
		{cartExtPK(order.SourceShopify, "chk"), "EXT#cart#shopify#chk"},
		{orderNumPK("CMD-12"), "ORDERNUM#CMD-12"},
		{idemPK("orders", "k"), "IDEM#orders#k"},
		{customerPK(" Lea@Example.COM "), "CUSTOMER#lea@example.com"},
		{emailPK("Lea@Example.COM"), "EMAIL#lea@example.com"},
		{monthOf(at), "2025-01"},
		{orderTimeSK(at, "01J"), "2025-01-02T04:04:05.000000600Z#01J"},
		{histSK(at, 12, 3), "HIST#2025-01-02T04:04:05.000000600Z#0000000012#003"},
		{lineSK(7), "LINE#007"},
		{remindSK(at, "c1"), "2025-01-02T04:04:05.000000600Z#c1"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCursor(t *testing.T) {
	c := cursor{Scope: "GSI2|PAY#PAID|..", Month: "2025-02", Key: map[string]string{"PK": "ORDER#1", "SK": "ORDER"}}
	enc := encodeCursor(c)
	cases := []struct {
		name  string
		in    string
		scope string
		ok    bool
	}{
		{"round trip", enc, c.Scope, true},
		{"empty is the first page", "", c.Scope, true},
		{"other scope", enc, "GSI3|FUL#SHIPPED|..", false},
		{"not base64", "%%", c.Scope, false},
		{"not json", "bm90IGpzb24", c.Scope, false},
	}
	for _, tc := range cases {
		got, err := decodeCursor("test", tc.in, tc.scope)
		if !tc.ok {
			if order.CodeOf(err) != "invalid_cursor" || order.KindOf(err) != order.Invalid {
				t.Fatalf("%s: %v, want Invalid invalid_cursor", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.in != "" && (got.Month != c.Month || got.startKey()["PK"].(*types.AttributeValueMemberS).Value != "ORDER#1") {
			t.Fatalf("%s: decoded %+v", tc.name, got)
		}
	}
}

// TestMapErr checks the error mapping, done with errors.As on the SDK's
// types, wrapped as the SDK wraps them.
func TestMapErr(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("operation error DynamoDB: PutItem: %w", err) }
	reason := func(codes ...string) error {
		var rs []types.CancellationReason
		for _, c := range codes {
			rs = append(rs, types.CancellationReason{Code: aws.String(c)})
		}
		return wrap(&types.TransactionCanceledException{CancellationReasons: rs})
	}
	domain := order.E("x", order.Conflict, "mine", "mine")
	cases := []struct {
		name string
		err  error
		kind order.Kind
		code string
	}{
		{"throughput", wrap(&types.ProvisionedThroughputExceededException{}), order.Transient, "throttled"},
		{"request limit", wrap(&types.RequestLimitExceeded{}), order.Transient, "throttled"},
		{"throttling", wrap(&types.ThrottlingException{}), order.Transient, "throttled"},
		{"conflict", wrap(&types.TransactionConflictException{}), order.Transient, "write_conflict"},
		{"internal", wrap(&types.InternalServerError{}), order.Transient, "database_unavailable"},
		{"cancelled by contention", reason("None", "TransactionConflict"), order.Transient, "write_conflict"},
		{"cancelled by a condition", reason("None", "ConditionalCheckFailed"), order.Internal, "database_error"},
		{"missing table", wrap(&types.ResourceNotFoundException{}), order.Internal, "database_error"},
		{"deadline", wrap(context.DeadlineExceeded), order.Transient, "cancelled"},
		{"domain error passes", fmt.Errorf("save: %w", domain), order.Conflict, "mine"},
	}
	for _, c := range cases {
		got := mapErr("op", c.err)
		if order.KindOf(got) != c.kind || order.CodeOf(got) != c.code {
			t.Errorf("%s: %v, want %s/%s", c.name, got, c.kind, c.code)
		}
		if !errors.Is(got, c.err) && !errors.Is(c.err, got) {
			t.Errorf("%s: the cause is lost: %v", c.name, got)
		}
	}
	if mapErr("op", nil) != nil {
		t.Error("mapErr(nil) is not nil")
	}
}

// TestOutboxEvent decodes what the relay sees in the stream: the NewImage
// of an outbox item, and other items it must skip.
func TestOutboxEvent(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	e, err := order.NewEvent(order.OrderPaid, "01ORDER", order.StaffActor("auth0|1"), at, map[string]string{"number": "12"})
	if err != nil {
		t.Fatalf("event: %v", err)
	}
	it, err := outboxItem("01ORDER", e, at)
	if err != nil {
		t.Fatalf("outbox item: %v", err)
	}
	image := map[string]events.DynamoDBAttributeValue{}
	for k, v := range it {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			image[k] = events.NewStringAttribute(v.Value)
		case *types.AttributeValueMemberN:
			image[k] = events.NewNumberAttribute(v.Value)
		}
	}
	got, ok, err := outboxEvent(image)
	if err != nil || !ok {
		t.Fatalf("outboxEvent: %v, %v", ok, err)
	}
	if got.ID != e.ID || got.Type != order.OrderPaid || got.OrderID != "01ORDER" || !got.At.Equal(at) || string(got.Data) != string(e.Data) {
		t.Fatalf("decoded %+v, want %+v", got, e)
	}
	cases := []struct {
		name  string
		image map[string]events.DynamoDBAttributeValue
		ok    bool
		err   bool
	}{
		{"order item", map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute("ORDER#1")}, false, false},
		{"no key", map[string]events.DynamoDBAttributeValue{}, false, false},
		{"outbox without data", map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute("OUTBOX#1")}, true, true},
		{"outbox with bad data", map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute("OUTBOX#1"), "data": events.NewStringAttribute("{")}, true, true},
	}
	for _, c := range cases {
		_, ok, err := outboxEvent(c.image)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("%s: ok %v err %v", c.name, ok, err)
		}
	}
	if it[attrTTL].(*types.AttributeValueMemberN).Value != fmt.Sprint(at.Add(OutboxRetention).Unix()) {
		t.Errorf("outbox ttl %v", it[attrTTL])
	}
}

// TestOutboxItemSizeChecked: an outbox item over DynamoDB's item limit is
// refused before any write, with a typed error.
func TestOutboxItemSizeChecked(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	e, err := order.NewEvent(order.OrderUpdated, "01JQ0000000000000000000000", order.StaffActor("camille"), at, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outboxItem(e.OrderID, e, at); err != nil {
		t.Fatalf("a small event: %v", err)
	}
	e.Data = json.RawMessage(`"` + strings.Repeat("x", maxItemBytes) + `"`)
	_, err = outboxItem(e.OrderID, e, at)
	if !order.IsKind(err, order.TooLarge) || order.CodeOf(err) != "event_too_large" {
		t.Errorf("an event over the item limit: %v, want TooLarge event_too_large", err)
	}
}
