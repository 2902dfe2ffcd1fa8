// Package staffscopes turns a staff user's Cognito groups into the OAuth
// scopes of their access token: the handler of StaffScopesFunction, the
// user pool's pre token generation trigger (event version V2_0).
//
// The groups are created by template.yaml (staff-readers, staff-writers,
// settings-admins, finance); Grants says which apihttp scopes each one
// gives. The token carries exactly the staff scopes of the user's groups,
// in Cognito's spelling (orders/read): the granted ones are added, whatever
// the client asked for, and the others suppressed, so that asking for a
// scope at sign-in gives nothing a group does not.
package staffscopes
