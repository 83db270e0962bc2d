"""Evidence: attach a staged file to an owner record, read an owner's files, hand one out. Never commits."""

from __future__ import annotations

import unicodedata
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.errors import ProblemError, field_errors, not_found
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath
from fupin.evidence import repository as repo
from fupin.evidence import storage
from fupin.evidence.models import Evidence
from fupin.evidence.owners import EvidenceOwner, resolve_owner
from fupin.evidence.schemas import EvidenceForm, EvidenceOut, EvidenceQuery

CURSOR_KIND = "evidence"
# files moved into place by this session's transaction: removed again if it rolls back (the commit failed)
_KEPT = "fupin.evidence_kept"
AUDITED = ("owner_type", "owner_id", "filename", "content_type", "size", "sha256")


def download_url(public_id: uuid.UUID | str) -> str:
    return f"/api/v1/evidence/{public_id}"


def clean_filename(name: str, extension: str) -> str:
    """The base name of an uploaded file without control or format characters, at most 200 characters, with the
    extension of its sniffed type; an empty one becomes `evidence.<ext>`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    # the extension is the sniffed type's, never the uploader's: a PDF named x.html is saved as x.pdf
    return f"{(stem or 'evidence')[:190]}.{extension}"


def parse_form(fields: dict[str, str]) -> EvidenceForm:
    try:
        return EvidenceForm.model_validate(fields)
    except ValidationError as exc:
        raise ProblemError(422, "validation_failed", "The request contains invalid fields.", field_errors(exc.errors()))


def evidence_target(evidence: Evidence, owner: EvidenceOwner) -> audit.Target:
    return audit.Target(
        "evidence",
        str(evidence.public_id),
        evidence.region_code,
        subject_id=owner.subject_id,
        version=1,
        external_id=owner.external_id,
        source_system=owner.source_system,
    )


def evidence_out(evidence: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=evidence.public_id,
        owner_type=evidence.owner_type,
        owner_id=evidence.owner_id,
        filename=evidence.filename,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        created_at=evidence.created_at,
        created_by=evidence.created_by_name,
        download_url=download_url(evidence.public_id),
    )


async def attach(
    session: AsyncSession,
    principal: Principal,
    *,
    form: EvidenceForm,
    filename: str,
    staged: storage.Staged,
    root: Path,
) -> Evidence:
    """Attach a staged file to its owner (which the caller must be allowed to change: the owner type's own rule),
    audited on the owner's household trail; the file is moved into place last."""
    owner = await resolve_owner(session, principal, owner_type=form.owner_type, owner_id=form.owner_id, write=True)
    public_id = uuid.uuid4()
    evidence = Evidence(
        public_id=public_id,
        owner_type=form.owner_type,
        owner_id=form.owner_id,
        region_code=owner.region_code,
        subject_id=uuid.UUID(owner.subject_id) if owner.subject_id else None,
        filename=clean_filename(filename, staged.extension),
        content_type=staged.content_type,
        size=staged.size,
        sha256=staged.sha256,
        storage_key=storage.storage_key(public_id, staged.extension),
        created_by_name=principal.name,
    )
    session.add(evidence)
    await session.flush()
    await audit.record_on(
        session,
        evidence_target(evidence, owner),
        actor=principal.as_actor(),
        action="evidence.added",
        changes=audit.diff({}, {name: str(getattr(evidence, name)) for name in AUDITED}),
    )
    kept = storage.keep(staged, root, evidence.storage_key)
    session.sync_session.info.setdefault(_KEPT, []).append(kept)
    return evidence


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(_KEPT, None)


@event.listens_for(Session, "after_soft_rollback")
def _files_rolled_back(session: Session, previous_transaction: Any) -> None:
    """The record of a kept file was not committed: the file goes too, so no file outlives its record."""
    if previous_transaction.nested:
        return  # a rolled-back savepoint: the outer transaction decides
    for path in session.info.pop(_KEPT, []):
        path.unlink(missing_ok=True)


async def page_json(read: ReadPath, session: AsyncSession, principal: Principal, query: EvidenceQuery) -> bytes:
    """The files of one owner the caller may read (404 when the owner is outside its area), newest first."""
    await resolve_owner(
        session,
        principal,
        owner_type=query.owner_type,
        owner_id=query.owner_id,
        write=False,
        pointer="/query/owner_type",
    )
    before = decode_key_cursor(query.cursor, CURSOR_KIND)
    rows = await repo.page(
        read, principal.scope, owner_type=query.owner_type, owner_id=query.owner_id, before=before, limit=query.limit
    )
    items, next_cursor = key_page(rows, query.limit, CURSOR_KIND)
    out: list[dict[str, Any]] = []
    for row in items:
        row.pop("pk")
        out.append({**row, "download_url": download_url(row["id"])})
    return to_json({"items": out, "next_cursor": next_cursor})


async def file_of(
    session: AsyncSession, principal: Principal, *, evidence_id: uuid.UUID, root: Path
) -> tuple[Evidence, Path]:
    """The file of one evidence record, read as its owner is read (outside the caller's area: 404)."""
    evidence = await repo.get(session, principal.scope, evidence_id)
    if evidence is None:
        raise not_found("evidence")
    await resolve_owner(session, principal, owner_type=evidence.owner_type, owner_id=evidence.owner_id, write=False)
    path = storage.path_of(root, evidence.storage_key)
    if not path.is_file():
        raise ProblemError(404, "evidence.file_missing", "The file of this evidence record is no longer kept.")
    return evidence, path
