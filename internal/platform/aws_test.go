package platform

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// endpointVars are the variables that point clients at another endpoint.
var endpointVars = []string{
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB",
	"AWS_ENDPOINT_URL_SQS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
}

// isolateAWSEnv gives the test a known environment: local credentials, no
// config files and no endpoint variables other than those in set.
func isolateAWSEnv(t *testing.T, set map[string]string) {
	t.Helper()
	t.Setenv("AWS_REGION", "eu-west-3")
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	for _, name := range endpointVars {
		t.Setenv(name, "") // registers the restore
		if err := os.Unsetenv(name); err != nil {
			t.Fatalf("unset %s: %v", name, err)
		}
	}
	for k, v := range set {
		t.Setenv(k, v)
	}
}

func TestAWSConfigLocalOptions(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		wantPathS3   bool
		wantNoCRCDDB bool
	}{
		{name: "AWS itself", env: nil},
		{name: "one endpoint for all", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, wantPathS3: true, wantNoCRCDDB: true},
		{name: "DynamoDB only", env: map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}, wantNoCRCDDB: true},
		{name: "S3 only", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4566"}, wantPathS3: true},
		{name: "local stack layout", env: map[string]string{
			"AWS_ENDPOINT_URL":          "http://127.0.0.1:4566",
			"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
		}, wantPathS3: true, wantNoCRCDDB: true},
		{name: "endpoints ignored", env: map[string]string{
			"AWS_ENDPOINT_URL":                    "http://127.0.0.1:4566",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSEnv(t, tt.env)
			cfg, err := AWSConfig(t.Context())
			if err != nil {
				t.Fatalf("AWSConfig: %v", err)
			}
			if cfg.Region != "eu-west-3" {
				t.Errorf("region = %q, want eu-west-3", cfg.Region)
			}
			// Registered on the config, and idempotent when passed again.
			for _, opts := range [][]func(*s3.Options){nil, {S3Options[s3.Options]}} {
				got := s3.NewFromConfig(cfg, opts...).Options().UsePathStyle
				if got != tt.wantPathS3 {
					t.Errorf("s3 UsePathStyle (explicit=%v) = %v, want %v", opts != nil, got, tt.wantPathS3)
				}
			}
			for _, opts := range [][]func(*dynamodb.Options){nil, {DynamoDBOptions}} {
				got := dynamodb.NewFromConfig(cfg, opts...).Options().DisableValidateResponseChecksum
				if got != tt.wantNoCRCDDB {
					t.Errorf("dynamodb DisableValidateResponseChecksum (explicit=%v) = %v, want %v", opts != nil, got, tt.wantNoCRCDDB)
				}
			}
		})
	}
}

// TestS3OptionsPathStyleOnTheWire checks where requests really go: an
// emulator on 127.0.0.1 can only be reached with the bucket in the path.
func TestS3OptionsPathStyleOnTheWire(t *testing.T) {
	var mu sync.Mutex
	var gotHost, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotHost, gotPath = r.Host, r.URL.Path
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	isolateAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": srv.URL})

	cfg, err := AWSConfig(t.Context())
	if err != nil {
		t.Fatalf("AWSConfig: %v", err)
	}
	_, err = s3.NewFromConfig(cfg).PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String("ordersmith-dev-exports-123456789012"),
		Key:    aws.String("exports/2025-01.csv"),
		Body:   strings.NewReader("a,b\n"),
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := strings.TrimPrefix(srv.URL, "http://"); gotHost != want {
		t.Errorf("host = %q, want %q", gotHost, want)
	}
	if want := "/ordersmith-dev-exports-123456789012/exports/2025-01.csv"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
}

// sdkLog records what the SDK logs.
type sdkLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sdkLog) logger() logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, string(c)+" "+fmt.Sprintf(format, v...))
	})
}

func (l *sdkLog) mentions(word string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, word) {
			return true
		}
	}
	return false
}

// TestDynamoDBOptionsChecksum replays what DynamoDB Local answers to a failed
// condition: a 400 with "X-Amz-Crc32: 0". With the option the error comes
// through quietly; without it (the control) the SDK complains about the
// checksum, which is what the option is for.
func TestDynamoDBOptionsChecksum(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", "0")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"}`)
	}))
	defer srv.Close()

	tests := []struct {
		name          string
		local         bool
		wantChecksumW bool
	}{
		{name: "local options", local: true, wantChecksumW: false},
		{name: "control without them", local: false, wantChecksumW: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": srv.URL})
			cfg, err := AWSConfig(t.Context())
			if err != nil {
				t.Fatalf("AWSConfig: %v", err)
			}
			if !tt.local {
				cfg.ServiceOptions = nil
			}
			var log sdkLog
			cfg.Logger = log.logger()
			client := dynamodb.NewFromConfig(cfg)
			_, err = client.PutItem(t.Context(), &dynamodb.PutItemInput{
				TableName:           aws.String("t"),
				Item:                map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "A"}},
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			})
			var ccf *ddbtypes.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Fatalf("PutItem error = %v, want ConditionalCheckFailedException", err)
			}
			if got := log.mentions("checksum"); got != tt.wantChecksumW {
				t.Errorf("SDK logged a checksum warning = %v, want %v; log: %q", got, tt.wantChecksumW, log.lines)
			}
		})
	}
}

// TestDynamoDBLocalErrorsAreQuiet runs against the shared DynamoDB Local
// (see docs/ARCHITECTURE.md): an expected error must arrive as its typed
// exception with no checksum complaint from the SDK.
func TestDynamoDBLocalErrorsAreQuiet(t *testing.T) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:8000"
	}
	isolateAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": endpoint})
	cfg, err := AWSConfig(t.Context())
	if err != nil {
		t.Fatalf("AWSConfig: %v", err)
	}
	var log sdkLog
	cfg.Logger = log.logger()
	client := dynamodb.NewFromConfig(cfg)

	if _, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		t.Fatalf("DynamoDB Local unreachable at %s (start it with `go run ./cmd/devstack up`): %v", endpoint, err)
	}
	table := "platform-test-" + strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	_, err = client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var notFound *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeTable(%s) error = %v, want ResourceNotFoundException", table, err)
	}
	if log.mentions("checksum") {
		t.Errorf("SDK logged a checksum warning: %q", log.lines)
	}
}
