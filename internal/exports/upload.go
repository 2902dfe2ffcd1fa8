package exports

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// PartSize is the size of every part but the last: S3's minimum. One part is
// all the worker holds in memory, whatever the size of the export.
const PartSize = 5 << 20

// ObjectStore is the part of the S3 client the worker uses.
type ObjectStore interface {
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ ObjectStore = (*s3.Client)(nil)

// upload is an io.Writer onto an S3 multipart upload: it fills one part and
// sends it when full, so memory stays at one part. Nothing is visible under
// the key before complete; abort removes the parts sent.
type upload struct {
	ctx             context.Context
	s3              ObjectStore
	bucket, key, id string
	buf             []byte
	parts           []types.CompletedPart
}

// startUpload begins a multipart upload of key.
func startUpload(ctx context.Context, s ObjectStore, bucket, key, contentType, filename string) (*upload, error) {
	out, err := s.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		ContentDisposition: aws.String(fmt.Sprintf("attachment; filename=%q", filename)),
	})
	if err != nil {
		return nil, order.Wrap("exports.startUpload", order.Transient, "upload_failed", "the export file could not be started", err)
	}
	return &upload{ctx: ctx, s3: s, bucket: bucket, key: key, id: aws.ToString(out.UploadId), buf: make([]byte, 0, PartSize)}, nil
}

// Write implements io.Writer.
func (u *upload) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), PartSize-len(u.buf))
		u.buf = append(u.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(u.buf) == PartSize {
			if err := u.sendPart(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// sendPart uploads the buffer as the next part.
func (u *upload) sendPart() error {
	num := int32(len(u.parts) + 1)
	out, err := u.s3.UploadPart(u.ctx, &s3.UploadPartInput{
		Bucket: aws.String(u.bucket), Key: aws.String(u.key), UploadId: aws.String(u.id),
		PartNumber: aws.Int32(num), Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf))),
	})
	if err != nil {
		return order.Wrap("exports.upload", order.Transient, "upload_failed", fmt.Sprintf("part %d of the export file could not be uploaded", num), err)
	}
	u.parts = append(u.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num),
		ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
		ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256})
	u.buf = u.buf[:0]
	return nil
}

// complete sends the last part and makes the object visible.
func (u *upload) complete() error {
	if len(u.buf) > 0 || len(u.parts) == 0 {
		if err := u.sendPart(); err != nil {
			return err
		}
	}
	_, err := u.s3.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(u.bucket), Key: aws.String(u.key), UploadId: aws.String(u.id),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	})
	if err != nil {
		return order.Wrap("exports.upload", order.Transient, "upload_failed", "the export file could not be completed", err)
	}
	return nil
}

// abort drops the upload and its parts: no object, no orphan parts. It runs
// even when the export's context is cancelled (the deadline is one reason
// to abort).
func (u *upload) abort() error {
	_, err := u.s3.AbortMultipartUpload(context.WithoutCancel(u.ctx), &s3.AbortMultipartUploadInput{
		Bucket: aws.String(u.bucket), Key: aws.String(u.key), UploadId: aws.String(u.id),
	})
	return err
}
