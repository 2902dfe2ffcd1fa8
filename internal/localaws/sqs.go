package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// queueAttrs maps the AWS::SQS::Queue properties to SQS attribute names.
// Each is sent as text, as SQS wants; the JSON-valued ones are encoded.
var queueAttrs = map[string]types.QueueAttributeName{
	"VisibilityTimeout":             types.QueueAttributeNameVisibilityTimeout,
	"MessageRetentionPeriod":        types.QueueAttributeNameMessageRetentionPeriod,
	"DelaySeconds":                  types.QueueAttributeNameDelaySeconds,
	"MaximumMessageSize":            types.QueueAttributeNameMaximumMessageSize,
	"ReceiveMessageWaitTimeSeconds": types.QueueAttributeNameReceiveMessageWaitTimeSeconds,
	"RedrivePolicy":                 types.QueueAttributeNameRedrivePolicy,
	"RedriveAllowPolicy":            types.QueueAttributeNameRedriveAllowPolicy,
	"FifoQueue":                     types.QueueAttributeNameFifoQueue,
	"ContentBasedDeduplication":     types.QueueAttributeNameContentBasedDeduplication,
	"DeduplicationScope":            types.QueueAttributeNameDeduplicationScope,
	"FifoThroughputLimit":           types.QueueAttributeNameFifoThroughputLimit,
	"SqsManagedSseEnabled":          types.QueueAttributeNameSqsManagedSseEnabled,
}

// QueueAttributes converts the resolved properties of an AWS::SQS::Queue
// into SQS attributes. It also returns the properties the emulator does not
// apply (KMS keys, tags), to be reported.
func QueueAttributes(props map[string]any) (map[string]string, []string, error) {
	attrs := map[string]string{}
	for prop, name := range queueAttrs {
		v, ok := props[prop]
		if !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", prop, err)
			}
			attrs[string(name)] = string(b)
		default:
			s, _, err := propString(props, prop)
			if err != nil {
				return nil, nil, err
			}
			attrs[string(name)] = s
		}
	}
	var skipped []string
	for _, p := range []string{"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "Tags"} {
		if _, ok := props[p]; ok {
			skipped = append(skipped, p+" (not applied locally)")
		}
	}
	return attrs, skipped, nil
}

// EnsureQueue creates the queue named name from the resolved properties of
// an AWS::SQS::Queue, or, if it exists with other attributes, updates them.
// It returns the queue's Fn::GetAtt attributes (Arn, QueueUrl, QueueName)
// and the properties it could not apply.
func EnsureQueue(ctx context.Context, q *sqs.Client, name string, props map[string]any) (map[string]string, []string, error) {
	attrs, skipped, err := QueueAttributes(props)
	if err != nil {
		return nil, nil, err
	}
	var url string
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	var exists *types.QueueNameExists
	switch {
	case err == nil:
		url = aws.ToString(out.QueueUrl)
	case errors.As(err, &exists):
		// CreateQueue is idempotent only for identical attributes; with
		// changed ones, apply the changes to the existing queue.
		got, gerr := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if gerr != nil {
			return nil, nil, fmt.Errorf("get URL of queue %s: %w", name, gerr)
		}
		url = aws.ToString(got.QueueUrl)
		settable := maps.Clone(attrs)
		delete(settable, string(types.QueueAttributeNameFifoQueue)) // fixed at creation
		if len(settable) > 0 {
			if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: settable}); err != nil {
				return nil, nil, fmt.Errorf("update queue %s: %w", name, err)
			}
		}
	default:
		return nil, nil, fmt.Errorf("create queue %s: %w", name, err)
	}
	ga, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return nil, nil, fmt.Errorf("get ARN of queue %s: %w", name, err)
	}
	return map[string]string{
		"Arn":       ga.Attributes[string(types.QueueAttributeNameQueueArn)],
		"QueueUrl":  url,
		"QueueName": name,
	}, skipped, nil
}
