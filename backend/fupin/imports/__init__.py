"""Bulk import of households (建档立卡 tables, JSON, NDJSON) through the household services, as a job."""
