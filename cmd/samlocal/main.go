package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

const usage = `usage: samlocal <command> [flags]

commands:
  up        provision the template in the local emulators, build every function,
            serve the HTTP API, the Invoke API and the schedules on 127.0.0.1:3000,
            and poll the SQS and DynamoDB stream event sources (Ctrl-C stops all)
  invoke    samlocal invoke <FunctionLogicalId> [--event events/<folder>/<name>.json]
            run one function once with an event (stdin with --event -)
  token     samlocal token [--sub alice@shop] [--scope "orders:read orders:write"] [--ttl 12h]
            print a dev token the local JWT authorizer accepts
  build     samlocal build [FunctionLogicalId...]
            build functions as sam build does, for this machine's architecture

run "samlocal <command> -h" for a command's flags
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "up", "serve":
		err = cmdUp(ctx, args, log)
	case "invoke":
		var failed bool
		failed, err = cmdInvoke(ctx, args, log, os.Stdin, os.Stdout)
		if err == nil && failed {
			os.Exit(1)
		}
	case "token":
		err = cmdToken(args, os.Stdout)
	case "build":
		err = cmdBuild(ctx, args)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		err = fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "samlocal:", err)
		os.Exit(1)
	}
}

// params collects repeated --param Name=Value flags.
type params map[string]string

// String implements flag.Value.
func (p params) String() string { return fmt.Sprint(map[string]string(p)) }

// Set implements flag.Value: one Name=Value.
func (p params) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Name=Value, got %q", s)
	}
	p[k] = v
	return nil
}

// repoRoot walks up from the working directory to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func cmdUp(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "address of the HTTP API and the Invoke API (loopback only)")
	tmpl := fs.String("template", "", "template file (default: template.yaml at the repository root)")
	stack := fs.Bool("stack", false, "start the local emulators with `go run ./cmd/devstack up` when they do not answer, and stop them on exit")
	noSources := fs.Bool("no-sources", false, "do not poll SQS or streams and do not run schedules")
	ps := params{}
	fs.Var(ps, "param", "template parameter Name=Value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackOnly(*addr); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	startedStack := false
	if *stack && !stackAnswers() {
		if err := devstack(ctx, root, "up"); err != nil {
			return err
		}
		startedStack = true
	}
	if startedStack {
		defer func() {
			// Our own context is cancelled by now: stopping needs a fresh one.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := devstack(ctx, root, "down"); err != nil {
				log.Error("stop the local stack", "err", err)
			}
		}()
	}
	start := time.Now()
	var ecwid http.Handler
	if _, set := ps[ecwidParam]; !set {
		// No Ecwid API given: serve the local stand-in on our own port.
		if ecwid, err = ecwidStandIn(root); err != nil {
			return err
		}
		ps[ecwidParam] = "http://" + *addr + ecwidPath
	}
	a, err := newApp(ctx, config{Root: root, Template: *tmpl, Params: ps, Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	a.ecwid = ecwid
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: a.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	sourcesCtx, stopSources := context.WithCancel(ctx)
	wait := func() {}
	if !*noSources {
		wait = a.runSources(sourcesCtx)
	}
	if err := a.printBanner(os.Stdout, "http://"+ln.Addr().String(), time.Since(start)); err != nil {
		log.Error("print banner", "err", err)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "samlocal: stopping")
	case err = <-serveErr:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	stopSources()
	wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// loopbackOnly refuses to serve the emulation beyond this machine: it has no
// real authentication besides the local dev tokens.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("address %q: only loopback addresses are served", addr)
	}
	return nil
}

// stackAnswers reports whether both emulators accept connections.
func stackAnswers() bool {
	for _, addr := range []string{"127.0.0.1:8000", "127.0.0.1:4566"} {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		_ = c.Close()
	}
	return true
}

// devstack runs `go run ./cmd/devstack <verb>` in the repository.
func devstack(ctx context.Context, root, verb string) error {
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/devstack", verb)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// Its own process group: a Ctrl-C meant for samlocal must not kill the
	// emulators half-way through their start.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("devstack %s: %w", verb, err)
	}
	return nil
}

// printBanner says where everything is and hands out a dev token.
func (a *app) printBanner(w io.Writer, base string, took time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nsamlocal ready in %s\n", took.Round(100*time.Millisecond))
	if a.api != nil {
		fmt.Fprintf(&b, "\nHTTP API %s (stage %s): %s\n", a.api.ID, a.api.Stage, base)
		routes := a.handler.Routes()
		sort.Slice(routes, func(i, j int) bool { return routes[i].Key() < routes[j].Key() })
		tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
		for _, r := range routes {
			auth := "open"
			if r.Authorizer != nil {
				auth = r.Authorizer.Name
				if len(r.Scopes) > 0 {
					auth += " " + strings.Join(r.Scopes, ",")
				}
			}
			state := ""
			if _, ok := a.pools.Get(r.Function); !ok {
				state = "  (not built)"
			}
			fmt.Fprintf(tw, "  %s\t-> %s\t[%s]%s\n", r.Key(), r.Function, auth, state)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "\nInvoke API: %s/2015-03-31/functions/<FunctionLogicalId>/invocations\n", base)
	for _, id := range a.model.FunctionIDs() {
		state := "ready"
		if err := a.buildErrs[id]; err != nil {
			state = "NOT BUILT: " + firstLine(err.Error())
		}
		fmt.Fprintf(&b, "  %-24s %s\n", id, state)
	}
	for _, s := range a.model.SQS {
		fmt.Fprintf(&b, "SQS      %s <- %s (batch %d)\n", s.Function, s.QueueURL, s.BatchSize)
	}
	for _, s := range a.model.Streams {
		fmt.Fprintf(&b, "stream   %s <- %s (%s)\n", s.Function, s.StreamARN, s.StartingPosition)
	}
	for _, s := range a.model.Schedules {
		fmt.Fprintf(&b, "schedule %s.%s %s: POST %s/_local/schedules/%s.%s/run\n", s.FunctionID, s.Event, s.Expression, base, s.FunctionID, s.Event)
	}
	scopes := a.model.Scopes()
	tok, err := a.key.Mint(devauth.TokenRequest{Subject: "dev@localhost", Scopes: scopes, TTL: 12 * time.Hour})
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\ndev token (sub dev@localhost, scopes %q, 12h; others: samlocal token -h):\nexport TOKEN=%s\n", strings.Join(scopes, " "), tok)
	fmt.Fprintf(&b, "try: curl -H \"Authorization: Bearer $TOKEN\" %s/orders\n", base)
	_, err = io.WriteString(w, b.String())
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func cmdInvoke(ctx context.Context, args []string, log *slog.Logger, stdin io.Reader, stdout io.Writer) (bool, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return false, errors.New("usage: samlocal invoke <FunctionLogicalId> [--event file|-] [--param Name=Value]")
	}
	id, rest := args[0], args[1:]
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	eventPath := fs.String("event", "", "event file (JSON); - reads stdin; {} when absent")
	tmpl := fs.String("template", "", "template file (default: template.yaml at the repository root)")
	ps := params{}
	fs.Var(ps, "param", "template parameter Name=Value (repeatable)")
	if err := fs.Parse(rest); err != nil {
		return false, err
	}
	event := []byte("{}")
	switch *eventPath {
	case "":
	case "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return false, fmt.Errorf("read event from stdin: %w", err)
		}
		event = b
	default:
		b, err := os.ReadFile(*eventPath)
		if err != nil {
			return false, fmt.Errorf("read event: %w", err)
		}
		event = b
	}
	root, err := repoRoot()
	if err != nil {
		return false, err
	}
	a, err := newApp(ctx, config{Root: root, Template: *tmpl, Params: ps, Only: []string{id}, Log: log})
	if err != nil {
		return false, err
	}
	defer a.Close()
	if err := a.buildErrs[id]; err != nil {
		return false, err
	}
	answer, failed, err := a.pools.Invoke(ctx, id, event)
	if err != nil {
		return false, err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", answer)
	return failed, err
}

func cmdToken(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "dev@localhost", "subject (sub claim)")
	scope := fs.String("scope", "", `space-separated scopes, e.g. "orders:read orders:write"`)
	ttl := fs.Duration("ttl", 12*time.Hour, "lifetime")
	aud := fs.String("aud", devauth.Audience, "audience (aud claim)")
	iss := fs.String("iss", devauth.Issuer, "issuer (iss claim)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	key, err := devauth.LoadOrCreate(filepath.Join(root, ".cache", "samlocal", "jwt-key.pem"))
	if err != nil {
		return err
	}
	tok, err := key.Mint(devauth.TokenRequest{Subject: *sub, Scopes: strings.Fields(*scope), TTL: *ttl, Audience: *aud, Issuer: *iss})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

func cmdBuild(ctx context.Context, args []string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tpl, err := samtemplate.ParseFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return err
	}
	funcs := tpl.Functions()
	ids := args
	if len(ids) == 0 {
		for id := range funcs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	var specs []*functionSpec
	for _, id := range ids {
		if _, ok := funcs[id]; !ok {
			return fmt.Errorf("no function %s in template.yaml", id)
		}
		specs = append(specs, &functionSpec{ID: id, Folder: functionFolder(id)})
	}
	b := &makeBuilder{root: root, out: filepath.Join(root, ".cache", "samlocal", "build")}
	built, failed := buildAll(ctx, b, specs)
	for _, s := range specs {
		if p, ok := built[s.ID]; ok {
			fmt.Printf("%-24s %s\n", s.ID, p)
		}
	}
	var errs []error
	for _, s := range specs {
		if err := failed[s.ID]; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
