// Package samtemplate reads the SAM template (template.yaml) so that the local
// stack and the local Lambda runtime are built from the same file that is
// deployed, and cannot drift from it.
//
// Parse turns the CloudFormation short-form tags (!Ref, !GetAtt, !Sub, !If,
// ...) into their long form ({"Ref": ...}, {"Fn::GetAtt": [...]}, ...), so the
// rest of the code only deals with plain maps, lists and scalars. Functions
// applies the Globals section the way SAM does. Resolve evaluates the
// intrinsic functions against a Context that says what the parameters, pseudo
// parameters and already-created resources are; anything it cannot resolve is
// an error rather than a silent empty string, because a wrong table name or
// queue URL in a function's environment would only show up much later.
package samtemplate
