"""The status of a measure (措施状态):

    计划 planned        → 实施中 in_progress, 已完成 done, 已取消 cancelled
    实施中 in_progress  → 已完成 done, 已取消 cancelled
    已完成 done, 已取消 cancelled: final

Completing needs a done date (sent, or already set); cancelling needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fupin.core.errors import field_error
from fupin.core.workflow import Move, Workflow
from fupin.measures.models import Measure


@dataclass
class MeasureMove:
    measure: Measure
    reason: str | None
    done_on: date | None


async def done_date(ctx: MeasureMove) -> None:
    done_on = ctx.done_on or ctx.measure.done_on
    if done_on is None:
        raise field_error("/done_on", "measure.done_on_required", "完成措施须填写完成日期 (done_on)")
    if done_on > date.today():
        raise field_error("/done_on", "date.out_of_range", "完成日期不能晚于今天")
    ctx.done_on = done_on


async def with_reason(ctx: MeasureMove) -> None:
    if not ctx.reason:
        raise field_error("/reason", "measure.reason_required", "取消措施须说明原因 (reason)")


async def no_done_date(ctx: MeasureMove) -> None:
    if ctx.done_on is not None:
        raise field_error("/done_on", "measure.done_on_unexpected", "只有完成时才填写完成日期")


DONE = (done_date,)
CANCEL = (with_reason, no_done_date)
MOVES: list[Move[MeasureMove]] = [
    Move("planned", "in_progress", (no_done_date,)),
    Move("planned", "done", DONE),
    Move("planned", "cancelled", CANCEL),
    Move("in_progress", "done", DONE),
    Move("in_progress", "cancelled", CANCEL),
]
MEASURE_STATUS: Workflow[MeasureMove] = Workflow(
    name="measure", code_table="measure_status", pointer="/to", moves=MOVES
)


# the same moves when a department's system states the status in a by-external upsert (pointer: its field)
UPSERT_STATUS: Workflow[MeasureMove] = Workflow(
    name="measure",
    code_table="measure_status",
    pointer="/status",
    moves=[m for m in MOVES if m.target != "cancelled"],
)
