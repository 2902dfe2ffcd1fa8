package localaws

import (
	"context"
	"fmt"
	"maps"
	"net/mail"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// The resource types Provision creates.
const (
	TableType  = "AWS::DynamoDB::Table"
	QueueType  = "AWS::SQS::Queue"
	BucketType = "AWS::S3::Bucket"
)

// The template parameters naming the SES sender: MailFromParam the sender
// (an address, possibly with a display name), MailFromAddressParam its bare
// address when it has a display name, SESIdentityParam the verified
// identity (a domain or an address) when it is not the sender address.
const (
	MailFromParam        = "MailFrom"
	MailFromAddressParam = "MailFromAddress"
	SESIdentityParam     = "SesIdentity"
)

// servedElsewhere are the resource types the local runtime (cmd/samlocal)
// emulates itself: Provision neither creates nor reports them.
var servedElsewhere = map[string]bool{
	samtemplate.FunctionType:   true,
	"AWS::Serverless::HttpApi": true,
	"AWS::Logs::LogGroup":      true,
}

// Resources is what Provision created: for each logical id, what Ref and
// Fn::GetAtt return, the way CloudFormation would report them.
type Resources struct {
	// Refs is the Ref value per logical id: a table name, a queue URL, a
	// bucket name.
	Refs map[string]string
	// Attrs is the Fn::GetAtt attributes per logical id: Arn and StreamArn
	// for tables; Arn, QueueUrl and QueueName for queues; Arn, DomainName and
	// RegionalDomainName for buckets.
	Attrs map[string]map[string]string
	// Types is the resource type per logical id.
	Types map[string]string
	// MailFrom is the sender address that was verified as an SES identity,
	// if any (the bare address, display name removed).
	MailFrom string
	// SESIdentities are the SES identities verified: the sender address,
	// and the template's SesIdentity (a domain, say) when it is another.
	SESIdentities []string
	// Skipped lists, one line each, the template properties the emulators
	// cannot apply and the resources they do not hold (alarms, topics,
	// bucket policies, the Cognito pool...), which were therefore left out.
	Skipped []string
}

// Context returns a copy of base with Refs and Attrs set from r (entries
// already in base are kept unless r has the same logical id), ready for
// samtemplate.Template.Resolve.
func (r *Resources) Context(base *samtemplate.Context) *samtemplate.Context {
	c := &samtemplate.Context{}
	if base != nil {
		*c = *base
	}
	c.Refs = maps.Clone(c.Refs)
	if c.Refs == nil {
		c.Refs = map[string]string{}
	}
	maps.Copy(c.Refs, r.Refs)
	attrs := make(map[string]map[string]string, len(c.Attrs)+len(r.Attrs))
	for id, a := range c.Attrs {
		attrs[id] = maps.Clone(a)
	}
	for id, a := range r.Attrs {
		attrs[id] = maps.Clone(a)
	}
	c.Attrs = attrs
	return c
}

// Clients are the service clients Provision uses, built for the emulators.
type Clients struct {
	DynamoDB *dynamodb.Client
	SQS      *sqs.Client
	S3       *s3.Client
	SES      *sesv2.Client
}

// NewClients builds the service clients for cfg with the two local-only
// options: S3 path-style addressing (the emulator is reached by IP, where
// bucket sub-domains do not resolve) and no CRC32 check of DynamoDB
// responses (DynamoDB Local's error responses carry a wrong one).
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }),
		SQS:      sqs.NewFromConfig(cfg),
		S3:       s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SES:      sesv2.NewFromConfig(cfg),
	}
}

