package localaws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// EnsureEmailIdentity creates the SES v2 e-mail identity for address unless
// it exists. moto verifies identities on creation, and refuses to send from
// an unverified one, as SES does.
func EnsureEmailIdentity(ctx context.Context, c *sesv2.Client, address string) error {
	if address == "" {
		return errors.New("empty e-mail address")
	}
	_, err := c.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(address)})
	var exists *types.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create e-mail identity %s: %w", address, err)
	}
	return nil
}
