package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// healthTimeout bounds one health probe, so that a hung emulator is reported
// instead of hanging devstack.
const healthTimeout = 5 * time.Second

func (s *stack) services() []service {
	lib := s.path("dynamodb-local", "lib")
	ddbURL := fmt.Sprintf("http://127.0.0.1:%d", s.ddbPort)
	motoURL := fmt.Sprintf("http://127.0.0.1:%d", s.motoPort)
	probeCfg := aws.Config{
		Region:           localaws.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1, // the caller polls; retries would only slow it
	}
	ddb := dynamodb.NewFromConfig(probeCfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(ddbURL)
		o.DisableValidateResponseChecksum = true // DynamoDB Local's error responses carry a wrong CRC32
	})
	q := sqs.NewFromConfig(probeCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(motoURL) })
	return []service{
		{
			name:   "dynamodb",
			port:   s.ddbPort,
			marker: "software.amazon.dynamodb.services.local.main.ServerRunner",
			// -Xmx: the JVM would otherwise size its heap from the machine's
			// memory; the tables live in SQLite, outside the heap. -dbPath
			// rather than -inMemory: see dynamodb.go.
			argv: []string{"java", "-Xmx1g", "-Djava.library.path=" + lib, "-cp", filepath.Join(lib, "*"),
				"software.amazon.dynamodb.services.local.main.ServerRunner", "-dbPath", s.ddbDataDir(), "-sharedDb",
				"-disableTelemetry", "-port", strconv.Itoa(s.ddbPort)},
			fresh: s.ddbFresh,
			ready: s.ddbIndex,
			drop:  s.ddbDrop,
			healthy: func(ctx context.Context) error {
				ctx, cancel := context.WithTimeout(ctx, healthTimeout)
				defer cancel()
				_, err := ddb.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
				return err
			},
		},
		{
			name:   "moto",
			port:   s.motoPort,
			marker: "moto_server",
			argv:   []string{s.path("venv-moto", "bin", "moto_server"), "-H", "127.0.0.1", "-p", strconv.Itoa(s.motoPort)},
			healthy: func(ctx context.Context) error {
				ctx, cancel := context.WithTimeout(ctx, healthTimeout)
				defer cancel()
				_, err := q.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)})
				return err
			},
		},
	}
}

// up installs what is missing, starts the emulators that do not answer yet,
// and provisions the template. Running it again on a healthy stack only
// re-provisions, which DynamoDB Local's in-memory mode needs after any
// restart anyway.
func (s *stack) up(ctx context.Context) error {
	start := time.Now()
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if !s.installed() {
		if err := s.install(ctx); err != nil {
			return err
		}
	}
	for _, sv := range s.services() {
		pid, err := s.ownedPID(sv)
		if err != nil {
			return fmt.Errorf("%s: %w", sv.name, err)
		}
		if sv.healthy(ctx) == nil {
			if pid != 0 {
				fmt.Printf("%-9s already up (pid %d)\n", sv.name, pid)
			} else {
				// Another checkout (or a person) runs it: share it rather
				// than fail on the busy port.
				fmt.Printf("%-9s already answering on port %d (not started by this checkout), using it\n", sv.name, sv.port)
			}
			if err := s.readyHook(ctx, sv, pid); err != nil {
				return err
			}
			continue
		}
		if pid != 0 {
			return fmt.Errorf("%s runs as pid %d but does not answer on port %d: run `devstack down` then `devstack up`; end of %s:\n%s",
				sv.name, pid, sv.port, s.logFile(sv), s.logTail(sv))
		}
		if err := s.start(ctx, sv); err != nil {
			return err
		}
		pid, err = s.ownedPID(sv)
		if err != nil {
			return fmt.Errorf("%s: %w", sv.name, err)
		}
		if err := s.readyHook(ctx, sv, pid); err != nil {
			return err
		}
	}
	if err := s.provision(ctx); err != nil {
		return err
	}
	fmt.Printf("stack up in %s; for a shell: eval \"$(go run ./cmd/devstack env)\"\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// readyHook runs sv's ready hook on an emulator this checkout started
// (pid != 0); one run by someone else is used as it is.
func (s *stack) readyHook(ctx context.Context, sv service, pid int) error {
	if sv.ready == nil || pid == 0 {
		return nil
	}
	if err := sv.ready(ctx); err != nil {
		return fmt.Errorf("%s: %w", sv.name, err)
	}
	return nil
}

// down stops the emulators this checkout started, and nothing else.
func (s *stack) down(ctx context.Context) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	for _, sv := range s.services() {
		if err := s.stop(sv); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// status prints, for each emulator, whether this checkout started it and
// whether it answers. It fails when one does not answer.
func (s *stack) status(ctx context.Context) error {
	var down []string
	for _, sv := range s.services() {
		pid, err := s.ownedPID(sv)
		if err != nil {
			return err
		}
		owner := "not started by this checkout"
		if pid != 0 {
			owner = fmt.Sprintf("pid %d, log %s", pid, s.logFile(sv))
		}
		state := "answering"
		if err := sv.healthy(ctx); err != nil {
			state = "NOT answering"
			down = append(down, sv.name)
		}
		fmt.Printf("%-9s port %d %s (%s)\n", sv.name, sv.port, state, owner)
		if sv.name == "dynamodb" && pid != 0 && state == "answering" {
			ok, err := s.ddbIndexed(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("dynamodb: the stream-record index is missing (run `devstack up`)")
			}
			fmt.Printf("%-9s stream-record index in place (%s)\n", "", filepath.Join(s.ddbDataDir(), ddbFile))
		}
	}
	if len(down) > 0 {
		return fmt.Errorf("not answering: %s (start with `make stack-up`)", strings.Join(down, ", "))
	}
	return nil
}

// provision creates the template's resources in the emulators, with the
// local stack's parameters.
func (s *stack) provision(ctx context.Context) error {
	t, err := samtemplate.ParseFile(filepath.Join(s.root, "template.yaml"))
	if err != nil {
		return err
	}
	// devstack's emulators listen on the fixed local ports: point the SDK
	// there whatever the calling shell says.
	for _, v := range localaws.DefaultEnv {
		if err := os.Setenv(v.Name, v.Value); err != nil {
			return fmt.Errorf("set %s: %w", v.Name, err)
		}
	}
	cfg, err := localaws.Config(ctx)
	if err != nil {
		return err
	}
	c := &samtemplate.Context{
		Params:    map[string]string{"Stage": localaws.Stage},
		Region:    localaws.Region,
		AccountID: localaws.AccountID,
		StackName: localaws.StackName,
	}
	start := time.Now()
	res, err := localaws.Provision(ctx, cfg, t, c)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.Refs))
	for id := range res.Refs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Printf("provisioned template.yaml (Stage=%s) in %s:\n", localaws.Stage, time.Since(start).Round(time.Millisecond))
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	for _, id := range ids {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", id, res.Types[id], res.Refs[id])
	}
	if res.MailFrom != "" {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", localaws.MailFromParam, "SES e-mail identity", res.MailFrom)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(res.Skipped) > 0 {
		fmt.Println("not applied locally:")
		for _, sk := range res.Skipped {
			fmt.Println("  " + sk)
		}
	}
	return nil
}
