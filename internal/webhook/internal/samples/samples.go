package samples

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Paths inside the repository.
const (
	ManifestPath = "internal/webhook/testdata/samples.json"
	TestdataDir  = "internal/webhook/testdata"
	SecretsPath  = "events/webhook-secrets.local.json"
	EventsDir    = "events/intake"
)

// EventGlob matches the event files this package owns in EventsDir.
const EventGlob = "*-webhook-*.json"

// Manifest lists the sample deliveries.
type Manifest struct {
	// SignedAt is when every sample is signed (the generic format's t).
	SignedAt   time.Time  `json:"signedAt"`
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery is one sample webhook delivery.
type Delivery struct {
	Event    string            `json:"event"`  // the event file name, without .json
	Source   string            `json:"source"` // the {source} path parameter
	Body     string            `json:"body"`   // payload path under TestdataDir
	Unsigned bool              `json:"unsigned,omitempty"`
	Headers  map[string]string `json:"headers"`
}

// Load reads the manifest from the repository at root.
func Load(root string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(root, ManifestPath))
	if err != nil {
		return m, fmt.Errorf("read sample manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode sample manifest: %w", err)
	}
	return m, nil
}

// Build returns every event file's name (relative to EventsDir) and content.
func Build(root string) (map[string][]byte, error) {
	m, err := Load(root)
	if err != nil {
		return nil, err
	}
	sb, err := os.ReadFile(filepath.Join(root, SecretsPath))
	if err != nil {
		return nil, fmt.Errorf("read local webhook secrets: %w", err)
	}
	var secrets map[string][]string
	if err := json.Unmarshal(sb, &secrets); err != nil {
		return nil, fmt.Errorf("decode local webhook secrets: %w", err)
	}
	out := make(map[string][]byte, len(m.Deliveries))
	for _, d := range m.Deliveries {
		body, err := os.ReadFile(filepath.Join(root, TestdataDir, d.Body))
		if err != nil {
			return nil, fmt.Errorf("read sample %s: %w", d.Event, err)
		}
		headers := map[string]string{}
		for k, v := range d.Headers {
			headers[strings.ToLower(k)] = v
		}
		if !d.Unsigned {
			list := secrets[d.Source]
			if len(list) == 0 || list[0] == "" {
				return nil, fmt.Errorf("sample %s: no local secret for %s", d.Event, d.Source)
			}
			name, value, err := sign(d.Source, []byte(list[0]), body, m.SignedAt)
			if err != nil {
				return nil, fmt.Errorf("sign sample %s: %w", d.Event, err)
			}
			headers[name] = value
		}
		ev, err := event(d, headers, body, m.SignedAt)
		if err != nil {
			return nil, fmt.Errorf("build sample %s: %w", d.Event, err)
		}
		out[d.Event+".json"] = ev
	}
	return out, nil
}

// sign computes the source's signature header, as the storefront would.
func sign(source string, secret, body []byte, at time.Time) (string, string, error) {
	mac := func(msg []byte) []byte {
		h := hmac.New(sha256.New, secret)
		h.Write(msg)
		return h.Sum(nil)
	}
	switch source {
	case "shopify":
		return "x-shopify-hmac-sha256", base64.StdEncoding.EncodeToString(mac(body)), nil
	case "woocommerce":
		return "x-wc-webhook-signature", base64.StdEncoding.EncodeToString(mac(body)), nil
	case "ecwid":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var ev struct {
			EventID      string      `json:"eventId"`
			EventCreated json.Number `json:"eventCreated"`
		}
		if err := dec.Decode(&ev); err != nil {
			return "", "", fmt.Errorf("decode Ecwid event: %w", err)
		}
		return "x-ecwid-webhook-signature", base64.StdEncoding.EncodeToString(mac([]byte(ev.EventCreated.String() + "." + ev.EventID))), nil
	case "generic":
		t := strconv.FormatInt(at.Unix(), 10)
		return "x-signature", "t=" + t + ",v1=" + hex.EncodeToString(mac([]byte(t+"."+string(body)))), nil
	}
	return "", "", fmt.Errorf("unknown source %q", source)
}

// apiEvent is an API Gateway HTTP API (payload format 2.0) request event,
// with the fields in the order AWS shows them.
type apiEvent struct {
	Version         string            `json:"version"`
	RouteKey        string            `json:"routeKey"`
	RawPath         string            `json:"rawPath"`
	RawQueryString  string            `json:"rawQueryString"`
	Headers         map[string]string `json:"headers"`
	RequestContext  requestContext    `json:"requestContext"`
	PathParameters  map[string]string `json:"pathParameters"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         httpContext `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

const (
	apiID    = "o7rd3smith"
	stage    = "dev"
	routeKey = "POST /webhooks/{source}"
)

func event(d Delivery, headers map[string]string, body []byte, at time.Time) ([]byte, error) {
	domain := apiID + ".execute-api.eu-west-3.amazonaws.com"
	path := "/" + stage + "/webhooks/" + d.Source
	all := map[string]string{
		"content-length":    strconv.Itoa(len(body)),
		"host":              domain,
		"x-amzn-trace-id":   "Root=1-" + fmt.Sprintf("%08x", at.Unix()) + "-" + digest(d.Event, 12),
		"x-forwarded-for":   "203.0.113.10",
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	for k, v := range headers {
		all[k] = v
	}
	ev := apiEvent{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        path,
		RawQueryString: "",
		Headers:        all,
		RequestContext: requestContext{
			AccountID:    "123456789012",
			APIID:        apiID,
			DomainName:   domain,
			DomainPrefix: apiID,
			HTTP: httpContext{Method: "POST", Path: path, Protocol: "HTTP/1.1",
				SourceIP: "203.0.113.10", UserAgent: headers["user-agent"]},
			RequestID: base64.RawURLEncoding.EncodeToString([]byte(digest(d.Event, 6)))[:16],
			RouteKey:  routeKey,
			Stage:     stage,
			Time:      at.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: at.UnixMilli(),
		},
		PathParameters:  map[string]string{"source": d.Source},
		Body:            string(body),
		IsBase64Encoded: false,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return buf.Bytes(), nil
}

// digest is a stable hex id derived from a name, n bytes long.
func digest(name string, n int) string {
	s := sha256.Sum256([]byte(name))
	return hex.EncodeToString(s[:n])
}

// Names returns the sorted event file names of a Build result.
func Names(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
