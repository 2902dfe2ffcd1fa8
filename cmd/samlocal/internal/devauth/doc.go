// Package devauth is the local identity provider of the development stack:
// one RS256 signing key, generated once and kept under .cache/samlocal/, the
// JWKS that publishes it, and dev tokens minted with chosen scopes, so the
// API's JWT authorizer can be exercised without Cognito.
package devauth
