package localaws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// EnsureBucket creates the bucket named name in region unless it exists, then
// applies the resolved properties of an AWS::S3::Bucket that moto supports:
// BucketEncryption, VersioningConfiguration, LifecycleConfiguration,
// PublicAccessBlockConfiguration, OwnershipControls and CorsConfiguration.
// Each is a PUT of the whole configuration, so re-running converges. It
// returns the bucket's Fn::GetAtt attributes (Arn, DomainName,
// RegionalDomainName) and the properties it could not apply.
func EnsureBucket(ctx context.Context, c *s3.Client, name, region string, props map[string]any) (map[string]string, []string, error) {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "" && region != "us-east-1" {
		// us-east-1 is the one region that refuses an explicit constraint.
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	_, err := c.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return nil, nil, fmt.Errorf("create bucket %s: %w", name, err)
	}
	var skipped []string
	steps := []struct {
		prop  string
		apply func(map[string]any) error
	}{
		{"BucketEncryption", func(p map[string]any) error { return putEncryption(ctx, c, name, p) }},
		{"VersioningConfiguration", func(p map[string]any) error { return putVersioning(ctx, c, name, p) }},
		{"LifecycleConfiguration", func(p map[string]any) error { return putLifecycle(ctx, c, name, p) }},
		{"PublicAccessBlockConfiguration", func(p map[string]any) error { return putPublicAccessBlock(ctx, c, name, p) }},
		{"OwnershipControls", func(p map[string]any) error { return putOwnership(ctx, c, name, p) }},
		{"CorsConfiguration", func(p map[string]any) error { return putCors(ctx, c, name, p) }},
	}
	for _, s := range steps {
		p, ok, err := propMap(props, s.prop)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if err := s.apply(p); err != nil {
			return nil, nil, fmt.Errorf("bucket %s: %s: %w", name, s.prop, err)
		}
	}
	if _, ok := props["Tags"]; ok {
		skipped = append(skipped, "Tags (not applied locally)")
	}
	return map[string]string{
		"Arn":                "arn:aws:s3:::" + name,
		"DomainName":         name + ".s3.amazonaws.com",
		"RegionalDomainName": name + ".s3." + region + ".amazonaws.com",
	}, skipped, nil
}

func putEncryption(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	rules, err := propMaps(p, "ServerSideEncryptionConfiguration")
	if err != nil {
		return err
	}
	conf := &types.ServerSideEncryptionConfiguration{}
	for i, r := range rules {
		def, ok, err := propMap(r, "ServerSideEncryptionByDefault")
		if err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		rule := types.ServerSideEncryptionRule{}
		if ok {
			alg, err := mustString(def, "SSEAlgorithm")
			if err != nil {
				return fmt.Errorf("rule %d: %w", i, err)
			}
			key, _, err := propString(def, "KMSMasterKeyID")
			if err != nil {
				return fmt.Errorf("rule %d: %w", i, err)
			}
			rule.ApplyServerSideEncryptionByDefault = &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryption(alg)}
			if key != "" {
				rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID = aws.String(key)
			}
		}
		if b, ok, err := propBool(r, "BucketKeyEnabled"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		} else if ok {
			rule.BucketKeyEnabled = aws.Bool(b)
		}
		conf.Rules = append(conf.Rules, rule)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: conf})
	return err
}

func putVersioning(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	status, err := mustString(p, "Status")
	if err != nil {
		return err
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket: aws.String(bucket), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(status)}})
	return err
}

func putLifecycle(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	rules, err := propMaps(p, "Rules")
	if err != nil {
		return err
	}
	conf := &types.BucketLifecycleConfiguration{}
	for i, r := range rules {
		rule, err := lifecycleRule(r)
		if err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		conf.Rules = append(conf.Rules, rule)
	}
	_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket), LifecycleConfiguration: conf})
	return err
}