// Provision creates in the emulators every DynamoDB table, SQS queue and S3
// bucket of t whose Condition holds, in dependency order, and verifies the
// SES identity named by the MailFrom parameter. It is idempotent: what
// exists is kept (and its settable attributes brought up to date), so it can
// run on every `devstack up` and concurrently from several processes.
//
// c gives the parameters and pseudo parameters (Region, AccountID,
// StackName); it is not modified. Before creating anything, it applies the
// moto settings of ConfigureMoto.
func Provision(ctx context.Context, cfg aws.Config, t *samtemplate.Template, c *samtemplate.Context) (*Resources, error) {
	moto := MotoURL()
	if cfg.BaseEndpoint != nil {
		moto = aws.ToString(cfg.BaseEndpoint)
	}
	if err := ConfigureMoto(ctx, moto); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	cl := NewClients(cfg)
	res := &Resources{Refs: map[string]string{}, Attrs: map[string]map[string]string{}, Types: map[string]string{}}
	order, err := creationOrder(t, c)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	for _, id := range order {
		r := t.Resources[id]
		rc := res.Context(c)
		name, err := physicalName(t, id, r, rc)
		if err != nil {
			return nil, fmt.Errorf("provision %s: %w", id, err)
		}
		var ref string
		var attrs map[string]string
		var skipped []string
		switch r.Type {
		case TableType:
			props, ignored, err := resolveProps(t, r, rc, tableProps)
			if err != nil {
				return nil, fmt.Errorf("provision table %s: %w", id, err)
			}
			var more []string
			if attrs, more, err = EnsureTable(ctx, cl.DynamoDB, name, props); err != nil {
				return nil, fmt.Errorf("provision table %s: %w", id, err)
			}
			skipped = append(ignored, more...)
			ref = name
		case QueueType:
			props, ignored, err := resolveProps(t, r, rc, queueProps)
			if err != nil {
				return nil, fmt.Errorf("provision queue %s: %w", id, err)
			}
			var more []string
			if attrs, more, err = EnsureQueue(ctx, cl.SQS, name, props); err != nil {
				return nil, fmt.Errorf("provision queue %s: %w", id, err)
			}
			skipped = append(ignored, more...)
			ref = attrs["QueueUrl"]
		case BucketType:
			props, ignored, err := resolveProps(t, r, rc, bucketProps)
			if err != nil {
				return nil, fmt.Errorf("provision bucket %s: %w", id, err)
			}
			var more []string
			if attrs, more, err = EnsureBucket(ctx, cl.S3, name, cfg.Region, props); err != nil {
				return nil, fmt.Errorf("provision bucket %s: %w", id, err)
			}
			skipped = append(ignored, more...)
			ref = name
		}
		res.Refs[id] = ref
		res.Attrs[id] = attrs
		res.Types[id] = r.Type
		for _, s := range skipped {
			res.Skipped = append(res.Skipped, id+": "+s)
		}
	}
	skipped, err := notProvisioned(t, c)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	res.Skipped = append(res.Skipped, skipped...)
	from, ids, err := sesIdentities(t, c)
	if err != nil {
		return nil, fmt.Errorf("provision SES identity: %w", err)
	}
	for _, id := range ids {
		if err := EnsureEmailIdentity(ctx, cl.SES, id); err != nil {
			return nil, fmt.Errorf("provision SES identity %s: %w", id, err)
		}
	}
	res.MailFrom, res.SESIdentities = from, ids
	return res, nil
}

// sesIdentities returns the sender address the template's parameters name
// (MailFromAddress, else MailFrom without its display name) and the SES
// identities to verify for it: the address, and SesIdentity when set and
// different. A template without MailFrom names none.
func sesIdentities(t *samtemplate.Template, c *samtemplate.Context) (string, []string, error) {
	param := func(name string) (string, error) {
		if _, ok := t.Parameters[name]; !ok {
			return "", nil
		}
		return t.ParamValue(name, c)
	}
	mailFrom, err := param(MailFromParam)
	if err != nil || mailFrom == "" {
		return "", nil, err
	}
	from, err := param(MailFromAddressParam)
	if err != nil {
		return "", nil, err
	}
	if from == "" {
		a, err := mail.ParseAddress(mailFrom)
		if err != nil {
			return "", nil, fmt.Errorf("%s %q: %w", MailFromParam, mailFrom, err)
		}
		from = a.Address
	}
	ids := []string{from}
	identity, err := param(SESIdentityParam)
	if err != nil {
		return "", nil, err
	}
	if identity != "" && identity != from {
		ids = append(ids, identity)
	}
	return from, ids, nil
}

// notProvisioned reports, one line per type, the resources whose condition
// holds that Provision does not create and the local runtime does not serve
// either: CloudWatch alarms, SNS topics, bucket policies, IAM, Cognito. The
// emulators need none of them to run the functions; the report says what
// differs from AWS.
func notProvisioned(t *samtemplate.Template, c *samtemplate.Context) ([]string, error) {
	byType := map[string][]string{}
	for _, id := range t.ResourceIDs("") {
		r := t.Resources[id]
		if _, managed := managedTypes[r.Type]; managed || servedElsewhere[r.Type] {
			continue
		}
		if on, err := resourceOn(t, id, c); err != nil || !on {
			if err != nil {
				return nil, err
			}
			continue
		}
		byType[r.Type] = append(byType[r.Type], id)
	}
	var out []string
	for typ, ids := range byType {
		sort.Strings(ids)
		out = append(out, fmt.Sprintf("%s: not provisioned locally (%s)", typ, strings.Join(ids, ", ")))
	}
	sort.Strings(out)
	return out, nil
}

