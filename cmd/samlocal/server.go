package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/trigger"
)

// handler serves, on one port: the Lambda Invoke API (as `sam local
// start-lambda`), the on-demand schedule route, the local identity
// provider's keys, and everything else as the template's HTTP API.
func (a *app) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", a.serveInvoke)
	mux.HandleFunc("POST /_local/schedules/{id}/run", a.serveScheduleRun)
	mux.HandleFunc("GET /_local/schedules", a.serveScheduleList)
	mux.HandleFunc("GET /_local/jwt/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(a.key.JWKS())
	})
	mux.HandleFunc("GET /_local/jwt/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"issuer": devauth.Issuer, "jwks_uri": devauth.Issuer + "/.well-known/jwks.json",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	if a.ecwid != nil {
		mux.Handle(ecwidPath+"/", a.ecwid)
	}
	if a.handler != nil {
		mux.Handle("/", a.handler)
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		})
	}
	return mux
}

// serveInvoke is Lambda's Invoke API: RequestResponse (200 with the
// answer, X-Amz-Function-Error on a function error), Event (202, run in the
// background), DryRun (204); X-Amz-Log-Type: Tail returns the last 4 KB of
// the invoke's log in X-Amz-Log-Result.
func (a *app) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := functionFromPath(r.PathValue("name"))
	if _, ok := a.pools.Get(name); !ok {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		writeJSON(w, http.StatusNotFound, map[string]string{"Type": "User", "message": "Function not found: " + name})
		return
	}
	body, err := readBody(r, 6*1024*1024)
	if err != nil {
		w.Header().Set("X-Amzn-ErrorType", "RequestTooLargeException")
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"Type": "User", "message": err.Error()})
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		w.Header().Set("X-Amzn-ErrorType", "InvalidRequestContentException")
		writeJSON(w, http.StatusBadRequest, map[string]string{"Type": "User", "message": "Could not parse request body into json"})
		return
	}
	req := lambdart.Request{Payload: body, ClientContext: r.Header.Get("X-Amz-Client-Context"), Tail: r.Header.Get("X-Amz-Log-Type") == "Tail"}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		go func() {
			// The caller does not wait: the invoke gets its own context.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			if _, err := a.pools.InvokeRequest(ctx, name, lambdart.Request{Payload: body}); err != nil {
				a.cfg.Log.Error("async invoke", "function", name, "err", err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	default:
		w.Header().Set("X-Amzn-ErrorType", "InvalidParameterValueException")
		writeJSON(w, http.StatusBadRequest, map[string]string{"Type": "User", "message": "Unsupported invocation type " + typ})
		return
	}
	res, err := a.pools.InvokeRequest(r.Context(), name, req)
	if err != nil {
		w.Header().Set("X-Amzn-ErrorType", "ServiceException")
		writeJSON(w, http.StatusInternalServerError, map[string]string{"Type": "Service", "message": err.Error()})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", "$LATEST")
	h.Set("X-Amzn-RequestId", res.RequestID)
	if res.Failed() {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if req.Tail {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.LogTail))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
}

// functionFromPath accepts a name, a logical id or an ARN (with or without
// a qualifier), as the Invoke API does.
func functionFromPath(name string) string {
	if strings.HasPrefix(name, "arn:") {
		parts := strings.Split(name, ":")
		if len(parts) >= 7 {
			return parts[6]
		}
	}
	if n, _, ok := strings.Cut(name, ":"); ok {
		return n
	}
	return name
}

// scheduleRun is the answer of the on-demand schedule route.
type scheduleRun struct {
	Function string          `json:"function"`
	Event    string          `json:"event"`
	Failed   bool            `json:"failed"`
	Response json.RawMessage `json:"response"`
}

// serveScheduleRun fires a schedule now, with the real scheduled event.
// {id} is "<FunctionLogicalId>" (all its schedules) or
// "<FunctionLogicalId>.<EventName>".
func (a *app) serveScheduleRun(w http.ResponseWriter, r *http.Request) {
	specs, err := a.findSchedules(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": err.Error()})
		return
	}
	var runs []scheduleRun
	for _, s := range specs {
		answer, failed, err := s.Fire(r.Context(), a.pools, time.Now())
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"message": err.Error()})
			return
		}
		if !json.Valid(answer) {
			answer, _ = json.Marshal(string(answer))
		}
		runs = append(runs, scheduleRun{Function: s.FunctionID, Event: s.Event, Failed: failed, Response: answer})
	}
	writeJSON(w, http.StatusOK, runs)
}

// serveScheduleList lists the schedules with their next firing time.
func (a *app) serveScheduleList(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		ID         string `json:"id"`
		Expression string `json:"expression"`
		Enabled    bool   `json:"enabled"`
		Next       string `json:"next,omitempty"`
	}
	out := []entry{}
	for _, s := range a.model.Schedules {
		e := entry{ID: s.FunctionID + "." + s.Event, Expression: s.Expression, Enabled: s.Enabled}
		if expr, err := trigger.ParseExpression(s.Expression, s.Timezone); err == nil && s.Enabled {
			if next, ok := expr.Next(time.Now()); ok {
				e.Next = next.UTC().Format(time.RFC3339)
			}
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, out)
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read request payload: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("request payload is over %d bytes", limit)
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
