"""The audit target of a project and of its child records: on the project's trail, in its area's change feed."""

from __future__ import annotations

from fupin.audit.chain import Target
from fupin.projects.models import Project


def project_target(project: Project, *, entity_type: str = "project", entity_id: str | None = None) -> Target:
    """`entity_type`/`entity_id` name a child record (a target, a milestone, a disbursement ...); the event joins the
    project's trail (`subject_id`) and carries the project's version and external keys for partner systems."""
    return Target(
        entity_type=entity_type,
        entity_id=entity_id or str(project.public_id),
        region_code=project.area_code,
        subject_id=str(project.public_id),
        version=project.version if entity_type == "project" else None,
        external_id=project.external_id,
        source_system=project.source_system,
    )
