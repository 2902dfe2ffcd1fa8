// Package docfiles keeps the documents' PDFs in the private documents bucket
// (S3) and hands out short-lived links to them.
package docfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// MaxLinkTTL is the longest a link to a document lives.
const MaxLinkTTL = 15 * time.Minute

// PutObjectAPI is the S3 call that stores a PDF.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Bucket is the documents bucket.
type Bucket struct {
	put     PutObjectAPI
	presign *s3.PresignClient
	name    string
}

var _ order.DocumentFiles = (*Bucket)(nil)

// New returns the bucket named name over client; a nil client or an empty
// name is an Internal error.
func New(client *s3.Client, name string) (*Bucket, error) {
	if err := order.RequireDeps("docfiles.New", order.Need("Client", client), order.Need("Bucket", name)); err != nil {
		return nil, err
	}
	return &Bucket{put: client, presign: s3.NewPresignClient(client), name: name}, nil
}

// PutPDF implements order.DocumentFiles: the PDF with its SHA-256, which S3
// checks on receipt, encrypted at rest.
func (b *Bucket) PutPDF(ctx context.Context, key string, pdf []byte) error {
	sum := sha256.Sum256(pdf)
	_, err := b.put.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key),
		Body: bytes.NewReader(pdf), ContentType: aws.String("application/pdf"),
		ChecksumSHA256:       aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		ServerSideEncryption: types.ServerSideEncryptionAes256})
	if err != nil {
		return order.Wrap("docfiles.PutPDF", order.Transient, "storage_failed", "store "+key, err)
	}
	return nil
}

// Link returns a URL that downloads key for ttl (at most MaxLinkTTL) and
// when it expires.
func (b *Bucket) Link(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	ttl = min(ttl, MaxLinkTTL)
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, order.Wrap("docfiles.Link", order.Internal, "presign_failed", fmt.Sprintf("link to %s", key), err)
	}
	return req.URL, time.Now().Add(ttl).UTC(), nil
}
