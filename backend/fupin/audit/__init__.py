"""The audit trail and the change feed: tables, the one way to record a change, the chain check, the read side.

Write side: `fupin.audit.chain` (`record`, `tracked`, `Target`). Read side: `fupin.audit.router`.
"""
