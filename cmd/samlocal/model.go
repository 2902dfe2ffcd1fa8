package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/httpapi"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/trigger"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// implicitAPI is the logical id SAM gives the HttpApi it creates for
// HttpApi events that name no ApiId.
const implicitAPI = "ServerlessHttpApi"

// functionSpec is one function of the template, resolved for the local stack.
type functionSpec struct {
	ID     string            // logical id, e.g. IntakeFunction
	Folder string            // functions/<Folder>, e.g. intake
	Fn     lambdart.Function // everything but Bootstrap, which the build sets
}

// scheduleSpec is one Schedule or ScheduleV2 event.
type scheduleSpec struct {
	FunctionID string
	Event      string
	trigger.Schedule
}

// model is what the template means locally: functions, routes, pollers and
// schedules, all resolved.
type model struct {
	Functions map[string]*functionSpec
	APIs      map[string]*apiSpec
	SQS       []trigger.SQSSource
	Streams   []trigger.StreamSource
	Schedules []scheduleSpec
	Warnings  []string
}

// apiSpec is one HttpApi with its routes.
type apiSpec struct {
	ID          string // logical id
	APIID       string // requestContext.apiId
	Stage       string
	Authorizers map[string]*httpapi.JWTAuthorizer
	Default     string // Auth.DefaultAuthorizer
	Routes      []httpapi.Route
}

