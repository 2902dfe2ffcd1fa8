package localaws

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestTableInput(t *testing.T) {
	props := map[string]any{
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "PK", "AttributeType": "S"},
			map[string]any{"AttributeName": "N", "AttributeType": "N"},
		},
		"KeySchema": []any{map[string]any{"AttributeName": "PK", "KeyType": "HASH"}},
		"GlobalSecondaryIndexes": []any{map[string]any{
			"IndexName":             "ByN",
			"KeySchema":             []any{map[string]any{"AttributeName": "N", "KeyType": "HASH"}},
			"Projection":            map[string]any{"ProjectionType": "INCLUDE", "NonKeyAttributes": []any{"a", "b"}},
			"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 2, "WriteCapacityUnits": "3"},
		}},
		"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": "5", "WriteCapacityUnits": 5},
		"StreamSpecification":   map[string]any{"StreamViewType": "KEYS_ONLY"},
		"SSESpecification":      map[string]any{"SSEEnabled": true},
	}
	in, skipped, err := TableInput("t1", props)
	if err != nil {
		t.Fatal(err)
	}
	if in.BillingMode != types.BillingModeProvisioned || aws.ToInt64(in.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Errorf("billing: a table without BillingMode is PROVISIONED, as in CloudFormation: %v %+v", in.BillingMode, in.ProvisionedThroughput)
	}
	g := in.GlobalSecondaryIndexes[0]
	if aws.ToString(g.IndexName) != "ByN" || g.Projection.ProjectionType != types.ProjectionTypeInclude ||
		!reflect.DeepEqual(g.Projection.NonKeyAttributes, []string{"a", "b"}) || aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits) != 3 {
		t.Errorf("GSI = %+v", g)
	}
	if in.StreamSpecification == nil || !aws.ToBool(in.StreamSpecification.StreamEnabled) || in.StreamSpecification.StreamViewType != types.StreamViewTypeKeysOnly {
		t.Errorf("stream = %+v", in.StreamSpecification)
	}
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0], "SSESpecification") {
		t.Errorf("skipped = %v", skipped)
	}
}

func TestTableInputErrors(t *testing.T) {
	key := []any{map[string]any{"AttributeName": "PK", "KeyType": "HASH"}}
	defs := []any{map[string]any{"AttributeName": "PK", "AttributeType": "S"}}
	tests := []struct {
		name  string
		props map[string]any
		want  string
	}{
		{"no key schema", map[string]any{"AttributeDefinitions": defs, "BillingMode": "PAY_PER_REQUEST"}, "KeySchema is required"},
		{"provisioned without throughput", map[string]any{"AttributeDefinitions": defs, "KeySchema": key}, "ProvisionedThroughput is required"},
		{"definition without type", map[string]any{"AttributeDefinitions": []any{map[string]any{"AttributeName": "PK"}}, "KeySchema": key}, "AttributeDefinitions[0]: AttributeType is required"},
		{"key schema not a list", map[string]any{"AttributeDefinitions": defs, "KeySchema": "PK"}, "KeySchema: want a list"},
		{"stream without view type", map[string]any{"AttributeDefinitions": defs, "KeySchema": key, "BillingMode": "PAY_PER_REQUEST",
			"StreamSpecification": map[string]any{}}, "StreamViewType is required"},
		{"bad capacity", map[string]any{"AttributeDefinitions": defs, "KeySchema": key,
			"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": "many"}}, `"many" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := TableInput("t", tt.props)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestQueueAttributes(t *testing.T) {
	tests := []struct {
		name        string
		props       map[string]any
		want        map[string]string
		wantSkipped int
	}{
		{
			name:  "numbers and booleans become text",
			props: map[string]any{"VisibilityTimeout": 60, "FifoQueue": true, "ContentBasedDeduplication": "true", "SqsManagedSseEnabled": false},
			want:  map[string]string{"VisibilityTimeout": "60", "FifoQueue": "true", "ContentBasedDeduplication": "true", "SqsManagedSseEnabled": "false"},
		},
		{
			name:  "redrive policy becomes JSON",
			props: map[string]any{"RedrivePolicy": map[string]any{"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 5}},
			want:  map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:dlq","maxReceiveCount":5}`},
		},
		{
			name:        "KMS and tags are reported, not applied",
			props:       map[string]any{"KmsMasterKeyId": "alias/x", "Tags": []any{}, "QueueName": "ignored-here"},
			want:        map[string]string{},
			wantSkipped: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skipped, err := QueueAttributes(tt.props)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || len(skipped) != tt.wantSkipped {
				t.Errorf("got %v (skipped %v), want %v (%d skipped)", got, skipped, tt.want, tt.wantSkipped)
			}
			if rp, ok := got["RedrivePolicy"]; ok && !json.Valid([]byte(rp)) {
				t.Errorf("RedrivePolicy is not JSON: %s", rp)
			}
		})
	}
}

func TestLifecycleRule(t *testing.T) {
	tests := []struct {
		name    string
		rule    map[string]any
		wantErr string // "" for success
	}{
		{
			name: "CloudFormation's flat fields map to nested S3 ones",
			rule: map[string]any{"Id": "x", "Status": "Enabled", "ExpirationInDays": 365,
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 30},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1}},
		},
		{name: "status is required", rule: map[string]any{"Id": "x"}, wantErr: "Status is required"},
		{name: "bad expiration date", rule: map[string]any{"Status": "Enabled", "ExpirationDate": "tomorrow"}, wantErr: "ExpirationDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := lifecycleRule(tt.rule)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(r.ID) != "x" || aws.ToInt32(r.Expiration.Days) != 365 ||
				aws.ToInt32(r.NoncurrentVersionExpiration.NoncurrentDays) != 30 ||
				aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 1 || aws.ToString(r.Filter.Prefix) != "" {
				t.Errorf("rule = %+v", r)
			}
		})
	}
}

func TestUseLocalEnv(t *testing.T) {
	all := append([]string{}, endpointVars...)
	for _, v := range DefaultEnv {
		all = append(all, v.Name)
	}
	tests := []struct {
		name        string
		set         map[string]string
		wantChanged bool
		want        map[string]string
	}{
		{
			name:        "nothing set: the local stack",
			wantChanged: true,
			want: map[string]string{"AWS_REGION": Region, "AWS_ENDPOINT_URL": MotoEndpoint,
				"AWS_ENDPOINT_URL_DYNAMODB": DynamoDBEndpoint, "AWS_ACCESS_KEY_ID": "local"},
		},
		{
			name:        "region kept, endpoints added",
			set:         map[string]string{"AWS_REGION": "us-east-1"},
			wantChanged: true,
			want:        map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": MotoEndpoint},
		},
		{
			name: "an endpoint already chosen: nothing changes",
			set:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9999"},
			want: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9999", "AWS_REGION": "", "AWS_ENDPOINT_URL_DYNAMODB": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range all {
				t.Setenv(n, "") // registers the restore
				os.Unsetenv(n)
			}
			for k, v := range tt.set {
				t.Setenv(k, v)
			}
			if got := UseLocalEnv(); got != tt.wantChanged {
				t.Errorf("UseLocalEnv() = %v, want %v", got, tt.wantChanged)
			}
			for k, v := range tt.want {
				if got := os.Getenv(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
