package localaws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableWait bounds the wait for a table to become ACTIVE. DynamoDB Local is
// usually immediate, but slow on a machine busy with parallel test packages;
// the bound only turns a stuck emulator into an error.
const tableWait = 2 * time.Minute

// TableInput builds the CreateTable input for a table named name from the
// resolved properties of an AWS::DynamoDB::Table. It also returns the
// properties DynamoDB Local does not apply (point-in-time recovery, SSE,
// table class, deletion protection, tags), to be reported.
func TableInput(name string, props map[string]any) (*dynamodb.CreateTableInput, []string, error) {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name)}
	defs, err := propMaps(props, "AttributeDefinitions")
	if err != nil {
		return nil, nil, err
	}
	for i, d := range defs {
		n, err := mustString(d, "AttributeName")
		if err != nil {
			return nil, nil, fmt.Errorf("AttributeDefinitions[%d]: %w", i, err)
		}
		typ, err := mustString(d, "AttributeType")
		if err != nil {
			return nil, nil, fmt.Errorf("AttributeDefinitions[%d]: %w", i, err)
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(n), AttributeType: types.ScalarAttributeType(typ)})
	}
	if in.KeySchema, err = keySchema(props, "KeySchema"); err != nil {
		return nil, nil, err
	}
	if len(in.KeySchema) == 0 {
		return nil, nil, errors.New("KeySchema is required")
	}
	billing, _, err := propString(props, "BillingMode")
	if err != nil {
		return nil, nil, err
	}
	if billing == "" {
		billing = string(types.BillingModeProvisioned) // CloudFormation's default
	}
	in.BillingMode = types.BillingMode(billing)
	provisioned := in.BillingMode == types.BillingModeProvisioned
	if provisioned {
		if in.ProvisionedThroughput, err = throughput(props); err != nil {
			return nil, nil, err
		}
	}
	gsis, err := propMaps(props, "GlobalSecondaryIndexes")
	if err != nil {
		return nil, nil, err
	}
	for i, g := range gsis {
		idx, err := secondaryIndex(g)
		if err != nil {
			return nil, nil, fmt.Errorf("GlobalSecondaryIndexes[%d]: %w", i, err)
		}
		gsi := types.GlobalSecondaryIndex{IndexName: idx.IndexName, KeySchema: idx.KeySchema, Projection: idx.Projection}
		if provisioned {
			if gsi.ProvisionedThroughput, err = throughput(g); err != nil {
				return nil, nil, fmt.Errorf("GlobalSecondaryIndexes[%d]: %w", i, err)
			}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	lsis, err := propMaps(props, "LocalSecondaryIndexes")
	if err != nil {
		return nil, nil, err
	}
	for i, l := range lsis {
		idx, err := secondaryIndex(l)
		if err != nil {
			return nil, nil, fmt.Errorf("LocalSecondaryIndexes[%d]: %w", i, err)
		}
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, idx)
	}
	if ss, ok, err := propMap(props, "StreamSpecification"); err != nil {
		return nil, nil, err
	} else if ok {
		view, err := mustString(ss, "StreamViewType")
		if err != nil {
			return nil, nil, fmt.Errorf("StreamSpecification: %w", err)
		}
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(view)}
	}
	var skipped []string
	for _, p := range []string{"PointInTimeRecoverySpecification", "SSESpecification", "TableClass", "DeletionProtectionEnabled", "Tags"} {
		if _, ok := props[p]; ok {
			skipped = append(skipped, p+" (DynamoDB Local does not apply it)")
		}
	}
	return in, skipped, nil
}

func keySchema(m map[string]any, key string) ([]types.KeySchemaElement, error) {
	elems, err := propMaps(m, key)
	if err != nil {
		return nil, err
	}
	var out []types.KeySchemaElement
	for i, e := range elems {
		n, err := mustString(e, "AttributeName")
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		kt, err := mustString(e, "KeyType")
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyType(kt)})
	}
	return out, nil
}

func throughput(m map[string]any) (*types.ProvisionedThroughput, error) {
	pt, ok, err := propMap(m, "ProvisionedThroughput")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("ProvisionedThroughput is required with BillingMode PROVISIONED")
	}
	r, _, err := propInt(pt, "ReadCapacityUnits")
	if err != nil {
		return nil, fmt.Errorf("ProvisionedThroughput: %w", err)
	}
	w, _, err := propInt(pt, "WriteCapacityUnits")
	if err != nil {
		return nil, fmt.Errorf("ProvisionedThroughput: %w", err)
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}, nil
}

func secondaryIndex(m map[string]any) (types.LocalSecondaryIndex, error) {
	var idx types.LocalSecondaryIndex
	name, err := mustString(m, "IndexName")
	if err != nil {
		return idx, err
	}
	idx.IndexName = aws.String(name)
	if idx.KeySchema, err = keySchema(m, "KeySchema"); err != nil {
		return idx, err
	}
	proj, ok, err := propMap(m, "Projection")
	if err != nil {
		return idx, err
	}
	idx.Projection = &types.Projection{ProjectionType: types.ProjectionTypeAll}
	if ok {
		pt, _, err := propString(proj, "ProjectionType")
		if err != nil {
			return idx, fmt.Errorf("in Projection: %w", err)
		}
		if pt != "" {
			idx.Projection.ProjectionType = types.ProjectionType(pt)
		}
		if idx.Projection.NonKeyAttributes, err = propStrings(proj, "NonKeyAttributes"); err != nil {
			return idx, fmt.Errorf("in Projection: %w", err)
		}
	}
	return idx, nil
}

