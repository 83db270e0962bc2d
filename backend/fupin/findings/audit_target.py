"""The audit target of a finding and of its tasks: on the finding's trail, in its area's change feed."""

from __future__ import annotations

from fupin.audit.chain import Target
from fupin.findings.models import Finding


def finding_target(finding: Finding, *, entity_type: str = "finding", entity_id: str | None = None) -> Target:
    """`entity_type`/`entity_id` name a child record (a task); the event joins the finding's trail (`subject_id`)
    and carries the finding's version and external keys for partner systems."""
    return Target(
        entity_type=entity_type,
        entity_id=entity_id or str(finding.public_id),
        region_code=finding.region_code,
        subject_id=str(finding.public_id),
        version=finding.version if entity_type == "finding" else None,
        external_id=finding.external_id,
        source_system=finding.source_system,
    )
