package httpapi

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// KeyFunc returns the RSA public key that verifies tokens signed with kid.
type KeyFunc func(kid string) (*rsa.PublicKey, error)

// JWTAuthorizer is an HTTP API JWT authorizer (Auth.Authorizers.<Name> with
// a JwtConfiguration), verifying RS256 tokens with local keys.
type JWTAuthorizer struct {
	Name           string
	IdentitySource string   // "$request.header.Authorization" when empty
	Issuer         string   // the iss every token must carry
	Audience       []string // a token's aud (or client_id) must be one of them
	Keys           KeyFunc
	Now            func() time.Time // time.Now when nil
}

// authorization is what a successful check puts in requestContext.authorizer.
type authorization struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes"`
}

// errUnauthorized and errForbidden are the two refusals of a JWT authorizer.
var (
	errUnauthorized = errors.New("unauthorized")
	errForbidden    = errors.New("forbidden")
)

// authorize checks the request's token and the route's scopes. It returns
// errUnauthorized (401) for a missing, malformed, badly signed, expired,
// not-yet-valid, wrong-issuer or wrong-audience token, and errForbidden
// (403) when the route names scopes and the token has none of them.
func (a *JWTAuthorizer) authorize(r *http.Request, routeScopes []string) (*authorization, error) {
	raw := a.token(r)
	if raw == "" {
		return nil, fmt.Errorf("%w: no token in %s", errUnauthorized, a.source())
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if a.Keys == nil {
			return nil, errors.New("no keys configured")
		}
		return a.Keys(kid)
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(a.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(now),
		jwt.WithJSONNumber(),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnauthorized, err)
	}
	if !a.audienceOK(claims) {
		return nil, fmt.Errorf("%w: audience not accepted", errUnauthorized)
	}
	scopes := tokenScopes(claims)
	if len(routeScopes) > 0 && !slices.ContainsFunc(routeScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
		return nil, fmt.Errorf("%w: token scopes %v grant none of %v", errForbidden, scopes, routeScopes)
	}
	return &authorization{Claims: stringClaims(claims), Scopes: scopes}, nil
}

func (a *JWTAuthorizer) source() string {
	if a.IdentitySource == "" {
		return "$request.header.Authorization"
	}
	return a.IdentitySource
}

// token reads the identity source; API Gateway accepts the token with or
// without a "Bearer " prefix.
func (a *JWTAuthorizer) token(r *http.Request) string {
	src := a.source()
	var v string
	switch {
	case strings.HasPrefix(src, "$request.header."):
		v = r.Header.Get(strings.TrimPrefix(src, "$request.header."))
	case strings.HasPrefix(src, "$request.querystring."):
		v = r.URL.Query().Get(strings.TrimPrefix(src, "$request.querystring."))
	}
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}

// audienceOK accepts a token whose aud, or whose client_id (Cognito access
// tokens carry no aud), is one of the configured audiences.
func (a *JWTAuthorizer) audienceOK(c jwt.MapClaims) bool {
	auds, _ := c.GetAudience()
	if id, ok := c["client_id"].(string); ok {
		auds = append(auds, id)
	}
	for _, want := range a.Audience {
		if slices.Contains(auds, want) {
			return true
		}
	}
	return false
}

// tokenScopes reads the space-separated scope claim, or scp (a list or a
// space-separated string).
func tokenScopes(c jwt.MapClaims) []string {
	var out []string
	for _, name := range []string{"scope", "scp"} {
		switch v := c[name].(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// stringClaims renders claims as API Gateway passes them to the function:
// every value a string, lists as "[a b]".
func stringClaims(c jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = claimString(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}