// EnsureTable creates the table named name from the resolved properties of
// an AWS::DynamoDB::Table unless it exists, adds any missing global secondary
// index, and enables its TimeToLiveSpecification. It returns the table's
// Fn::GetAtt attributes (Arn, and StreamArn when streams are on) and the
// properties it could not apply.
func EnsureTable(ctx context.Context, db *dynamodb.Client, name string, props map[string]any) (map[string]string, []string, error) {
	in, skipped, err := TableInput(name, props)
	if err != nil {
		return nil, nil, err
	}
	desc, err := describeTable(ctx, db, name)
	if err != nil {
		return nil, nil, err
	}
	if desc == nil {
		_, err := db.CreateTable(ctx, in)
		var inUse *types.ResourceInUseException
		// ResourceInUse: another process created it between our describe
		// and our create, which is the outcome we wanted.
		if err != nil && !errors.As(err, &inUse) {
			return nil, nil, fmt.Errorf("create table %s: %w", name, err)
		}
	} else if err := updateTable(ctx, db, in, desc); err != nil {
		return nil, nil, err
	}
	// The waiter's default first delay is 20 s, made for AWS; DynamoDB Local
	// is ready in milliseconds.
	waiter := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	out, err := waiter.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableWait)
	if err != nil {
		return nil, nil, fmt.Errorf("wait for table %s: %w", name, err)
	}
	if ttl, ok, err := propMap(props, "TimeToLiveSpecification"); err != nil {
		return nil, nil, err
	} else if ok {
		if err := ensureTTL(ctx, db, name, ttl); err != nil {
			return nil, nil, err
		}
	}
	attrs := map[string]string{"Arn": aws.ToString(out.Table.TableArn)}
	if out.Table.LatestStreamArn != nil {
		attrs["StreamArn"] = aws.ToString(out.Table.LatestStreamArn)
	}
	return attrs, skipped, nil
}

func describeTable(ctx context.Context, db *dynamodb.Client, name string) (*types.TableDescription, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe table %s: %w", name, err)
	}
	return out.Table, nil
}

// updateTable brings an existing table closer to the template: it cannot
// change a key schema (that needs a new table), but it adds missing global
// secondary indexes and turns the stream on.
func updateTable(ctx context.Context, db *dynamodb.Client, want *dynamodb.CreateTableInput, have *types.TableDescription) error {
	name := aws.ToString(want.TableName)
	if !sameKeys(want.KeySchema, have.KeySchema) {
		return fmt.Errorf("table %s exists with another key schema: delete it or restart the stack", name)
	}
	existing := map[string]bool{}
	for _, g := range have.GlobalSecondaryIndexes {
		existing[aws.ToString(g.IndexName)] = true
	}
	for _, g := range want.GlobalSecondaryIndexes {
		if existing[aws.ToString(g.IndexName)] {
			continue
		}
		// One index per UpdateTable call: DynamoDB refuses more.
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName:            want.TableName,
			AttributeDefinitions: want.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ProvisionedThroughput: g.ProvisionedThroughput}}},
		})
		if err != nil {
			return fmt.Errorf("add index %s to table %s: %w", aws.ToString(g.IndexName), name, err)
		}
	}
	streamOn := have.StreamSpecification != nil && aws.ToBool(have.StreamSpecification.StreamEnabled)
	if want.StreamSpecification != nil && !streamOn {
		if _, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: want.TableName, StreamSpecification: want.StreamSpecification}); err != nil {
			return fmt.Errorf("enable stream on table %s: %w", name, err)
		}
	}
	return nil
}

func sameKeys(a, b []types.KeySchemaElement) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if aws.ToString(a[i].AttributeName) != aws.ToString(b[i].AttributeName) || a[i].KeyType != b[i].KeyType {
			return false
		}
	}
	return true
}

func ensureTTL(ctx context.Context, db *dynamodb.Client, name string, spec map[string]any) error {
	enabled, _, err := propBool(spec, "Enabled")
	if err != nil {
		return fmt.Errorf("TimeToLiveSpecification: %w", err)
	}
	attr, _, err := propString(spec, "AttributeName")
	if err != nil {
		return fmt.Errorf("TimeToLiveSpecification: %w", err)
	}
	if !enabled {
		return nil
	}
	if attr == "" {
		return errors.New("TimeToLiveSpecification: AttributeName is required when Enabled")
	}
	// Enabling twice is a ValidationException, so look first.
	if on, err := ttlOn(ctx, db, name, attr); err != nil || on {
		return err
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
	})
	if err != nil {
		// Another process may have enabled it since we looked.
		if on, derr := ttlOn(ctx, db, name, attr); derr == nil && on {
			return nil
		}
		return fmt.Errorf("enable TTL on table %s: %w", name, err)
	}
	return nil
}

// ttlOn reports whether TTL is enabled (or being enabled) on attr.
func ttlOn(ctx context.Context, db *dynamodb.Client, name, attr string) (bool, error) {
	cur, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return false, fmt.Errorf("describe TTL of table %s: %w", name, err)
	}
	d := cur.TimeToLiveDescription
	return d != nil && (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) &&
		aws.ToString(d.AttributeName) == attr, nil
}
