package localaws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

func devContext() *samtemplate.Context {
	return &samtemplate.Context{
		Params:    map[string]string{"Stage": localaws.Stage},
		Region:    localaws.Region,
		AccountID: localaws.AccountID,
		StackName: localaws.StackName,
	}
}

// TestProvisionRealTemplate provisions template.yaml with Stage=dev, as
// `devstack up` does, twice (the second run must be a no-op), and checks in
// the emulators that each resource has the template's settings.
func TestProvisionRealTemplate(t *testing.T) {
	cfg := localawstest.Config(t)
	tpl := localawstest.Template(t)
	ctx := t.Context()
	var res *localaws.Resources
	for run := range 2 {
		var err error
		if res, err = localaws.Provision(ctx, cfg, tpl, devContext()); err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
	}
	cl := localaws.NewClients(cfg)

	t.Run("table", func(t *testing.T) {
		if got := res.Refs["OrdersTable"]; got != "ordersmith-dev" {
			t.Fatalf("Ref OrdersTable = %q", got)
		}
		d, err := cl.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ordersmith-dev")})
		if err != nil {
			t.Fatal(err)
		}
		tb := d.Table
		if len(tb.GlobalSecondaryIndexes) != 5 || len(tb.KeySchema) != 2 || len(tb.AttributeDefinitions) != 12 {
			t.Errorf("schema: %d GSIs, %d keys, %d attributes", len(tb.GlobalSecondaryIndexes), len(tb.KeySchema), len(tb.AttributeDefinitions))
		}
		if tb.StreamSpecification == nil || tb.StreamSpecification.StreamViewType != ddbtypes.StreamViewTypeNewAndOldImages {
			t.Errorf("stream = %+v", tb.StreamSpecification)
		}
		if res.Attrs["OrdersTable"]["StreamArn"] != aws.ToString(tb.LatestStreamArn) || tb.LatestStreamArn == nil {
			t.Errorf("StreamArn attribute %q, table says %q", res.Attrs["OrdersTable"]["StreamArn"], aws.ToString(tb.LatestStreamArn))
		}
		ttl, err := cl.DynamoDB.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ordersmith-dev")})
		if err != nil {
			t.Fatal(err)
		}
		if d := ttl.TimeToLiveDescription; d.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "ttl" {
			t.Errorf("TTL = %s on %q", d.TimeToLiveStatus, aws.ToString(d.AttributeName))
		}
	})

	t.Run("queues", func(t *testing.T) {
		url := res.Refs["NotificationsQueue"]
		if !strings.HasSuffix(url, "/ordersmith-dev-notifications.fifo") || res.Attrs["NotificationsQueue"]["QueueUrl"] != url {
			t.Fatalf("Ref NotificationsQueue = %q", url)
		}
		got, err := cl.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Attributes["FifoQueue"] != "true" {
			t.Errorf("FifoQueue = %q: the notifications must keep each order's order", got.Attributes["FifoQueue"])
		}
		if got.Attributes["VisibilityTimeout"] != "180" {
			t.Errorf("VisibilityTimeout = %q", got.Attributes["VisibilityTimeout"])
		}
		var rp struct {
			Target string `json:"deadLetterTargetArn"`
			Max    any    `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(got.Attributes["RedrivePolicy"]), &rp); err != nil {
			t.Fatalf("RedrivePolicy %q: %v", got.Attributes["RedrivePolicy"], err)
		}
		dlqArn := res.Attrs["NotificationsDLQ"]["Arn"]
		if rp.Target != dlqArn || dlqArn != "arn:aws:sqs:eu-west-3:123456789012:ordersmith-dev-notifications-dlq.fifo" || fmt.Sprint(rp.Max) != "5" {
			t.Errorf("RedrivePolicy = %+v, DLQ Arn %q", rp, dlqArn)
		}
		dlq, err := cl.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(res.Refs["NotificationsDLQ"]),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameMessageRetentionPeriod}})
		if err != nil {
			t.Fatal(err)
		}
		if got := dlq.Attributes["MessageRetentionPeriod"]; got != "1209600" {
			t.Errorf("DLQ MessageRetentionPeriod = %q", got)
		}
	})

	t.Run("buckets", func(t *testing.T) {
		b := res.Refs["ExportsBucket"]
		if b != "ordersmith-dev-exports-123456789012" {
			t.Fatalf("Ref ExportsBucket = %q", b)
		}
		v, err := cl.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
		if err != nil || v.Status != "Enabled" {
			t.Errorf("versioning = %v, %v", v, err)
		}
		enc, err := cl.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
		if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
			t.Errorf("encryption = %v, %v", enc, err)
		}
		lc, err := cl.S3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
		if err != nil || len(lc.Rules) != 1 || aws.ToString(lc.Rules[0].ID) != "expire-exports" || aws.ToInt32(lc.Rules[0].Expiration.Days) != 365 {
			t.Errorf("lifecycle = %+v, %v", lc, err)
		}
		pab, err := cl.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})
		if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
			t.Errorf("public access block = %+v, %v", pab, err)
		}
		if _, ok := res.Refs["DocumentsBucket"]; !ok {
			t.Error("DocumentsBucket not provisioned")
		}
	})

	t.Run("ses identity", func(t *testing.T) {
		id, err := cl.SES.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("boutique@example.com")})
		// moto reports VerificationStatus only; VerifiedForSendingStatus stays false.
		if err != nil || id.VerificationStatus != "SUCCESS" {
			t.Errorf("identity = %+v, %v", id, err)
		}
		if res.MailFrom != "boutique@example.com" {
			t.Errorf("MailFrom = %q", res.MailFrom)
		}
	})

	t.Run("only managed types, no Cognito", func(t *testing.T) {
		for id, typ := range res.Types {
			if typ != localaws.TableType && typ != localaws.QueueType && typ != localaws.BucketType {
				t.Errorf("%s: unexpected type %s", id, typ)
			}
		}
		want := 0
		for _, typ := range []string{localaws.TableType, localaws.QueueType, localaws.BucketType} {
			want += len(tpl.ResourceIDs(typ)) // none of them has a Condition
		}
		if len(res.Refs) != want || want < 6 {
			t.Errorf("provisioned %d resources, want the template's %d: %v", len(res.Refs), want, res.Refs)
		}
	})

	t.Run("context for function environments", func(t *testing.T) {
		c := res.Context(devContext())
		fn := tpl.Functions()["IntakeFunction"]
		env, err := tpl.Resolve(fn.Properties["Environment"], c)
		if err != nil {
			t.Fatal(err)
		}
		vars := env.(map[string]any)["Variables"].(map[string]any)
		if vars["TABLE_NAME"] != "ordersmith-dev" || vars["STAGE"] != "dev" {
			t.Errorf("environment = %v", vars)
		}
	})
}

// inline is a template exercising what the real one does not: generated
// names, FIFO, PROVISIONED billing with an LSI, conditions, DependsOn order,
// CORS. Names carry a per-test prefix so runs do not collide.
const inline = `
Parameters:
  Prefix: {Type: String}
  MailFrom: {Type: String}
  WithExtra: {Type: String, Default: "no"}
Conditions:
  Extra: !Equals [!Ref WithExtra, "yes"]
Resources:
  AQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Prefix}-main"
      RedrivePolicy: {deadLetterTargetArn: !GetAtt ZDeadLetters.Arn, maxReceiveCount: 2}
  ZDeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Prefix}-dlq"
  Fifo:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
  ExtraQueue:
    Type: AWS::SQS::Queue
    Condition: Extra
    Properties:
      QueueName: !Sub "${Prefix}-extra"
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Prefix}-table"
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
        - {AttributeName: SK, AttributeType: S}
        - {AttributeName: LSK, AttributeType: N}
      KeySchema: [{AttributeName: PK, KeyType: HASH}, {AttributeName: SK, KeyType: RANGE}]
      LocalSecondaryIndexes:
        - IndexName: ByLSK
          KeySchema: [{AttributeName: PK, KeyType: HASH}, {AttributeName: LSK, KeyType: RANGE}]
          Projection: {ProjectionType: KEYS_ONLY}
      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
      Tags: [{Key: team, Value: core}]
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: Table
    Properties:
      BucketName: !Sub "${Prefix}-bucket"
      CorsConfiguration:
        CorsRules: [{AllowedMethods: [GET], AllowedOrigins: ["*"], MaxAge: 60}]
      NotificationConfiguration: {}
`

func TestProvisionInlineTemplate(t *testing.T) {
	cfg := localawstest.Config(t)
	ctx := t.Context()
	tpl, err := samtemplate.Parse([]byte(inline))
	if err != nil {
		t.Fatal(err)
	}
	prefix := localawstest.UniqueName(t, 40)
	c := devContext()
	c.StackName = prefix
	c.Params = map[string]string{"Prefix": prefix, "MailFrom": localawstest.Recipient(t)}
	res, err := localaws.Provision(ctx, cfg, tpl, c)
	cl := localaws.NewClients(cfg)
	if res != nil {
		t.Cleanup(func() { deleteAll(t, cl, res) })
	}
	if err != nil {
		t.Fatal(err)
	}

	if _, ok := res.Refs["ExtraQueue"]; ok {
		t.Error("ExtraQueue's condition is false, yet it was created")
	}
	if got := res.Attrs["Fifo"]["QueueName"]; got != prefix+"-Fifo.fifo" {
		t.Errorf("generated FIFO queue name = %q, want %q", got, prefix+"-Fifo.fifo")
	}
	main, err := cl.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(res.Refs["AQueue"]),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy}})
	if err != nil {
		t.Fatal(err)
	}
	// AQueue sorts before ZDeadLetters: it only got the DLQ's ARN because
	// Provision created the DLQ first.
	if !strings.Contains(main.Attributes["RedrivePolicy"], res.Attrs["ZDeadLetters"]["Arn"]) {
		t.Errorf("RedrivePolicy %q does not name %q", main.Attributes["RedrivePolicy"], res.Attrs["ZDeadLetters"]["Arn"])
	}
	d, err := cl.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(prefix + "-table")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Table.LocalSecondaryIndexes) != 1 || aws.ToInt64(d.Table.ProvisionedThroughput.ReadCapacityUnits) != 1 {
		t.Errorf("table = %+v", d.Table)
	}
	cors, err := cl.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(prefix + "-bucket")})
	if err != nil || len(cors.CORSRules) != 1 || aws.ToInt32(cors.CORSRules[0].MaxAgeSeconds) != 60 {
		t.Errorf("CORS = %+v, %v", cors, err)
	}
	joined := strings.Join(res.Skipped, "\n")
	for _, want := range []string{"Table: Tags", "Bucket: NotificationConfiguration"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Skipped does not report %q:\n%s", want, joined)
		}
	}
}

func TestProvisionErrors(t *testing.T) {
	cfg := localawstest.Config(t)
	tests := []struct {
		name, yaml, want string
	}{
		{
			name: "reference to a missing resource",
			yaml: "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy: {deadLetterTargetArn: !GetAtt Nope.Arn, maxReceiveCount: 1}\n",
			want: "Nope.Arn: no such resource",
		},
		{
			name: "circular dead-letter queues",
			yaml: "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt B.Arn}}\n" +
				"  B:\n    Type: AWS::SQS::Queue\n    Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt A.Arn}}\n",
			want: "circular reference: A -> B -> A",
		},
		{
			name: "table without keys",
			yaml: "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: never-created, BillingMode: PAY_PER_REQUEST}\n",
			want: "provision table T: KeySchema is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := samtemplate.Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c := devContext()
			c.StackName = localawstest.UniqueName(t, 40)
			_, err = localaws.Provision(t.Context(), cfg, tpl, c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEnsureQueueUpdatesAnExistingQueue(t *testing.T) {
	cfg := localawstest.Config(t)
	url, _ := localawstest.NewQueue(t, cfg, 0)
	q := localaws.NewClients(cfg).SQS
	name := url[strings.LastIndexByte(url, '/')+1:]
	attrs, _, err := localaws.EnsureQueue(t.Context(), q, name, map[string]any{"VisibilityTimeout": 7, "DelaySeconds": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if attrs["QueueUrl"] != url {
		t.Errorf("QueueUrl = %q, want the existing %q", attrs["QueueUrl"], url)
	}
	got, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Attributes["VisibilityTimeout"] != "7" || got.Attributes["DelaySeconds"] != "2" {
		t.Errorf("attributes not updated: %v", got.Attributes)
	}
}

func TestEnsureTableAddsMissingIndex(t *testing.T) {
	cfg := localawstest.Config(t)
	db := localaws.NewClients(cfg).DynamoDB
	name := localawstest.UniqueName(t, 200)
	base := map[string]any{
		"BillingMode":          "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "PK", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "PK", "KeyType": "HASH"}},
	}
	if _, _, err := localaws.EnsureTable(t.Context(), db, name, base); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table: %v", err)
		}
	})
	withGSI := map[string]any{
		"GlobalSecondaryIndexes": []any{map[string]any{"IndexName": "ByG", "KeySchema": []any{map[string]any{"AttributeName": "G", "KeyType": "HASH"}}}},
		"StreamSpecification":    map[string]any{"StreamViewType": "NEW_IMAGE"},
	}
	for k, v := range base {
		withGSI[k] = v
	}
	withGSI["AttributeDefinitions"] = []any{map[string]any{"AttributeName": "PK", "AttributeType": "S"}, map[string]any{"AttributeName": "G", "AttributeType": "S"}}
	attrs, _, err := localaws.EnsureTable(t.Context(), db, name, withGSI)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(d.Table.GlobalSecondaryIndexes[0].IndexName) != "ByG" {
		t.Errorf("GSIs = %+v", d.Table.GlobalSecondaryIndexes)
	}
	if attrs["StreamArn"] == "" {
		t.Error("stream not enabled on the existing table")
	}
	otherKey := map[string]any{"BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "X", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "X", "KeyType": "HASH"}}}
	if _, _, err := localaws.EnsureTable(t.Context(), db, name, otherKey); err == nil || !strings.Contains(err.Error(), "another key schema") {
		t.Errorf("changing the key schema: err = %v", err)
	}
}

// deleteAll removes what an inline Provision created.
func deleteAll(t *testing.T, cl *localaws.Clients, res *localaws.Resources) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for id, typ := range res.Types {
		var err error
		switch typ {
		case localaws.TableType:
			_, err = cl.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(res.Refs[id])})
		case localaws.QueueType:
			_, err = cl.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(res.Refs[id])})
		case localaws.BucketType:
			_, err = cl.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(res.Refs[id])})
		}
		if err != nil {
			t.Errorf("delete %s: %v", id, err)
		}
	}
}

// notEmulated is a template with the resource types the emulators do not
// hold, beside one they do: alarms, a topic and its subscriptions, a bucket
// policy, an IAM role; and a sender with a display name in a verified
// domain.
const notEmulated = `
Parameters:
  Prefix: {Type: String}
  MailFrom: {Type: String}
  MailFromAddress: {Type: String, Default: ""}
  SesIdentity: {Type: String, Default: ""}
  AlarmEmail: {Type: String, Default: ""}
Conditions:
  HasAlarmEmail: !Not [!Equals [!Ref AlarmEmail, ""]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Prefix}-bucket"
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - {Effect: Deny, Principal: "*", Action: "s3:*", Resource: !Sub "${Bucket.Arn}/*", Condition: {Bool: {aws:SecureTransport: "false"}}}
  Topic:
    Type: AWS::SNS::Topic
  Subscription:
    Type: AWS::SNS::Subscription
    Condition: HasAlarmEmail
    Properties: {TopicArn: !Ref Topic, Protocol: email, Endpoint: !Ref AlarmEmail}
  DepthAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      AlarmActions: [!Ref Topic]
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      AlarmActions: [!Ref Topic]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
  Logs:
    Type: AWS::Logs::LogGroup
`

// TestProvisionSkipsWhatTheEmulatorsDoNotHold: alarms, topics, bucket
// policies and IAM are reported as not provisioned (one line per type, the
// subscription whose condition is false left out), the bucket is still
// created, log groups (the local runtime's) are not reported, and the SES
// identities verified are the sender's bare address and its domain.
func TestProvisionSkipsWhatTheEmulatorsDoNotHold(t *testing.T) {
	cfg := localawstest.Config(t)
	tpl, err := samtemplate.Parse([]byte(notEmulated))
	if err != nil {
		t.Fatal(err)
	}
	prefix := localawstest.UniqueName(t, 40)
	from := localawstest.Recipient(t)
	domain := prefix + ".example.org"
	c := devContext()
	c.StackName = prefix
	c.Params = map[string]string{"Prefix": prefix, "MailFrom": "La Boutique <" + from + ">", "SesIdentity": domain}
	res, err := localaws.Provision(t.Context(), cfg, tpl, c)
	cl := localaws.NewClients(cfg)
	if res != nil {
		t.Cleanup(func() { deleteAll(t, cl, res) })
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Refs["Bucket"] != prefix+"-bucket" {
		t.Errorf("Ref Bucket = %q", res.Refs["Bucket"])
	}
	want := []string{
		"AWS::CloudWatch::Alarm: not provisioned locally (DepthAlarm, ErrorsAlarm)",
		"AWS::IAM::Role: not provisioned locally (Role)",
		"AWS::S3::BucketPolicy: not provisioned locally (BucketPolicy)",
		"AWS::SNS::Topic: not provisioned locally (Topic)",
	}
	if !slices.Equal(res.Skipped, want) {
		t.Errorf("Skipped =\n%s\nwant\n%s", strings.Join(res.Skipped, "\n"), strings.Join(want, "\n"))
	}
	if res.MailFrom != from || !slices.Equal(res.SESIdentities, []string{from, domain}) {
		t.Errorf("MailFrom %q, identities %v; want %q and [%s %s]", res.MailFrom, res.SESIdentities, from, from, domain)
	}
	for _, id := range res.SESIdentities {
		if _, err := cl.SES.GetEmailIdentity(t.Context(), &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(id)}); err != nil {
			t.Errorf("identity %s: %v", id, err)
		}
	}
}
