"""Declarative workflows: a table of allowed moves between states, each with the guards that must pass.
The household status (建档立卡 → 脱贫 → 返贫 / 注销) is one; the findings workflow (整改) uses the same shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fupin.core.code_tables import label
from fupin.core.errors import field_error

C = TypeVar("C")
Guard = Callable[[C], Awaitable[None]]  # raises a problem when the move may not happen


@dataclass(frozen=True, slots=True)
class Move(Generic[C]):
    source: str
    target: str
    guards: tuple[Guard[C], ...] = ()


class Workflow(Generic[C]):
    def __init__(
        self,
        *,
        name: str,
        code_table: str,
        moves: Iterable[Move[C]],
        pointer: str = "/to_status",
    ) -> None:
        self.name = name
        self.code_table = code_table
        self.pointer = pointer
        self._moves = {(m.source, m.target): m for m in moves}

    def targets(self, source: str) -> frozenset[str]:
        return frozenset(t for s, t in self._moves if s == source)

    async def check(self, *, source: str, target: str, context: C) -> Move[C]:
        """The move from `source` to `target`, after its guards passed; a move the table lacks is a 409."""
        move = self._moves.get((source, target))
        if move is None:
            raise field_error(
                self.pointer,
                f"{self.name}.transition_not_allowed",
                f"不能从“{label(self.code_table, source)}”变更为“{label(self.code_table, target)}”",
                status=409,
            )
        for guard in move.guards:
            await guard(context)
        return move
