"""Reconciliation: the partner's (id or external id, version or content hash) pairs for a region against our
register for that region within the caller's area → missing here, missing there, differing.

The partner's items are taken in batches (a JSON body of up to 10,000, or an NDJSON stream of any length):
each batch is looked up by id / external id, compared and dropped; only the internal ids of the households
matched so far are kept. Then the region is walked in keyset batches for the households nobody sent. Memory is
bounded by the batch and the differences found, not by the size of the region. Nothing is written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.households.content_hash import content_hash
from fupin.households.presenters import OUT_OF_THE_REGISTER
from fupin.reconcile import repository as repo
from fupin.reconcile.schemas import DifferingOut, OurItemOut, ReconcileItem, ReconcileOut, TheirItemOut

BATCH = 1000


def _ours(household: dict[str, Any], members: list[Any]) -> dict[str, Any]:
    return {
        "id": household["public_id"],
        "external_id": household["external_id"],
        "source_system": household["source_system"],
        "version": household["version"],
        "hash": content_hash(household, members),
    }


@dataclass
class Reconciliation:
    session: AsyncSession
    principal: Principal
    region_code: str
    matched: set[int] = field(default_factory=set)
    missing_here: list[TheirItemOut] = field(default_factory=list)
    missing_there: list[OurItemOut] = field(default_factory=list)
    differing: list[DifferingOut] = field(default_factory=list)
    checked: int = 0

    def __post_init__(self) -> None:
        self.scope = self.principal.scope.narrowed_to(self.region_code)  # disjoint from the caller's area: 404

    async def compare(self, items: list[ReconcileItem]) -> None:
        """One batch of the partner's items."""
        self.checked += len(items)
        ids = [item.id for item in items if item.id is not None]
        external = [(item.source_system, item.external_id) for item in items if item.external_id is not None]
        found = await repo.matching(self.session, self.scope, ids=ids, external=external)
        by_id: dict[uuid.UUID, tuple[dict[str, Any], list[Any]]] = {}
        by_external: dict[tuple[str | None, str], tuple[dict[str, Any], list[Any]]] = {}
        for household, members in found:
            by_id[household["public_id"]] = (household, members)
            if household["external_id"] is not None:
                by_external[(household["source_system"], household["external_id"])] = (household, members)
                by_external.setdefault((None, household["external_id"]), (household, members))
        for item in items:
            hit = by_id.get(item.id) if item.id is not None else None
            if hit is None and item.external_id is not None:
                hit = by_external.get((item.source_system, item.external_id))
            if hit is None:
                self.missing_here.append(TheirItemOut.model_validate(item.model_dump()))
                continue
            household, members = hit
            self.matched.add(household["id"])
            if item.version is None and item.hash is None:
                continue
            ours = _ours(household, members)
            if (item.version is not None and item.version != ours["version"]) or (
                item.hash is not None and item.hash != ours["hash"]
            ):
                self.differing.append(
                    DifferingOut.model_validate({**ours, "their_version": item.version, "their_hash": item.hash})
                )

    async def finish(self) -> ReconcileOut:
        """Our households of the region that were not sent. A cancelled one (注销) is not missed: its feed entry
        was a tombstone, so a partner following the feed has dropped it (one that sent it is compared above)."""
        after = 0
        while batch := await repo.region_batch(self.session, self.scope, after=after, limit=BATCH):
            for household, members in batch:
                if household["id"] not in self.matched and household["status"] not in OUT_OF_THE_REGISTER:
                    self.missing_there.append(OurItemOut.model_validate(_ours(household, members)))
            after = batch[-1][0]["id"]
        return ReconcileOut(
            missing_here=self.missing_here,
            missing_there=self.missing_there,
            differing=self.differing,
            checked=self.checked,
        )


def _batches(items: Iterable[ReconcileItem]) -> Iterable[list[ReconcileItem]]:
    batch: list[ReconcileItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def reconcile(
    session: AsyncSession, principal: Principal, *, region_code: str, items: list[ReconcileItem]
) -> ReconcileOut:
    """A JSON body: all items at hand."""
    work = Reconciliation(session, principal, region_code=region_code)
    for batch in _batches(items):
        await work.compare(batch)
    return await work.finish()


async def reconcile_stream(
    session: AsyncSession, principal: Principal, *, region_code: str, items: AsyncIterable[ReconcileItem]
) -> ReconcileOut:
    """An NDJSON body: items as they arrive, compared a batch at a time."""
    work = Reconciliation(session, principal, region_code=region_code)
    batch: list[ReconcileItem] = []
    async for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            await work.compare(batch)
            batch = []
    if batch:
        await work.compare(batch)
    return await work.finish()
