package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
)

// Stage is the template stage the end-to-end suite provisions and serves.
const Stage = "test"

// System is the running local system under test.
type System struct {
	// BaseURL is the local HTTP API, e.g. http://127.0.0.1:39123.
	BaseURL string
	// AWS is the configuration of the local emulators.
	AWS aws.Config
	// Resources are the provisioned resources of stage "test": Refs maps a
	// logical id to a table name, queue URL or bucket name.
	Resources *localaws.Resources
	// Ecwid is the local stand-in of Ecwid's REST API the intake fetches
	// orders from (Ecwid webhooks name an order, they do not carry it). It
	// serves internal/webhook/testdata/ecwid/orders; tests may Add more.
	Ecwid *ecwidstub.Server
	// DynamoDB and SQS are clients for reading the emulators back.
	DynamoDB *dynamodb.Client
	SQS      *sqs.Client

	root    string
	bin     string
	logPath string
}

// sys is started once by TestMain for the whole package.
var sys *System

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	s, stop, err := start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot start the local system: %v\n", err)
		return 1
	}
	sys = s
	code := m.Run()
	stop()
	if code != 0 {
		s.dumpLog(os.Stderr, 150)
	}
	return code
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// start provisions stage "test", builds cmd/samlocal and runs `samlocal up`
// on a free loopback port until it answers. It fails, never skips, when the
// emulators are down: the README's test command starts them first.
func start() (*System, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := localaws.Config(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("local AWS config: %w", err)
	}
	tpl, err := samtemplate.ParseFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, nil, err
	}
	base := &samtemplate.Context{Params: map[string]string{"Stage": Stage}, Region: localaws.Region, AccountID: localaws.AccountID, StackName: localaws.StackName}
	res, err := localaws.Provision(ctx, cfg, tpl, base)
	if err != nil {
		return nil, nil, fmt.Errorf("provision stage %s (is the stack up? `make stack-up`): %w", Stage, err)
	}
	dir, err := os.MkdirTemp("", "e2e-samlocal-")
	if err != nil {
		return nil, nil, err
	}
	bin := filepath.Join(dir, "samlocal")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/samlocal")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("build samlocal: %v\n%s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	ecwid := ecwidstub.New(localaws.LocalEcwidToken)
	if err := ecwid.LoadDir(filepath.Join(root, "internal", "webhook", "testdata", "ecwid", "orders")); err != nil {
		return nil, nil, fmt.Errorf("load the Ecwid stand-in: %w", err)
	}
	ecwidLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	ecwidSrv := &http.Server{Handler: ecwid, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ecwidSrv.Serve(ecwidLn) }()
	s := &System{
		Ecwid:     ecwid,
		BaseURL:   "http://" + addr,
		AWS:       cfg,
		Resources: res,
		DynamoDB:  localaws.NewClients(cfg).DynamoDB,
		SQS:       localaws.NewClients(cfg).SQS,
		root:      root,
		bin:       bin,
		logPath:   filepath.Join(dir, "samlocal.log"),
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, nil, err
	}
	args := []string{"up", "--addr", addr, "--param", "Stage=" + Stage}
	if _, ok := tpl.Parameters["EcwidApiBaseUrl"]; ok {
		args = append(args, "--param", "EcwidApiBaseUrl=http://"+ecwidLn.Addr().String())
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start samlocal: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		_ = logf.Close()
		_ = ecwidSrv.Close()
	}
	// samlocal builds every function before it listens: allow for a cold
	// Go build cache on a fresh machine.
	deadline := time.Now().Add(8 * time.Minute)
	for {
		select {
		case err := <-exited:
			s.dumpLog(os.Stderr, 80)
			return nil, nil, fmt.Errorf("samlocal exited before answering: %v", err)
		default:
		}
		resp, err := http.Get(s.BaseURL + "/_local/schedules")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			s.dumpLog(os.Stderr, 80)
			return nil, nil, errors.New("samlocal did not answer within 8 minutes")
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (s *System) dumpLog(w io.Writer, lines int) {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	fmt.Fprintf(w, "--- last %d lines of samlocal's log (%s) ---\n%s\n", len(all), s.logPath, strings.Join(all, "\n"))
}

// Ref returns the physical name (table name, queue URL, bucket name) of a
// logical id of the template in stage "test".
func (s *System) Ref(t testing.TB, logicalID string) string {
	t.Helper()
	v, ok := s.Resources.Refs[logicalID]
	if !ok {
		t.Fatalf("no provisioned resource %s in stage %s", logicalID, Stage)
	}
	return v
}

// Token mints a dev token the local JWT authorizer accepts, for subject sub
// with the given scopes (none: a valid token without scopes).
func (s *System) Token(t testing.TB, sub string, scopes ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, "token", "--sub", sub, "--scope", strings.Join(scopes, " "))
	cmd.Dir = s.root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("samlocal token: %v", err)
	}
	return strings.TrimSpace(lastLine(string(out)))
}

func lastLine(s string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	return last
}

// Response is what the API answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %d %s: %v", r.Status, r.Body, err)
	}
}

