package platform

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestValidStageMatchesPattern checks the loop against the pattern it
// replaced.
func TestValidStageMatchesPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	inputs := []string{"", "d", "dev", "prod-eu", "Dev", "1dev", "-dev", "dev_1", "dev.1", "dév", "dev\n",
		"a" + strings.Repeat("b", 31), "a" + strings.Repeat("b", 32), "a-0-z", "z9"}
	for c := 0; c < 256; c++ {
		inputs = append(inputs, string(rune(c)), "a"+string(rune(c)), "a"+string(byte(c)))
	}
	for _, s := range inputs {
		if got, want := validStage(s), pattern.MatchString(s); got != want {
			t.Errorf("validStage(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestAWSConfigFromEnvironment(t *testing.T) {
	base := map[string]string{"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name        string
		env         map[string]string
		wantRegion  string
		wantDDB     string // the DynamoDB client's base endpoint, "" for AWS's
		wantSQS     string
		wantCreds   bool
		wantAttempt int
		wantMode    aws.RetryMode
		wantErr     bool
	}{
		{name: "Lambda", env: base, wantRegion: "eu-west-3", wantCreds: true},
		{name: "default region", env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"}, wantRegion: "eu-west-1", wantCreds: true},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "eu-west-3"}, wantRegion: "eu-west-3"},
		{name: "one endpoint for all", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
			wantRegion: "eu-west-3", wantDDB: "http://127.0.0.1:4566", wantSQS: "http://127.0.0.1:4566", wantCreds: true},
		{name: "local stack layout", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}),
			wantRegion: "eu-west-3", wantDDB: "http://127.0.0.1:8000", wantSQS: "http://127.0.0.1:4566", wantCreds: true},
		{name: "service endpoint only", env: with(map[string]string{"AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:4566"}),
			wantRegion: "eu-west-3", wantSQS: "http://127.0.0.1:4566", wantCreds: true},
		{name: "endpoints ignored", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
			wantRegion: "eu-west-3", wantCreds: true},
		{name: "retry settings", env: with(map[string]string{"AWS_MAX_ATTEMPTS": "5", "AWS_RETRY_MODE": "adaptive"}),
			wantRegion: "eu-west-3", wantCreds: true, wantAttempt: 5, wantMode: aws.RetryModeAdaptive},
		{name: "bad max attempts", env: with(map[string]string{"AWS_MAX_ATTEMPTS": "five"}), wantErr: true},
		{name: "bad retry mode", env: with(map[string]string{"AWS_RETRY_MODE": "sometimes"}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The service clients also look at the process environment for
			// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
			isolateAWSEnv(t, nil)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := awsConfigFrom(lookup)
			if tt.wantErr {
				if err == nil {
					t.Fatal("awsConfigFrom: no error")
				}
				return
			}
			if err != nil {
				t.Fatalf("awsConfigFrom: %v", err)
			}
			if cfg.Region != tt.wantRegion {
				t.Errorf("region = %q, want %q", cfg.Region, tt.wantRegion)
			}
			if cfg.RetryMaxAttempts != tt.wantAttempt || cfg.RetryMode != tt.wantMode {
				t.Errorf("retry = %d %q, want %d %q", cfg.RetryMaxAttempts, cfg.RetryMode, tt.wantAttempt, tt.wantMode)
			}
			if got := aws.ToString(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint); got != tt.wantDDB {
				t.Errorf("DynamoDB endpoint = %q, want %q", got, tt.wantDDB)
			}
			if got := aws.ToString(sqs.NewFromConfig(cfg).Options().BaseEndpoint); got != tt.wantSQS {
				t.Errorf("SQS endpoint = %q, want %q", got, tt.wantSQS)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if tt.wantCreds {
				if err != nil || creds.AccessKeyID != tt.env["AWS_ACCESS_KEY_ID"] || creds.SecretAccessKey != tt.env["AWS_SECRET_ACCESS_KEY"] || creds.SessionToken != tt.env["AWS_SESSION_TOKEN"] {
					t.Errorf("credentials = %+v, %v; want the environment's", creds, err)
				}
			} else if err == nil {
				t.Errorf("credentials = %+v, want an error", creds)
			}
		})
	}
}

// TestS3OptionsLeavesOtherShapesAlone: the option only sets a bool field
// named UsePathStyle next to a set BaseEndpoint.
func TestS3OptionsLeavesOtherShapesAlone(t *testing.T) {
	type noPathStyle struct{ BaseEndpoint *string }
	type wrongKind struct {
		BaseEndpoint *string
		UsePathStyle string
	}
	type s3Like struct {
		BaseEndpoint *string
		UsePathStyle bool
	}
	a := noPathStyle{BaseEndpoint: aws.String("http://x")}
	S3Options(&a)
	b := wrongKind{BaseEndpoint: aws.String("http://x")}
	S3Options(&b)
	if b.UsePathStyle != "" {
		t.Errorf("a string UsePathStyle was changed to %q", b.UsePathStyle)
	}
	c := s3Like{}
	S3Options(&c)
	if c.UsePathStyle {
		t.Error("path style set without an endpoint")
	}
	c.BaseEndpoint = aws.String("http://x")
	S3Options(&c)
	if !c.UsePathStyle {
		t.Error("path style not set with an endpoint")
	}
	pathStyleWhenOverridden(nil)
	pathStyleWhenOverridden((*s3Like)(nil))
}