// Each managed type's properties Provision reads. Only these are resolved,
// so that a property referring to something the emulators do not have (a
// Lambda ARN in a notification, a KMS key) cannot stop provisioning.
var (
	tableProps = []string{"TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
		"LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput", "StreamSpecification",
		"TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification",
		"DeletionProtectionEnabled", "TableClass", "Tags"}
	queueProps = []string{"QueueName", "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
		"MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy",
		"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
		"SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "Tags"}
	bucketProps = []string{"BucketName", "BucketEncryption", "VersioningConfiguration",
		"LifecycleConfiguration", "PublicAccessBlockConfiguration", "OwnershipControls",
		"CorsConfiguration", "Tags"}
)

// managedTypes are the types Provision creates.
var managedTypes = map[string][]string{TableType: tableProps, QueueType: queueProps, BucketType: bucketProps}

// resolveProps resolves the named properties of r, and lists the others,
// which Provision reports as skipped rather than silently ignoring them: a
// reader of the devstack output sees what differs from AWS.
func resolveProps(t *samtemplate.Template, r samtemplate.Resource, c *samtemplate.Context, names []string) (map[string]any, []string, error) {
	out := map[string]any{}
	for _, n := range names {
		v, ok := r.Properties[n]
		if !ok {
			continue
		}
		rv, err := t.Resolve(v, c)
		if err != nil {
			return nil, nil, fmt.Errorf("property %s: %w", n, err)
		}
		if rv != nil {
			out[n] = rv
		}
	}
	var ignored []string
	for n := range r.Properties {
		if !contains(names, n) {
			ignored = append(ignored, n+" (not read locally)")
		}
	}
	sort.Strings(ignored)
	return out, ignored, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// resourceOn reports whether the resource's Condition, if any, holds.
func resourceOn(t *samtemplate.Template, id string, c *samtemplate.Context) (bool, error) {
	cond := t.Resources[id].Condition
	if cond == "" {
		return true, nil
	}
	on, err := t.ConditionTrue(cond, c)
	if err != nil {
		return false, fmt.Errorf("resource %s: %w", id, err)
	}
	return on, nil
}

// creationOrder returns the managed resources whose condition holds, each
// after the managed resources it refers to (a queue after its dead-letter
// queue), ties broken by logical id.
func creationOrder(t *samtemplate.Template, c *samtemplate.Context) ([]string, error) {
	deps := map[string][]string{}
	for _, id := range t.ResourceIDs("") {
		r := t.Resources[id]
		names, ok := managedTypes[r.Type]
		if !ok {
			continue
		}
		if on, err := resourceOn(t, id, c); err != nil || !on {
			if err != nil {
				return nil, err
			}
			continue
		}
		var used []any
		for _, n := range names {
			if v, ok := r.Properties[n]; ok {
				used = append(used, v)
			}
		}
		var d []string
		for _, ref := range append(samtemplate.References(used), r.DependsOn...) {
			if dr, ok := t.Resources[ref]; ok {
				if _, managed := managedTypes[dr.Type]; managed {
					d = append(d, ref)
				}
			}
		}
		deps[id] = d
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("circular reference: %s", strings.Join(append(path, id), " -> "))
		case 2:
			return nil
		}
		if _, ok := deps[id]; !ok {
			// Managed but switched off by its condition: whoever refers to
			// it fails at resolution with a clear message.
			return nil
		}
		state[id] = 1
		for _, d := range deps[id] {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		order = append(order, id)
		return nil
	}
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// physicalName returns the resource's name property, or the name
// CloudFormation would generate (stack name and logical id) when it has none.
func physicalName(t *samtemplate.Template, id string, r samtemplate.Resource, c *samtemplate.Context) (string, error) {
	prop := map[string]string{TableType: "TableName", QueueType: "QueueName", BucketType: "BucketName"}[r.Type]
	if v, ok := r.Properties[prop]; ok {
		name, err := t.ResolveString(v, c)
		if err != nil {
			return "", fmt.Errorf("%s: %w", prop, err)
		}
		if name != "" {
			return name, nil
		}
	}
	stack := c.StackName
	if stack == "" {
		stack = StackName
	}
	name := stack + "-" + id
	switch r.Type {
	case BucketType:
		name = strings.ToLower(name)
	case QueueType:
		if fifo, _ := t.ResolveString(r.Properties["FifoQueue"], c); fifo == "true" {
			name += ".fifo"
		}
	}
	return name, nil
}