// Scopes returns every authorization scope the routes name, sorted: what a
// dev token needs to reach all of them.
func (m *model) Scopes() []string {
	seen := map[string]bool{}
	for _, a := range m.APIs {
		for _, r := range a.Routes {
			for _, s := range r.Scopes {
				seen[s] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// FunctionIDs returns the logical ids, sorted.
func (m *model) FunctionIDs() []string {
	out := make([]string, 0, len(m.Functions))
	for id := range m.Functions {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// apiID derives a stable 10-character id, shaped like API Gateway's, from a
// logical id.
func apiID(logicalID string) string {
	sum := sha256.Sum256([]byte(logicalID))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

// functionFolder is the Makefile's rule: IntakeFunction -> intake.
func functionFolder(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(logicalID, "Function"))
}

// localRefs adds what Ref and Fn::GetAtt return for the resources the
// emulators do not hold but function properties refer to: log groups,
// functions and HTTP APIs. Provisioned values are never replaced.
func localRefs(t *samtemplate.Template, c *samtemplate.Context) {
	for _, id := range t.ResourceIDs("") {
		if _, ok := c.Refs[id]; ok {
			continue
		}
		r := t.Resources[id]
		if r.Condition != "" {
			if on, err := t.ConditionTrue(r.Condition, c); err != nil || !on {
				continue
			}
		}
		switch r.Type {
		case "AWS::Logs::LogGroup":
			name := c.StackName + "-" + id
			if v, ok := r.Properties["LogGroupName"]; ok {
				if s, err := t.ResolveString(v, c); err == nil && s != "" {
					name = s
				}
			}
			c.Refs[id] = name
			c.Attrs[id] = map[string]string{"Arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", c.Region, c.AccountID, name)}
		case samtemplate.FunctionType:
			name := physicalFunctionName(t, id, r, c)
			c.Refs[id] = name
			c.Attrs[id] = map[string]string{"Arn": fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", c.Region, c.AccountID, name)}
		case "AWS::Serverless::HttpApi":
			c.Refs[id] = apiID(id)
			c.Attrs[id] = map[string]string{"ApiEndpoint": "http://127.0.0.1:3000"}
		}
	}
}

func physicalFunctionName(t *samtemplate.Template, id string, r samtemplate.Resource, c *samtemplate.Context) string {
	if v, ok := r.Properties["FunctionName"]; ok {
		if s, err := t.ResolveString(v, c); err == nil && s != "" {
			return s
		}
	}
	return c.StackName + "-" + id
}

// buildModel resolves the template's functions, APIs and event sources
// against c, which must already hold the provisioned resources.
func buildModel(t *samtemplate.Template, c *samtemplate.Context, keys httpapi.KeyFunc) (*model, error) {
	localRefs(t, c)
	m := &model{Functions: map[string]*functionSpec{}, APIs: map[string]*apiSpec{}}
	apiByRef := map[string]string{}
	for _, id := range t.ResourceIDs("AWS::Serverless::HttpApi") {
		a, err := resolveAPI(t, id, c, keys)
		if err != nil {
			return nil, err
		}
		m.APIs[id] = a
		apiByRef[c.Refs[id]] = id
		if a.Authorizers != nil {
			for name, az := range a.Authorizers {
				if az.Issuer != devauth.Issuer {
					m.Warnings = append(m.Warnings, fmt.Sprintf("%s authorizer %s: issuer %q is not the local issuer %q: local tokens will be refused", id, name, az.Issuer, devauth.Issuer))
				}
			}
		}
	}
	queueByARN := map[string]string{}
	for id, attrs := range c.Attrs {
		if t.Resources[id].Type == "AWS::SQS::Queue" && attrs["Arn"] != "" {
			queueByARN[attrs["Arn"]] = c.Refs[id]
		}
	}
	funcs := t.Functions()
	ids := make([]string, 0, len(funcs))
	for id := range funcs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		r := funcs[id]
		if r.Condition != "" {
			if on, err := t.ConditionTrue(r.Condition, c); err != nil || !on {
				continue
			}
		}
		spec, err := resolveFunction(t, id, r, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.Functions[id] = spec
		events, _ := r.Properties["Events"].(map[string]any)
		names := make([]string, 0, len(events))
		for n := range events {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := m.addEvent(t, c, spec, name, events[name], apiByRef, queueByARN); err != nil {
				errs = append(errs, fmt.Errorf("%s event %s: %w", id, name, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

func resolveAPI(t *samtemplate.Template, id string, c *samtemplate.Context, keys httpapi.KeyFunc) (*apiSpec, error) {
	r := t.Resources[id]
	a := &apiSpec{ID: id, APIID: c.Refs[id], Stage: "$default", Authorizers: map[string]*httpapi.JWTAuthorizer{}}
	if v, ok := r.Properties["StageName"]; ok {
		s, err := t.ResolveString(v, c)
		if err != nil {
			return nil, fmt.Errorf("%s StageName: %w", id, err)
		}
		a.Stage = s
	}
	rawAuth, ok := r.Properties["Auth"]
	if !ok {
		return a, nil
	}
	resolved, err := t.Resolve(rawAuth, c)
	if err != nil {
		return nil, fmt.Errorf("%s Auth: %w", id, err)
	}
	auth, _ := resolved.(map[string]any)
	a.Default, _ = auth["DefaultAuthorizer"].(string)
	authorizers, _ := auth["Authorizers"].(map[string]any)
	for name, raw := range authorizers {
		cfg, _ := raw.(map[string]any)
		jc, ok := cfg["JwtConfiguration"].(map[string]any)
		if !ok {
			continue // a Lambda authorizer: not emulated, its routes stay closed
		}
		az := &httpapi.JWTAuthorizer{Name: name, Keys: keys}
		az.IdentitySource, _ = cfg["IdentitySource"].(string)
		az.Issuer, _ = jc["issuer"].(string)
		switch aud := jc["audience"].(type) {
		case string:
			az.Audience = []string{aud}
		case []any:
			for _, x := range aud {
				if s, ok := x.(string); ok {
					az.Audience = append(az.Audience, s)
				}
			}
		}
		a.Authorizers[name] = az
	}
	return a, nil
}

func resolveFunction(t *samtemplate.Template, id string, r samtemplate.Resource, c *samtemplate.Context) (*functionSpec, error) {
	prop := func(name string) (any, error) {
		v, ok := r.Properties[name]
		if !ok {
			return nil, nil
		}
		out, err := t.Resolve(v, c)
		if err != nil {
			return nil, fmt.Errorf("function %s property %s: %w", id, name, err)
		}
		return out, nil
	}
	spec := &functionSpec{ID: id, Folder: functionFolder(id)}
	fn := lambdart.Function{Name: c.Refs[id], LogName: id, Handler: "bootstrap", MemoryMB: 128, Timeout: 3 * time.Second,
		Region: c.Region, AccountID: c.AccountID, Env: map[string]string{}}
	var err error
	var v any
	if v, err = prop("MemorySize"); err != nil {
		return nil, err
	} else if v != nil {
		if fn.MemoryMB, err = asInt(v); err != nil {
			return nil, fmt.Errorf("function %s MemorySize: %w", id, err)
		}
	}
	if v, err = prop("Timeout"); err != nil {
		return nil, err
	} else if v != nil {
		secs, err := asInt(v)
		if err != nil {
			return nil, fmt.Errorf("function %s Timeout: %w", id, err)
		}
		fn.Timeout = time.Duration(secs) * time.Second
	}
	if v, err = prop("Handler"); err != nil {
		return nil, err
	} else if s, ok := v.(string); ok && s != "" {
		fn.Handler = s
	}
	if v, err = prop("ReservedConcurrentExecutions"); err != nil {
		return nil, err
	} else if v != nil {
		if fn.MaxInstances, err = asInt(v); err != nil {
			return nil, fmt.Errorf("function %s ReservedConcurrentExecutions: %w", id, err)
		}
	}
	if v, err = prop("Environment"); err != nil {
		return nil, err
	} else if env, ok := v.(map[string]any); ok {
		vars, _ := env["Variables"].(map[string]any)
		for k, x := range vars {
			s, err := asString(x)
			if err != nil {
				return nil, fmt.Errorf("function %s variable %s: %w", id, k, err)
			}
			fn.Env[k] = s
		}
	}
	if v, err = prop("LoggingConfig"); err != nil {
		return nil, err
	} else if lc, ok := v.(map[string]any); ok {
		fn.LogFormat, _ = lc["LogFormat"].(string)
		fn.LogLevel, _ = lc["ApplicationLogLevel"].(string)
		fn.LogGroup, _ = lc["LogGroup"].(string)
	}
	spec.Fn = fn
	return spec, nil
}

func (m *model) addEvent(t *samtemplate.Template, c *samtemplate.Context, fn *functionSpec, name string, raw any,
	apiByRef, queueByARN map[string]string) error {
	ev, _ := raw.(map[string]any)
	typ, _ := ev["Type"].(string)
	resolved, err := t.Resolve(ev["Properties"], c)
	if err != nil {
		return err
	}
	p, _ := resolved.(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	switch typ {
	case "HttpApi":
		return m.addRoute(fn, p, apiByRef)
	case "SQS":
		arn, _ := p["Queue"].(string)
		url := queueByARN[arn]
		if url == "" {
			return fmt.Errorf("queue %q is not a queue of the local stack", arn)
		}
		if !boolOr(p, "Enabled", true) {
			return nil
		}
		src := trigger.SQSSource{Function: fn.ID, QueueURL: url, QueueARN: arn, Region: c.Region,
			BatchSize: intOr(p, "BatchSize", 10), MaxBatchingWindow: time.Duration(intOr(p, "MaximumBatchingWindowInSeconds", 0)) * time.Second,
			ReportBatchItemFailures: hasString(p["FunctionResponseTypes"], "ReportBatchItemFailures")}
		m.SQS = append(m.SQS, src)
	case "DynamoDB":
		if !boolOr(p, "Enabled", true) {
			return nil
		}
		stream, _ := p["Stream"].(string)
		if stream == "" {
			return errors.New("no Stream")
		}
		src := trigger.StreamSource{Function: fn.ID, FunctionARN: fn.Fn.ARN(), StreamARN: stream, Region: c.Region,
			StartingPosition: strOr(p, "StartingPosition", "LATEST"), BatchSize: intOr(p, "BatchSize", 100),
			ReportBatchItemFailures:    hasString(p["FunctionResponseTypes"], "ReportBatchItemFailures"),
			MaximumRetryAttempts:       intOr(p, "MaximumRetryAttempts", -1),
			BisectBatchOnFunctionError: boolOr(p, "BisectBatchOnFunctionError", false),
			MaximumRecordAge:           time.Duration(max(intOr(p, "MaximumRecordAgeInSeconds", -1), 0)) * time.Second}
		if dc, ok := p["DestinationConfig"].(map[string]any); ok {
			if of, ok := dc["OnFailure"].(map[string]any); ok {
				arn, _ := of["Destination"].(string)
				if src.OnFailureQueueURL = queueByARN[arn]; src.OnFailureQueueURL == "" && arn != "" {
					m.Warnings = append(m.Warnings, fmt.Sprintf("%s event %s: on-failure destination %s is not a local queue; failures are only logged", fn.ID, name, arn))
				}
			}
		}
		m.Streams = append(m.Streams, src)
	case "Schedule", "ScheduleV2":
		s := trigger.Schedule{Function: fn.ID, Region: c.Region, AccountID: c.AccountID, V2: typ == "ScheduleV2",
			Name: strOr(p, "Name", fn.ID+"-"+name), Input: strOr(p, "Input", "")}
		if s.V2 {
			s.Expression = strOr(p, "ScheduleExpression", "")
			s.Timezone = strOr(p, "ScheduleExpressionTimezone", "")
			s.Enabled = strOr(p, "State", "ENABLED") == "ENABLED"
		} else {
			s.Expression = strOr(p, "Schedule", "")
			s.Enabled = boolOr(p, "Enabled", true) && strOr(p, "State", "ENABLED") == "ENABLED"
		}
		if _, err := trigger.ParseExpression(s.Expression, s.Timezone); err != nil {
			return err
		}
		m.Schedules = append(m.Schedules, scheduleSpec{FunctionID: fn.ID, Event: name, Schedule: s})
	default:
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s event %s: type %s is not emulated locally", fn.ID, name, typ))
	}
	return nil
}

func (m *model) addRoute(fn *functionSpec, p map[string]any, apiByRef map[string]string) error {
	apiLogical := implicitAPI
	if ref, ok := p["ApiId"].(string); ok && ref != "" {
		if apiLogical = apiByRef[ref]; apiLogical == "" {
			return fmt.Errorf("ApiId %q is not an HttpApi of the template", ref)
		}
	}
	a := m.APIs[apiLogical]
	if a == nil {
		a = &apiSpec{ID: apiLogical, APIID: apiID(apiLogical), Stage: "$default", Authorizers: map[string]*httpapi.JWTAuthorizer{}}
		m.APIs[apiLogical] = a
	}
	route := httpapi.Route{Method: strings.ToUpper(strOr(p, "Method", "ANY")), Path: strOr(p, "Path", ""), Function: fn.ID}
	if route.Path == "" {
		route.Path = httpapi.DefaultRoute
	}
	if v := strOr(p, "PayloadFormatVersion", "2.0"); v != "2.0" {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s route %s: payload format %s is served as 2.0 locally", fn.ID, route.Key(), v))
	}
	authName := a.Default
	if auth, ok := p["Auth"].(map[string]any); ok {
		if n, ok := auth["Authorizer"].(string); ok {
			authName = n
		}
		route.Scopes = stringList(auth["AuthorizationScopes"])
	}
	if authName != "" && authName != "NONE" {
		az, ok := a.Authorizers[authName]
		if !ok {
			return fmt.Errorf("route %s: authorizer %s is not a JWT authorizer of %s", route.Key(), authName, apiLogical)
		}
		route.Authorizer = az
	}
	a.Routes = append(a.Routes, route)
	return nil
}

// Property readers for resolved template values, which hold ints, floats
// or strings depending on how the YAML spelled them.

func asInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	case string:
		return strconv.Atoi(x)
	}
	return 0, fmt.Errorf("%v is not a number", v)
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, float64, bool:
		return fmt.Sprint(x), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("%v is not a scalar", v)
}

func intOr(m map[string]any, k string, def int) int {
	if v, ok := m[k]; ok {
		if n, err := asInt(v); err == nil {
			return n
		}
	}
	return def
}

func boolOr(m map[string]any, k string, def bool) bool {
	switch v := m[k].(type) {
	case bool:
		return v
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return def
}

func strOr(m map[string]any, k, def string) string {
	if s, err := asString(m[k]); err == nil && s != "" {
		return s
	}
	return def
}

func stringList(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

func hasString(v any, s string) bool { return slices.Contains(stringList(v), s) }

// logWarnings prints the model's warnings once.
func (m *model) logWarnings(log *slog.Logger) {
	for _, w := range m.Warnings {
		log.Warn(w)
	}
}
