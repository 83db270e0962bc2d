"""Reconciliation with a partner system (`POST /api/v1/reconcile`): docs/integration/changes.md."""
