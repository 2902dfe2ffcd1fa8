package localaws

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// LocalWebhookSecretsFile is the repository file holding the webhook
// secrets of the local stack: {"shopify": ["current", "previous"], ...}.
const LocalWebhookSecretsFile = "events/webhook-secrets.local.json"

// SecretsPrefixParam is the template parameter naming the SSM path under
// which secrets live.
const SecretsPrefixParam = "SecretsPrefix"

// EcwidTokenParameter is the parameter, under the secrets prefix, holding
// the Ecwid API token; LocalEcwidToken is its value on the local stack.
const (
	EcwidTokenParameter = "ecwid/api-token"
	LocalEcwidToken     = "ecwid_local_api_token"
)

// LocalEcwidStoreID is the Ecwid store of the local stack: the store of the
// sample Ecwid orders the local stand-in of Ecwid's API serves, passed as
// the template's EcwidStoreId.
const LocalEcwidStoreID = "7301234"

// ReadWebhookSecretsFile reads a secrets file in the format of
// LocalWebhookSecretsFile.
func ReadWebhookSecretsFile(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read webhook secrets: %w", err)
	}
	var secrets map[string][]string
	if err := json.Unmarshal(b, &secrets); err != nil {
		return nil, fmt.Errorf("decode webhook secrets %s: %w", path, err)
	}
	return secrets, nil
}

// SeedWebhookSecrets makes moto's SSM hold exactly the given secrets, the
// way the intake reads them in AWS: one SecureString parameter per secret
// under <prefix>/webhooks/<source>/ (named local-1, local-2... in the
// file's order). Parameters of those folders that the map does not list are
// deleted, so a secret removed from the file stops verifying. It is
// idempotent and safe to run on every `devstack up`.
func SeedWebhookSecrets(ctx context.Context, api *ssm.Client, prefix string, secrets map[string][]string) error {
	prefix = strings.TrimRight(prefix, "/")
	for source, list := range secrets {
		folder := prefix + "/webhooks/" + source
		var keep []string
		for i, v := range list {
			if v == "" {
				continue
			}
			name := folder + "/local-" + strconv.Itoa(i+1)
			keep = append(keep, name)
			if err := PutSecureParameter(ctx, api, name, v); err != nil {
				return err
			}
		}
		p := ssm.NewGetParametersByPathPaginator(api, &ssm.GetParametersByPathInput{Path: aws.String(folder)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list parameters under %s: %w", folder, err)
			}
			for _, prm := range out.Parameters {
				name := aws.ToString(prm.Name)
				if slices.Contains(keep, name) {
					continue
				}
				if _, err := api.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil {
					return fmt.Errorf("delete parameter %s: %w", name, err)
				}
			}
		}
	}
	return nil
}

// PutSecureParameter creates or overwrites a SecureString parameter.
func PutSecureParameter(ctx context.Context, api *ssm.Client, name, value string) error {
	_, err := api.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("put parameter %s: %w", name, err)
	}
	return nil
}

// SeedLocalSecrets seeds moto's SSM for the local stack: the webhook
// secrets of the file at secretsPath and the local Ecwid API token, under
// prefix (the template's SecretsPrefix, "/ordersmith" by default).
func SeedLocalSecrets(ctx context.Context, cfg aws.Config, prefix, secretsPath string) error {
	secrets, err := ReadWebhookSecretsFile(secretsPath)
	if err != nil {
		return err
	}
	api := ssm.NewFromConfig(cfg)
	if err := SeedWebhookSecrets(ctx, api, prefix, secrets); err != nil {
		return fmt.Errorf("seed webhook secrets: %w", err)
	}
	return PutSecureParameter(ctx, api, strings.TrimRight(prefix, "/")+"/"+EcwidTokenParameter, LocalEcwidToken)
}
