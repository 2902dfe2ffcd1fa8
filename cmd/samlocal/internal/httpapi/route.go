package httpapi

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultRoute is the route key of the catch-all route.
const DefaultRoute = "$default"

// Route is one HttpApi event of the template.
type Route struct {
	Method     string         // GET, POST, ... or ANY
	Path       string         // /orders/{id}, /files/{proxy+}; empty for $default
	Function   string         // what the Invoker is asked to run
	Authorizer *JWTAuthorizer // nil: the route is open
	Scopes     []string       // AuthorizationScopes; empty: any valid token
}

// Key returns the route key: "GET /orders/{id}" or "$default".
func (r Route) Key() string {
	if r.Path == "" || r.Path == DefaultRoute {
		return DefaultRoute
	}
	return r.Method + " " + r.Path
}

// segment kinds, in decreasing specificity.
const (
	literal = iota
	param
	greedy
)

type segment struct {
	kind int
	text string // literal text, or the parameter name
}

// compiled is a route ready for matching.
type compiled struct {
	Route
	segments []segment
	any      bool
	catchAll bool
}

func compile(r Route) (compiled, error) {
	c := compiled{Route: r, any: strings.EqualFold(r.Method, "ANY")}
	if r.Key() == DefaultRoute {
		c.catchAll = true
		return c, nil
	}
	if r.Method == "" {
		return c, fmt.Errorf("route %q: no method", r.Path)
	}
	if !strings.HasPrefix(r.Path, "/") {
		return c, fmt.Errorf("route %q: path must start with /", r.Path)
	}
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	if r.Path == "/" {
		parts = nil
	}
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return c, fmt.Errorf("route %q: a greedy variable must be the last segment", r.Path)
			}
			c.segments = append(c.segments, segment{greedy, p[1 : len(p)-2]})
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			c.segments = append(c.segments, segment{param, p[1 : len(p)-1]})
		case p == "":
			return c, fmt.Errorf("route %q: empty segment", r.Path)
		default:
			c.segments = append(c.segments, segment{literal, p})
		}
	}
	return c, nil
}

// match returns the path parameters when the escaped request path matches.
func (c *compiled) match(method, escapedPath string) (map[string]string, bool) {
	if c.catchAll {
		return nil, true
	}
	if !c.any && !strings.EqualFold(c.Method, method) {
		return nil, false
	}
	var parts []string
	if escapedPath != "/" && escapedPath != "" {
		parts = strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	}
	params := map[string]string{}
	for i, s := range c.segments {
		if s.kind == greedy {
			rest := parts[i:]
			if len(rest) == 0 || (len(rest) == 1 && rest[0] == "") {
				return nil, false // {proxy+} needs at least one segment
			}
			v, err := url.PathUnescape(strings.Join(rest, "/"))
			if err != nil {
				return nil, false
			}
			params[s.text] = v
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		v, err := url.PathUnescape(parts[i])
		if err != nil {
			return nil, false
		}
		switch s.kind {
		case literal:
			if v != s.text {
				return nil, false
			}
		case param:
			if v == "" {
				return nil, false
			}
			params[s.text] = v
		}
	}
	if len(parts) != len(c.segments) {
		return nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, true
}

// moreSpecific orders two matching routes as API Gateway prefers them:
// segment by segment, a literal beats a variable, which beats a greedy
// variable; then a longer path; then an exact method beats ANY; $default
// comes last.
func moreSpecific(a, b *compiled) bool {
	if a.catchAll != b.catchAll {
		return b.catchAll
	}
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if a.segments[i].kind != b.segments[i].kind {
			return a.segments[i].kind < b.segments[i].kind
		}
	}
	if len(a.segments) != len(b.segments) {
		return len(a.segments) > len(b.segments)
	}
	return !a.any && b.any
}

// router finds the route of a request.
type router struct {
	routes []compiled
}

func newRouter(routes []Route) (*router, error) {
	rt := &router{}
	seen := map[string]bool{}
	for _, r := range routes {
		c, err := compile(r)
		if err != nil {
			return nil, err
		}
		key := strings.ToUpper(c.Method) + " " + c.Path
		if c.catchAll {
			key = DefaultRoute
		}
		if seen[key] {
			return nil, fmt.Errorf("route %s is declared twice", r.Key())
		}
		seen[key] = true
		rt.routes = append(rt.routes, c)
	}
	return rt, nil
}

func (rt *router) find(method, escapedPath string) (*compiled, map[string]string) {
	var (
		best       *compiled
		bestParams map[string]string
	)
	for i := range rt.routes {
		c := &rt.routes[i]
		params, ok := c.match(method, escapedPath)
		if !ok {
			continue
		}
		if best == nil || moreSpecific(c, best) {
			best, bestParams = c, params
		}
	}
	return best, bestParams
}
