package ssmsecrets_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/ordersmith/ordersmith/internal/intake/ssmsecrets"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

// clock is a test clock the cache ages by.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// newPrefix returns an SSM path of the test's own in moto, emptied at the
// end.
func newPrefix(t *testing.T) (*ssm.Client, string) {
	t.Helper()
	api := ssm.NewFromConfig(localawstest.Config(t))
	prefix := "/" + localawstest.UniqueName(t, 60)
	t.Cleanup(func() {
		ctx := context.Background()
		p := ssm.NewGetParametersByPathPaginator(api, &ssm.GetParametersByPathInput{Path: aws.String(prefix), Recursive: aws.Bool(true)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Logf("clean up %s: %v", prefix, err)
				return
			}
			for _, prm := range out.Parameters {
				_, _ = api.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: prm.Name})
			}
		}
	})
	return api, prefix
}

// reader is the client the store reads with, as the intake builds it.
func reader(t *testing.T) ssmsecrets.API {
	return ssmsecrets.NewClient(localawstest.Config(t))
}

func sorted(values [][]byte) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, string(v))
	}
	sort.Strings(out)
	return out
}

func TestActiveSecretsAndRotation(t *testing.T) {
	ctx := context.Background()
	api, prefix := newPrefix(t)
	put := func(name, value string) {
		t.Helper()
		if err := localaws.PutSecureParameter(ctx, api, prefix+"/webhooks/shopify/"+name, value); err != nil {
			t.Fatal(err)
		}
	}
	put("current", "shpss_current")
	put("previous", "shpss_previous")
	// Another source's folder, and a deeper one, are not shopify's.
	if err := localaws.PutSecureParameter(ctx, api, prefix+"/webhooks/woocommerce/current", "wc_current"); err != nil {
		t.Fatal(err)
	}
	if err := localaws.PutSecureParameter(ctx, api, prefix+"/webhooks/shopify/old/retired", "shpss_retired"); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)}
	s := ssmsecrets.New(reader(t), prefix, ssmsecrets.WithMaxAge(time.Minute), ssmsecrets.WithClock(c.Now))

	steps := []struct {
		name    string
		change  func()
		advance time.Duration
		want    []string
	}{
		{"both active secrets, decrypted", nil, 0, []string{"shpss_current", "shpss_previous"}},
		{"a new secret is not seen within the cache's age", func() { put("next", "shpss_next") }, 30 * time.Second,
			[]string{"shpss_current", "shpss_previous"}},
		{"and is seen after it", nil, 31 * time.Second, []string{"shpss_current", "shpss_next", "shpss_previous"}},
		{"a deleted one stops verifying", func() {
			if _, err := api.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(prefix + "/webhooks/shopify/previous")}); err != nil {
				t.Fatal(err)
			}
		}, time.Minute, []string{"shpss_current", "shpss_next"}},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		c.now = c.now.Add(st.advance)
		got, err := s.Active(ctx, "shopify")
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !slices.Equal(sorted(got), st.want) {
			t.Errorf("%s: %v, want %v", st.name, sorted(got), st.want)
		}
	}
	if got, err := s.Active(ctx, "ecwid"); err != nil || len(got) != 0 {
		t.Errorf("a source without secrets: %v, %v; want none", got, err)
	}
	if _, err := s.Active(ctx, "../shopify"); err == nil {
		t.Error("a source name that is a path was read")
	}
}

func TestActivePagesThroughManySecrets(t *testing.T) {
	ctx := context.Background()
	api, prefix := newPrefix(t)
	var want []string
	for i := range 13 { // GetParametersByPath answers 10 at most per page
		v := fmt.Sprintf("secret-%02d", i)
		want = append(want, v)
		if err := localaws.PutSecureParameter(ctx, api, fmt.Sprintf("%s/webhooks/generic/k%02d", prefix, i), v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ssmsecrets.New(reader(t), prefix).Active(ctx, "generic")
	if err != nil || !slices.Equal(sorted(got), want) {
		t.Errorf("Active = %v, %v; want all 13", sorted(got), err)
	}
}

func TestParameter(t *testing.T) {
	ctx := context.Background()
	api, prefix := newPrefix(t)
	c := &clock{now: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)}
	s := ssmsecrets.New(reader(t), prefix, ssmsecrets.WithClock(c.Now))
	if _, err := s.Parameter(ctx, "ecwid/api-token"); !errors.Is(err, ssmsecrets.ErrNotFound) {
		t.Fatalf("missing parameter: %v, want ErrNotFound", err)
	}
	if err := localaws.PutSecureParameter(ctx, api, prefix+"/ecwid/api-token", "tok-1"); err != nil {
		t.Fatal(err)
	}
	c.now = c.now.Add(ssmsecrets.DefaultMaxAge)
	if v, err := s.Parameter(ctx, "ecwid/api-token"); err != nil || v != "tok-1" {
		t.Errorf("Parameter = %q, %v", v, err)
	}
}

// TestSeedLocalSecrets seeds a prefix as `make dev` does and reads it back
// as the intake does; seeding again with a secret removed deletes it.
func TestSeedLocalSecrets(t *testing.T) {
	ctx := context.Background()
	api, prefix := newPrefix(t)
	secrets, err := localaws.ReadWebhookSecretsFile("../../../" + localaws.LocalWebhookSecretsFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := localaws.SeedWebhookSecrets(ctx, api, prefix, secrets); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s := ssmsecrets.New(reader(t), prefix, ssmsecrets.WithMaxAge(0))
	for source, want := range secrets {
		got, err := s.Active(ctx, source)
		w := slices.Clone(want)
		sort.Strings(w)
		if err != nil || !slices.Equal(sorted(got), w) {
			t.Errorf("%s: %v, %v; want %v", source, sorted(got), err, w)
		}
	}
	secrets["shopify"] = secrets["shopify"][:1]
	if err := localaws.SeedWebhookSecrets(ctx, api, prefix, secrets); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	if got, _ := s.Active(ctx, "shopify"); len(got) != 1 || string(got[0]) != secrets["shopify"][0] {
		t.Errorf("after removing the previous secret: %v", sorted(got))
	}
}
