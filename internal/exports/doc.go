// Package exports is the finance exports: the API that starts an export and
// shows it (ExportsFunction: POST /exports, GET /exports/{id}, GET /exports,
// scope finance:read), and the worker that writes it (ExportWorkerFunction,
// from the ExportsQueue): it claims the export, reads the orders page by
// page through the creation-time index, renders them with internal/csvexport
// into an S3 multipart upload in constant memory, writes the manifest beside
// the file under exports/<id>/, and marks the export DONE, or FAILED after
// aborting the upload.
package exports