// ErrorCode returns the machine-readable code of an error body, or "".
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request to the local API. token may be empty; headers are
// added as given.
func (s *System) Do(t testing.TB, method, path, token string, body []byte, headers map[string]string) *Response {
	t.Helper()
	req, err := http.NewRequest(method, s.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Invoke runs a function of the template once with an event through the
// local Invoke API (what `sam local start-lambda` offers) and returns its
// raw result and whether the function reported an error.
func (s *System) Invoke(t testing.TB, functionLogicalID string, event []byte) (result []byte, functionError bool) {
	t.Helper()
	resp, err := http.Post(s.BaseURL+"/2015-03-31/functions/"+functionLogicalID+"/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke %s: %v", functionLogicalID, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke %s: HTTP %d %s", functionLogicalID, resp.StatusCode, b)
	}
	return b, resp.Header.Get("X-Amz-Function-Error") != ""
}

// RunSchedule fires a scheduled event of the template now
// ("<FunctionLogicalId>" or "<FunctionLogicalId>.<EventName>").
func (s *System) RunSchedule(t testing.TB, id string) {
	t.Helper()
	resp, err := http.Post(s.BaseURL+"/_local/schedules/"+id+"/run", "application/json", nil)
	if err != nil {
		t.Fatalf("run schedule %s: %v", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("run schedule %s: HTTP %d %s", id, resp.StatusCode, b)
	}
}

// WaitForEmails waits until n e-mails were sent to addr (read back from the
// mail sink) and returns them; it fails the test after timeout.
func (s *System) WaitForEmails(t testing.TB, addr string, n int, timeout time.Duration) []localawstest.Email {
	t.Helper()
	return localawstest.WaitForEmails(t, addr, n, timeout)
}

// EmailsTo returns the e-mails sent to addr so far.
func (s *System) EmailsTo(t testing.TB, addr string) []localawstest.Email {
	t.Helper()
	ms, err := localawstest.SentEmailsTo(context.Background(), addr)
	if err != nil {
		t.Fatalf("read the mail sink: %v", err)
	}
	return ms
}

// drainBudget is the least time WaitMailSettled gives the
// NotificationsQueue to drain: more than its 60 s visibility timeout, after
// which a copy refused while another delivery held the same event comes
// back and is handled.
const drainBudget = 90 * time.Second

// WaitMailSettled waits until every e-mail the order's events of type typ
// cause was sent, and returns that event: the outbox holds exactly one such
// event (a second one would be a second e-mail; a storefront order's
// events are written when it is numbered, hence the wait for the first),
// the notifier completed it (its idempotency record is COMPLETED once its
// e-mail is in the mail sink), and the NotificationsQueue is drained, with
// no copy of any event left visible or in flight. The e-mails counted after
// it are final; no sleep is needed to let a wrong one arrive.
//
// The queue is the stage's: another run of this suite against the same
// emulators (another samlocal relaying the same table's stream) keeps it
// busy, and this wait then times out. Run one suite per stack.
func (s *System) WaitMailSettled(t testing.TB, orderID string, typ order.EventType, timeout time.Duration) order.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var evs []order.Event
	Eventually(t, timeout, fmt.Sprintf("a %s event of order %s in the outbox", typ, orderID), func() bool {
		evs = s.Outbox(t, orderID, typ)
		return len(evs) > 0
	})
	if len(evs) != 1 {
		t.Fatalf("order %s has %d %s events in the outbox, want 1: %+v", orderID, len(evs), typ, evs)
	}
	idem := dynamo.New(s.DynamoDB, s.Ref(t, "OrdersTable")).Idempotency()
	localawstest.WaitCompleted(t, idem, notify.IdempotencyScope, evs[0].ID, max(time.Until(deadline), 10*time.Second))
	localawstest.WaitQueueDrained(t, s.SQS, s.Ref(t, "NotificationsQueue"), max(time.Until(deadline), drainBudget))
	return evs[0]
}

// Outbox reads the order's events of one type from the table's outbox
// (what the relay publishes), page by page.
func (s *System) Outbox(t testing.TB, orderID string, typ order.EventType) []order.Event {
	t.Helper()
	p := dynamodb.NewScanPaginator(s.DynamoDB, &dynamodb.ScanInput{
		TableName:                 aws.String(s.Ref(t, "OrdersTable")),
		FilterExpression:          aws.String("#type = :outbox AND orderId = :id AND eventType = :t"),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":outbox": &dbtypes.AttributeValueMemberS{Value: "outbox"}, ":id": &dbtypes.AttributeValueMemberS{Value: orderID}, ":t": &dbtypes.AttributeValueMemberS{Value: string(typ)}},
		ConsistentRead:            aws.Bool(true),
	})
	var out []order.Event
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("scan the outbox: %v", err)
		}
		for _, it := range page.Items {
			data, _ := it["data"].(*dbtypes.AttributeValueMemberS)
			if data == nil {
				t.Fatalf("outbox item without data: %v", it)
			}
			var e order.Event
			if err := json.Unmarshal([]byte(data.Value), &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

// Eventually polls cond every 100 ms until it returns true or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
