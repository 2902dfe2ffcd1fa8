package localawstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// OrdersTableID is the logical id of the single table in template.yaml.
const OrdersTableID = "OrdersTable"

// probeTimeout bounds the reachability check. The probe does not retry, so
// a stack that is down (connection refused) fails at once; the bound is
// generous for a stack that is up but slow on a busy machine.
const probeTimeout = 15 * time.Second

// cleanupTimeout bounds each deletion when a test ends.
const cleanupTimeout = 15 * time.Second

// Config returns the aws.Config for the local emulators (localaws.Config)
// after checking that both answer; the test fails if they do not.
func Config(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := localaws.Config(t.Context())
	if err != nil {
		t.Fatalf("local AWS config: %v", err)
	}
	requireStack(t, cfg)
	return cfg
}

// requireStack fails the test unless DynamoDB Local and moto both answer a
// real API call.
func requireStack(t testing.TB, cfg aws.Config) {
	t.Helper()
	probe := cfg.Copy()
	probe.RetryMaxAttempts = 1
	cl := localaws.NewClients(probe)
	ctx, cancel := context.WithTimeout(t.Context(), probeTimeout)
	defer cancel()
	if _, err := cl.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		t.Fatalf("DynamoDB Local is unreachable (%s): %v\nstart the local stack with `make stack-up`", endpoint("AWS_ENDPOINT_URL_DYNAMODB", localaws.DynamoDBEndpoint), err)
	}
	if _, err := cl.SQS.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("moto (SQS, S3, SES) is unreachable (%s): %v\nstart the local stack with `make stack-up`", localaws.MotoURL(), err)
	}
	motoOnce.Do(func() { motoErr = localaws.ConfigureMoto(ctx, localaws.MotoURL()) })
	if motoErr != nil {
		t.Fatalf("%v\nrestart the local stack with `make stack-down stack-up`", motoErr)
	}
}

// motoOnce applies localaws.ConfigureMoto once per test binary, in case moto
// was started by something other than devstack.
var (
	motoOnce sync.Once
	motoErr  error
)

func endpoint(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}

// UniqueName returns a name for a resource of the running test: its name
// with every character outside [a-z0-9-] replaced by '-', cut to fit max
// bytes together with a random 8-hex-digit suffix.
func UniqueName(t testing.TB, max int) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random suffix: %v", err)
	}
	suffix := "-" + hex.EncodeToString(b[:])
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, t.Name())
	if room := max - len(suffix); len(name) > room {
		name = name[:room]
	}
	return strings.Trim(name, "-") + suffix
}

var (
	templateOnce sync.Once
	templateVal  *samtemplate.Template
	templateErr  error
)

// Template returns the repository's template.yaml, parsed once per test
// binary. It is found by walking up from the package folder to go.mod.
func Template(t testing.TB) *samtemplate.Template {
	t.Helper()
	templateOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			templateErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				templateVal, templateErr = samtemplate.ParseFile(filepath.Join(dir, "template.yaml"))
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				templateErr = errors.New("no go.mod above the test's folder")
				return
			}
			dir = parent
		}
	})
	if templateErr != nil {
		t.Fatalf("read template.yaml: %v", templateErr)
	}
	return templateVal
}

// devContext is the local stack's template context.
func devContext() *samtemplate.Context {
	return &samtemplate.Context{
		Params:    map[string]string{"Stage": localaws.Stage},
		Region:    localaws.Region,
		AccountID: localaws.AccountID,
		StackName: localaws.StackName,
	}
}

// NewTable creates a table with OrdersTable's schema from template.yaml (keys,
// GSIs, stream, TTL), named after the test, deleted when the test ends.
func NewTable(t testing.TB, cfg aws.Config) string {
	t.Helper()
	requireStack(t, cfg)
	tpl := Template(t)
	r, ok := tpl.Resources[OrdersTableID]
	if !ok {
		t.Fatalf("template.yaml has no %s", OrdersTableID)
	}
	props, err := tpl.Resolve(r.Properties, devContext())
	if err != nil {
		t.Fatalf("resolve %s properties: %v", OrdersTableID, err)
	}
	name := UniqueName(t, 255)
	db := localaws.NewClients(cfg).DynamoDB
	if _, _, err := localaws.EnsureTable(t.Context(), db, name, props.(map[string]any)); err != nil {
		t.Fatalf("create test table: %v", err)
	}
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete test table %s: %v", name, err)
		}
	})
	return name
}

// NewQueue creates a standard queue named after the test and returns its
// URL. With maxReceive > 0 it also creates a dead-letter queue and a redrive
// policy moving a message there after maxReceive receives, and returns the
// dead-letter queue's URL (else ""). Both are deleted when the test ends.
func NewQueue(t testing.TB, cfg aws.Config, maxReceive int) (url, dlqURL string) {
	t.Helper()
	requireStack(t, cfg)
	q := localaws.NewClients(cfg).SQS
	name := UniqueName(t, 76) // SQS allows 80 characters; leave room for "-dlq"
	props := map[string]any{"VisibilityTimeout": 30}
	if maxReceive > 0 {
		dlq, _, err := localaws.EnsureQueue(t.Context(), q, name+"-dlq", map[string]any{"MessageRetentionPeriod": 1209600})
		if err != nil {
			t.Fatalf("create test dead-letter queue: %v", err)
		}
		dlqURL = dlq["QueueUrl"]
		deleteQueueAtEnd(t, q, dlqURL)
		props["RedrivePolicy"] = map[string]any{"deadLetterTargetArn": dlq["Arn"], "maxReceiveCount": maxReceive}
	}
	attrs, _, err := localaws.EnsureQueue(t.Context(), q, name, props)
	if err != nil {
		t.Fatalf("create test queue: %v", err)
	}
	url = attrs["QueueUrl"]
	deleteQueueAtEnd(t, q, url)
	return url, dlqURL
}

func deleteQueueAtEnd(t testing.TB, q *sqs.Client, url string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
			t.Errorf("delete test queue %s: %v", url, err)
		}
	})
}

// NewBucket creates a versioned bucket named after the test and returns its
// name. It is emptied (every version) and deleted when the test ends.
func NewBucket(t testing.TB, cfg aws.Config) string {
	t.Helper()
	requireStack(t, cfg)
	c := localaws.NewClients(cfg).S3
	name := UniqueName(t, 63)
	if len(name) < 3 {
		name += "-bk"
	}
	props := map[string]any{"VersioningConfiguration": map[string]any{"Status": "Enabled"}}
	if _, _, err := localaws.EnsureBucket(t.Context(), c, name, cfg.Region, props); err != nil {
		t.Fatalf("create test bucket: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := deleteBucket(ctx, c, name); err != nil {
			t.Errorf("delete test bucket %s: %v", name, err)
		}
	})
	return name
}

// deleteBucket removes every object version and delete marker, page by
// page, then the bucket: S3 refuses to delete a bucket that is not empty.
func deleteBucket(ctx context.Context, c *s3.Client, name string) error {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list versions: %w", err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			continue
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("delete objects: %w", err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	return nil
}
