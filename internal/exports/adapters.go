package exports

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/csvexport"
	"github.com/ordersmith/ordersmith/internal/order"
)

// LinkTTL is how long a download link works: at most 15 minutes.
const LinkTTL = 15 * time.Minute

// Sender is the part of the SQS client the queue uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Queue is the order.ExportQueue over the ExportsQueue.
type Queue struct {
	sqs Sender
	url string
}

var _ order.ExportQueue = (*Queue)(nil)

// NewQueue returns the queue at url; both are required.
func NewQueue(s Sender, url string) (*Queue, error) {
	const op = "exports.NewQueue"
	if err := order.RequireDeps(op, order.Need("SQS", s), order.Need("Queue URL", url)); err != nil {
		return nil, err
	}
	return &Queue{sqs: s, url: url}, nil
}

// EnqueueExport implements order.ExportQueue.
func (q *Queue) EnqueueExport(ctx context.Context, id string) error {
	body, err := json.Marshal(Message{ExportID: id})
	if err != nil {
		return err
	}
	_, err = q.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))})
	return err
}

// Links is the order.ExportLinks of presigned GETs in the exports bucket.
type Links struct {
	presign *s3.PresignClient
	bucket  string
	now     func() time.Time
}

var _ order.ExportLinks = (*Links)(nil)

// NewLinks returns the links of bucket's objects; both are required.
func NewLinks(p *s3.PresignClient, bucket string) (*Links, error) {
	const op = "exports.NewLinks"
	if err := order.RequireDeps(op, order.Need("Presign", p), order.Need("Bucket", bucket)); err != nil {
		return nil, err
	}
	return &Links{presign: p, bucket: bucket, now: time.Now}, nil
}

// DownloadURL implements order.ExportLinks: a presigned GET valid LinkTTL.
func (l *Links) DownloadURL(ctx context.Context, key string) (string, time.Time, error) {
	now := l.now()
	req, err := l.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)}, s3.WithPresignExpires(LinkTTL))
	if err != nil {
		return "", time.Time{}, order.Wrap("exports.DownloadURL", order.Transient, "link_failed", "the download link could not be made", err)
	}
	return req.URL, now.Add(LinkTTL), nil
}

// CheckFormat is the order.ExportFormatChecker of csvexport's profiles.
func CheckFormat(f order.ExportFormat) (*time.Location, error) {
	o, err := csvexport.FromFormat(f)
	if err != nil {
		return nil, err
	}
	return o.Location, nil
}
