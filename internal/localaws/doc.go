// Package localaws connects to the local AWS emulators (DynamoDB Local on
// 127.0.0.1:8000, moto on 127.0.0.1:4566 for SQS, S3, SES v2 and SSM) and
// creates in them the resources that template.yaml declares, so that the
// local stack is always the deployed stack's shape.
//
// Config returns an aws.Config for the emulators from the standard SDK
// environment variables. Provision creates, idempotently, every DynamoDB
// table, SQS queue and S3 bucket of a template, plus the SES identity of its
// MailFrom parameter, and reports what Ref and Fn::GetAtt return for each so
// the local Lambda runtime can resolve function environments. The Ensure*
// functions create one resource from template properties; the integration
// test helpers in localawstest build on them.
package localaws
