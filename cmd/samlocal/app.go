package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/httpapi"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/trigger"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// config is how a run of samlocal is set up.
type config struct {
	Root     string                      // the repository
	Template string                      // template.yaml
	CacheDir string                      // .cache/samlocal: builds and the signing key
	Params   map[string]string           // template parameters over the local defaults
	Builder  builder                     // makeBuilder when nil
	Only     []string                    // run only these functions (all when empty)
	Logs     io.Writer                   // the functions' output and REPORT lines
	Log      *slog.Logger                // samlocal's own messages
	Mutate   func(*samtemplate.Template) // changes the parsed template before anything else (tests rename resources)
}

// localParams are the parameters the local stack deploys with: stage dev,
// the local identity provider, which makes the CreateUserPool condition
// false (no Cognito locally), and the Ecwid store of the local stand-in.
func localParams() map[string]string {
	return map[string]string{"Stage": localaws.Stage, "JwtIssuer": devauth.Issuer, "JwtAudience": devauth.Audience,
		"EcwidStoreId": localaws.LocalEcwidStoreID}
}

// app is a running local stack: the provisioned template, the built
// functions in their pools, the API and the event sources.
type app struct {
	cfg       config
	tpl       *samtemplate.Template
	tctx      *samtemplate.Context
	aws       aws.Config
	model     *model
	key       *devauth.Key
	pools     *lambdart.Pools
	built     map[string]string // logical id -> bootstrap
	buildErrs map[string]error
	api       *apiSpec
	handler   *httpapi.Handler
	schedules map[string]*scheduleSpec // "<FunctionId>.<Event>"
	ecwid     http.Handler             // the Ecwid API stand-in, when served
	buildDir  string                   // this run's builds, removed by Close
}

// newApp reads the template, provisions its resources in the emulators,
// resolves every function and event, builds the functions and starts their
// (idle) pools. Functions that do not build are reported, not fatal: the
// others still run.
func newApp(ctx context.Context, cfg config) (*app, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Logs == nil {
		cfg.Logs = os.Stderr
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = filepath.Join(cfg.Root, ".cache", "samlocal")
	}
	if cfg.Template == "" {
		cfg.Template = filepath.Join(cfg.Root, "template.yaml")
	}
	var buildDir string
	if cfg.Builder == nil {
		// A folder per run: a `make dev` session, the e2e suite and the
		// sample test may build at the same time without overwriting each
		// other's running bootstraps (the Go build cache is shared anyway).
		if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", cfg.CacheDir, err)
		}
		dir, err := os.MkdirTemp(cfg.CacheDir, "build-")
		if err != nil {
			return nil, fmt.Errorf("create build folder: %w", err)
		}
		buildDir = dir
		cfg.Builder = &makeBuilder{root: cfg.Root, out: dir}
	}
	a := &app{cfg: cfg, pools: lambdart.NewPools(), schedules: map[string]*scheduleSpec{}, buildDir: buildDir}
	if err := a.load(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

// load does the work of newApp; Close undoes it on error.
func (a *app) load(ctx context.Context) error {
	cfg := a.cfg
	tpl, err := samtemplate.ParseFile(cfg.Template)
	if err != nil {
		return err
	}
	if cfg.Mutate != nil {
		cfg.Mutate(tpl)
	}
	if a.key, err = devauth.LoadOrCreate(filepath.Join(cfg.CacheDir, "jwt-key.pem")); err != nil {
		return err
	}
	params := localParams()
	maps.Copy(params, cfg.Params)
	base := &samtemplate.Context{Params: params, Region: localaws.Region, AccountID: localaws.AccountID, StackName: localaws.StackName}
	if a.aws, err = localaws.Config(ctx); err != nil {
		return fmt.Errorf("local AWS config: %w", err)
	}
	res, err := localaws.Provision(ctx, a.aws, tpl, base)
	if err != nil {
		return fmt.Errorf("%w (is the local stack up? `go run ./cmd/devstack up`)", err)
	}
	a.tpl, a.tctx = tpl, res.Context(base)
	if err := a.seedSecrets(ctx); err != nil {
		return err
	}
	if a.model, err = buildModel(tpl, a.tctx, a.key.PublicKey); err != nil {
		return fmt.Errorf("read %s: %w", cfg.Template, err)
	}
	a.model.logWarnings(cfg.Log)
	for i := range a.model.Schedules {
		s := &a.model.Schedules[i]
		a.schedules[s.FunctionID+"."+s.Event] = s
	}

	var specs []*functionSpec
	for _, id := range a.model.FunctionIDs() {
		if len(cfg.Only) == 0 || slices.Contains(cfg.Only, id) {
			specs = append(specs, a.model.Functions[id])
		}
	}
	for _, id := range cfg.Only {
		if a.model.Functions[id] == nil {
			return fmt.Errorf("no function %s in %s (have %v)", id, cfg.Template, a.model.FunctionIDs())
		}
	}
	a.built, a.buildErrs = buildAll(ctx, cfg.Builder, specs)
	env := functionEnv()
	for _, s := range specs {
		path, ok := a.built[s.ID]
		if !ok {
			cfg.Log.Error("function not built", "function", s.ID, "err", a.buildErrs[s.ID])
			continue
		}
		fn := s.Fn
		fn.Bootstrap = path
		fn.Env = maps.Clone(fn.Env)
		for k, v := range env {
			if _, set := fn.Env[k]; !set {
				fn.Env[k] = v
			}
		}
		p, err := lambdart.NewPool(fn, lambdart.Options{Logs: cfg.Logs})
		if err != nil {
			return err
		}
		a.pools.Add(p, s.ID, fn.Name)
	}
	return a.buildAPI()
}

// seedSecrets puts the local webhook secrets (and the local Ecwid token)
// into moto's SSM under the template's SecretsPrefix, as devstack does, so
// that signed sample webhooks verify. Idempotent.
func (a *app) seedSecrets(ctx context.Context) error {
	if _, ok := a.tpl.Parameters[localaws.SecretsPrefixParam]; !ok {
		return nil
	}
	file := filepath.Join(a.cfg.Root, localaws.LocalWebhookSecretsFile)
	if _, err := os.Stat(file); err != nil {
		return nil // no local secrets: the functions find none, as in a new account
	}
	prefix, err := a.tpl.ParamValue(localaws.SecretsPrefixParam, a.tctx)
	if err != nil {
		return err
	}
	if err := localaws.SeedLocalSecrets(ctx, a.aws, prefix, file); err != nil {
		return fmt.Errorf("seed local secrets: %w", err)
	}
	return nil
}

// functionEnv is what every local function gets besides its own variables:
// the endpoints and credentials of the local stack (docs/ARCHITECTURE.md).
func functionEnv() map[string]string {
	env := map[string]string{}
	for _, v := range localaws.DefaultEnv {
		if cur := os.Getenv(v.Name); cur != "" {
			env[v.Name] = cur // localaws.Config already chose these
		} else {
			env[v.Name] = v.Value
		}
	}
	return env
}

// buildAPI serves the template's HttpApi. One port serves one API; with
// several, the one with the most routes wins and the others are reported.
func (a *app) buildAPI() error {
	ids := make([]string, 0, len(a.model.APIs))
	for id := range a.model.APIs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		ri, rj := len(a.model.APIs[ids[i]].Routes), len(a.model.APIs[ids[j]].Routes)
		if ri != rj {
			return ri > rj
		}
		return ids[i] < ids[j]
	})
	if len(ids) == 0 {
		return nil
	}
	for _, other := range ids[1:] {
		a.cfg.Log.Warn("only one HttpApi is served locally", "served", ids[0], "not served", other)
	}
	api := a.model.APIs[ids[0]]
	h, err := httpapi.NewHandler(httpapi.API{Name: api.ID, ID: api.APIID, Stage: api.Stage, AccountID: a.tctx.AccountID,
		Routes: api.Routes, Log: a.cfg.Log}, a.pools)
	if err != nil {
		return err
	}
	a.api, a.handler = api, h
	return nil
}

