"""Exports: the household register as CSV, XLSX or NDJSON, streamed directly or written by a job, masked as the
caller's permissions say, audited, and carrying the change-feed position of their snapshot."""
