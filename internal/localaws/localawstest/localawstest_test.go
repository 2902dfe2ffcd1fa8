package localawstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/localaws"
)

func TestNewTable(t *testing.T) {
	cfg := Config(t)
	db := localaws.NewClients(cfg).DynamoDB
	var name string
	t.Run("in use", func(t *testing.T) {
		name = NewTable(t, cfg)
		if !strings.HasPrefix(name, "testnewtable-in-use-") {
			t.Errorf("name %q does not say which test owns it", name)
		}
		d, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(d.Table.GlobalSecondaryIndexes); n != 5 {
			t.Errorf("%d GSIs, want OrdersTable's 5", n)
		}
		if d.Table.LatestStreamArn == nil {
			t.Error("no stream: OrdersTable has one")
		}
		ttl, err := db.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err != nil || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ttl" {
			t.Errorf("TTL = %+v, %v", ttl, err)
		}
		_, err = db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "ORDER#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "META"},
			"GSI1PK": &ddbtypes.AttributeValueMemberS{Value: "SHOP#1"}, "GSI1SK": &ddbtypes.AttributeValueMemberS{Value: "2026"}}})
		if err != nil {
			t.Fatal(err)
		}
		q, err := db.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("GSI1"),
			KeyConditionExpression:    aws.String("GSI1PK = :p"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": &ddbtypes.AttributeValueMemberS{Value: "SHOP#1"}}})
		if err != nil || q.Count != 1 {
			t.Errorf("query GSI1: %v items, %v", q, err)
		}
	})
	_, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("table %s still there after its test: %v", name, err)
	}
}

func TestNewQueueRedrivesToDLQ(t *testing.T) {
	cfg := Config(t)
	q := localaws.NewClients(cfg).SQS
	var url, dlq string
	t.Run("in use", func(t *testing.T) {
		ctx := t.Context()
		url, dlq = NewQueue(t, cfg, 2)
		if dlq == "" {
			t.Fatal("no dead-letter queue")
		}
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("poison")}); err != nil {
			t.Fatal(err)
		}
		// Receive without deleting, as a failing consumer would: the third
		// receive finds it moved to the DLQ.
		for i := range 2 {
			out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
			if err != nil || len(out.Messages) != 1 {
				t.Fatalf("receive %d: %v, %v", i+1, out, err)
			}
			// Give it back at once, as a consumer that fails does.
			if _, err := q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
				ReceiptHandle: out.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 0})
		if err != nil || len(out.Messages) != 0 {
			t.Fatalf("after maxReceive, the main queue still gives %v, %v", out, err)
		}
		out, err = q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), WaitTimeSeconds: 1})
		if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "poison" {
			t.Fatalf("DLQ: %v, %v", out, err)
		}
	})
	t.Run("without DLQ", func(t *testing.T) {
		u, d := NewQueue(t, cfg, 0)
		if u == "" || d != "" {
			t.Errorf("NewQueue(0) = %q, %q", u, d)
		}
	})
	for _, u := range []string{url, dlq} {
		if _, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u)}); err == nil {
			t.Errorf("queue %s still there after its test", u)
		}
	}
}

func TestNewBucket(t *testing.T) {
	cfg := Config(t)
	c := localaws.NewClients(cfg).S3
	var name string
	t.Run("in use", func(t *testing.T) {
		name = NewBucket(t, cfg)
		// Two versions of one key plus a delete marker: cleanup must remove
		// all three before the bucket can go.
		for _, body := range []string{"v1", "v2"} {
			if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String("exports/a.csv"), Body: strings.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String("exports/a.csv")}); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := c.HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(name)}); err == nil {
		t.Errorf("bucket %s still there after its test", name)
	}
}