// lifecycleRule maps CloudFormation's flattened lifecycle rule (ExpirationInDays,
// NoncurrentVersionExpiration...) onto the S3 API's nested one.
func lifecycleRule(r map[string]any) (types.LifecycleRule, error) {
	var rule types.LifecycleRule
	status, err := mustString(r, "Status")
	if err != nil {
		return rule, err
	}
	rule.Status = types.ExpirationStatus(status)
	if id, ok, err := propString(r, "Id"); err != nil {
		return rule, err
	} else if ok {
		rule.ID = aws.String(id)
	}
	prefix, _, err := propString(r, "Prefix")
	if err != nil {
		return rule, err
	}
	rule.Filter = &types.LifecycleRuleFilter{Prefix: aws.String(prefix)}
	exp := &types.LifecycleExpiration{}
	if d, ok, err := propInt(r, "ExpirationInDays"); err != nil {
		return rule, err
	} else if ok {
		exp.Days = aws.Int32(int32(d))
		rule.Expiration = exp
	}
	if s, ok, err := propString(r, "ExpirationDate"); err != nil {
		return rule, err
	} else if ok {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return rule, fmt.Errorf("ExpirationDate: %w", err)
		}
		exp.Date = aws.Time(t)
		rule.Expiration = exp
	}
	if b, ok, err := propBool(r, "ExpiredObjectDeleteMarker"); err != nil {
		return rule, err
	} else if ok {
		exp.ExpiredObjectDeleteMarker = aws.Bool(b)
		rule.Expiration = exp
	}
	nve, ok, err := propMap(r, "NoncurrentVersionExpiration")
	if err != nil {
		return rule, err
	}
	if ok {
		days, _, err := propInt(nve, "NoncurrentDays")
		if err != nil {
			return rule, fmt.Errorf("NoncurrentVersionExpiration: %w", err)
		}
		rule.NoncurrentVersionExpiration = &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(int32(days))}
		if n, ok, err := propInt(nve, "NewerNoncurrentVersions"); err != nil {
			return rule, fmt.Errorf("NoncurrentVersionExpiration: %w", err)
		} else if ok {
			rule.NoncurrentVersionExpiration.NewerNoncurrentVersions = aws.Int32(int32(n))
		}
	} else if d, ok, err := propInt(r, "NoncurrentVersionExpirationInDays"); err != nil {
		return rule, err
	} else if ok {
		rule.NoncurrentVersionExpiration = &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(int32(d))}
	}
	if ab, ok, err := propMap(r, "AbortIncompleteMultipartUpload"); err != nil {
		return rule, err
	} else if ok {
		d, _, err := propInt(ab, "DaysAfterInitiation")
		if err != nil {
			return rule, fmt.Errorf("AbortIncompleteMultipartUpload: %w", err)
		}
		rule.AbortIncompleteMultipartUpload = &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(int32(d))}
	}
	trs, err := propMaps(r, "Transitions")
	if err != nil {
		return rule, err
	}
	for i, tr := range trs {
		class, err := mustString(tr, "StorageClass")
		if err != nil {
			return rule, fmt.Errorf("in Transitions[%d]: %w", i, err)
		}
		t := types.Transition{StorageClass: types.TransitionStorageClass(class)}
		if d, ok, err := propInt(tr, "TransitionInDays"); err != nil {
			return rule, fmt.Errorf("in Transitions[%d]: %w", i, err)
		} else if ok {
			t.Days = aws.Int32(int32(d))
		}
		rule.Transitions = append(rule.Transitions, t)
	}
	return rule, nil
}

func putPublicAccessBlock(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	conf := &types.PublicAccessBlockConfiguration{}
	for key, dst := range map[string]**bool{
		"BlockPublicAcls":       &conf.BlockPublicAcls,
		"BlockPublicPolicy":     &conf.BlockPublicPolicy,
		"IgnorePublicAcls":      &conf.IgnorePublicAcls,
		"RestrictPublicBuckets": &conf.RestrictPublicBuckets,
	} {
		b, ok, err := propBool(p, key)
		if err != nil {
			return err
		}
		if ok {
			*dst = aws.Bool(b)
		}
	}
	_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: conf})
	return err
}

func putOwnership(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	rules, err := propMaps(p, "Rules")
	if err != nil {
		return err
	}
	conf := &types.OwnershipControls{}
	for i, r := range rules {
		o, err := mustString(r, "ObjectOwnership")
		if err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		conf.Rules = append(conf.Rules, types.OwnershipControlsRule{ObjectOwnership: types.ObjectOwnership(o)})
	}
	_, err = c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(bucket), OwnershipControls: conf})
	return err
}

func putCors(ctx context.Context, c *s3.Client, bucket string, p map[string]any) error {
	rules, err := propMaps(p, "CorsRules")
	if err != nil {
		return err
	}
	conf := &types.CORSConfiguration{}
	for i, r := range rules {
		var rule types.CORSRule
		if rule.AllowedMethods, err = propStrings(r, "AllowedMethods"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		if rule.AllowedOrigins, err = propStrings(r, "AllowedOrigins"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		if rule.AllowedHeaders, err = propStrings(r, "AllowedHeaders"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		if rule.ExposeHeaders, err = propStrings(r, "ExposedHeaders"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		if age, ok, err := propInt(r, "MaxAge"); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		} else if ok {
			rule.MaxAgeSeconds = aws.Int32(int32(age))
		}
		conf.CORSRules = append(conf.CORSRules, rule)
	}
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: conf})
	return err
}