// runSources starts the SQS pollers, the stream pollers and the schedules;
// they stop when ctx ends, and the returned wait blocks until they have.
func (a *app) runSources(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	q := sqs.NewFromConfig(a.aws)
	streams := dynamodbstreams.NewFromConfig(a.aws)
	running := func(fn string) bool {
		_, ok := a.pools.Get(fn)
		return ok
	}
	for _, src := range a.model.SQS {
		if !running(src.Function) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			src.Run(ctx, q, a.pools, a.cfg.Log)
		}()
	}
	// One file per stage: a `make dev` session (dev) and the e2e suite
	// (test) run at the same time without overwriting each other's file.
	stage := a.tctx.Params["Stage"]
	cp, err := trigger.OpenFileCheckpoints(filepath.Join(a.cfg.CacheDir, "stream-checkpoints-"+stage+".json"))
	if err != nil {
		a.cfg.Log.Warn("stream checkpoints not kept across restarts", "err", err)
	}
	for _, src := range a.model.Streams {
		if !running(src.Function) {
			continue
		}
		p := src.NewPoller(streams, q, a.pools, a.cfg.Log)
		if cp != nil {
			p.WithCheckpoints(cp)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Run(ctx)
		}()
	}
	for _, s := range a.model.Schedules {
		if !running(s.FunctionID) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx, a.pools, a.cfg.Log); err != nil {
				a.cfg.Log.Error("schedule", "function", s.FunctionID, "event", s.Event, "err", err)
			}
		}()
	}
	return wg.Wait
}

// Close stops every function instance and removes this run's builds.
func (a *app) Close() error {
	err := a.pools.Close()
	if a.buildDir != "" {
		err = errors.Join(err, os.RemoveAll(a.buildDir))
	}
	return err
}

// findSchedules returns the schedules an id names: "<FunctionId>.<Event>",
// or "<FunctionId>" for all of that function's schedules.
func (a *app) findSchedules(id string) ([]*scheduleSpec, error) {
	if s, ok := a.schedules[id]; ok {
		return []*scheduleSpec{s}, nil
	}
	var out []*scheduleSpec
	for key, s := range a.schedules {
		if s.FunctionID == id {
			out = append(out, a.schedules[key])
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no schedule " + id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out, nil
}