func TestSentEmails(t *testing.T) {
	cfg := Config(t)
	ses := localaws.NewClients(cfg).SES
	ctx := t.Context()
	const from = "boutique@example.com"
	if err := localaws.EnsureEmailIdentity(ctx, ses, from); err != nil {
		t.Fatal(err)
	}
	mine, other := Recipient(t), Recipient(t)
	if mine == other {
		t.Fatal("Recipient returned the same address twice")
	}
	send := func(to, subject string) {
		t.Helper()
		_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String(from),
			Destination:      &sestypes.Destination{ToAddresses: []string{to}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String(subject)},
				Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("Votre commande est expédiée.")}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	send(other, "pas pour moi")
	send(mine, "Commande n°1 expédiée")
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: =?UTF-8?Q?Facture_n=C2=B01?=\r\nContent-Type: text/plain\r\n\r\nVoir la facture.", from, mine)
	if _, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(from),
		Destination: &sestypes.Destination{ToAddresses: []string{mine}},
		Content:     &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}}}); err != nil {
		t.Fatal(err)
	}

	got := WaitForEmails(t, strings.ToUpper(mine), 2, time.Minute)
	if len(got) != 2 {
		t.Fatalf("got %d mails to %s, want 2: %+v", len(got), mine, got)
	}
	simple, rawMail := got[0], got[1]
	if simple.Source != from || simple.Subject != "Commande n°1 expédiée" || simple.Body != "Votre commande est expédiée." ||
		len(simple.To) != 1 || simple.To[0] != mine {
		t.Errorf("simple mail = %+v", simple)
	}
	if rawMail.Subject != "Facture n°1" || rawMail.Body != "Voir la facture." || rawMail.Raw != raw || len(rawMail.To) != 1 {
		t.Errorf("raw mail = %+v", rawMail)
	}
	all, err := SentEmails(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range all {
		found = found || e.SentTo(other)
	}
	if !found {
		t.Error("SentEmails does not list the other recipient's mail")
	}
}

func TestUniqueName(t *testing.T) {
	tests := []struct {
		max        int
		wantPrefix string
	}{
		{255, "testuniquename-"},
		{20, "testuniquen-"}, // 20 - len("-xxxxxxxx") = 11 bytes of the name
	}
	for _, tt := range tests {
		got := UniqueName(t, tt.max)
		if len(got) > tt.max || !strings.HasPrefix(got, tt.wantPrefix) {
			t.Errorf("UniqueName(%d) = %q, want at most %d bytes starting %q", tt.max, got, tt.max, tt.wantPrefix)
		}
	}
	if a, b := UniqueName(t, 63), UniqueName(t, 63); a == b {
		t.Errorf("two calls gave %q", a)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does, so that a test can check that a
// helper fails rather than skips.
type fatalRecorder struct {
	testing.TB
	mu      sync.Mutex
	fatal   string
	skipped bool
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalRecorder) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

func (f *fatalRecorder) Skip(args ...any) { f.skipped = true; runtime.Goexit() }

func (f *fatalRecorder) Skipf(string, ...any) { f.skipped = true; runtime.Goexit() }

func (f *fatalRecorder) SkipNow() { f.skipped = true; runtime.Goexit() }

func TestHelpersFailWhenStackIsDown(t *testing.T) {
	// A port that nothing listens on: bind one, then free it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	t.Setenv("AWS_ENDPOINT_URL", dead)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", dead)
	t.Setenv("AWS_REGION", localaws.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	cfg, err := localaws.Config(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	helpers := []struct {
		name string
		call func(tb testing.TB)
	}{
		{"Config", func(tb testing.TB) { Config(tb) }},
		{"NewTable", func(tb testing.TB) { NewTable(tb, cfg) }},
		{"NewQueue", func(tb testing.TB) { NewQueue(tb, cfg, 3) }},
		{"NewBucket", func(tb testing.TB) { NewBucket(tb, cfg) }},
		{"WaitForEmails", func(tb testing.TB) { WaitForEmails(tb, "x@example.com", 1, time.Second) }},
	}
	for _, h := range helpers {
		t.Run(h.name, func(t *testing.T) {
			rec := &fatalRecorder{TB: t}
			done := make(chan struct{})
			start := time.Now()
			go func() {
				defer close(done)
				h.call(rec)
			}()
			<-done
			if rec.skipped {
				t.Fatal("the helper skipped; it must fail")
			}
			if rec.fatal == "" {
				t.Fatal("the helper returned normally against a dead stack")
			}
			if h.name != "WaitForEmails" && !strings.Contains(rec.fatal, "make stack-up") {
				t.Errorf("message does not say how to start the stack: %s", rec.fatal)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to notice the stack is down", d)
			}
		})
	}
	if _, err := SentEmails(context.Background()); err == nil || !strings.Contains(err.Error(), "make stack-up") {
		t.Errorf("SentEmails against a dead stack: %v", err)
	}
}
