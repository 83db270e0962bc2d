"""Webhooks: signed nudges to an integration client that something changed; the change feed stays the truth."""
