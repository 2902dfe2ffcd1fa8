package localaws

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// MotoURL returns the base URL of moto: AWS_ENDPOINT_URL when set, else the
// local default.
func MotoURL() string {
	if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
		return strings.TrimRight(v, "/")
	}
	return MotoEndpoint
}

// ConfigureMoto applies the moto settings the local stack relies on, through
// moto's own API at baseURL. It is idempotent and cheap, so it runs on every
// provisioning, whoever started moto.
//
// S3 objects answer a "restore status" that moto advances on first read;
// advancing it looks the object's bucket up, which fails once the bucket has
// been deleted, and then GET /moto-api/data.json (where sent e-mails are
// read) fails with a 500 for good. Tests delete their buckets, so the
// restore status is frozen: nothing here uses Glacier restores.
func ConfigureMoto(ctx context.Context, baseURL string) error {
	body := `{"model_name": "s3::keyrestore", "transition": {"progression": "manual", "times": 1000000000}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/moto-api/state-manager/set-transition", bytes.NewBufferString(body))
	if err != nil {
		return fmt.Errorf("configure moto: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("configure moto at %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("configure moto at %s: %s: %s", baseURL, resp.Status, b)
	}
	return nil
}
