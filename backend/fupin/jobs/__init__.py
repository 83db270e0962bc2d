"""Persisted jobs: long work in chunks, claimed by workers under a lease, resumable, cancellable, audited."""
