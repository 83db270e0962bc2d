"""Login throttling: a sliding window per username and per client address (in process).

Memory is bounded whatever is sent: looking a key up never creates it, a key keeps at most `limit` hits (enough
to decide, since only the `limit`-th most recent hit matters), windows whose hits have all expired are dropped,
and at most `max_keys` keys are tracked; beyond that the key hit least recently is forgotten first. Its hits are
the oldest, so it is the one closest to being released anyway (an attacker spreading attempts over many
addresses can make a window be forgotten early, but never make memory grow)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindow:
    def __init__(
        self,
        limit: int,
        seconds: float = 60.0,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or max_keys < 1:
            raise ValueError("limit and max_keys must be positive")
        self.limit = limit
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        # key -> its most recent hits (oldest first); keys ordered by their latest hit (least recent first)
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """The number of keys tracked now."""
        return len(self._hits)

    def _live(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and now - hits[0] > self.seconds:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def _sweep(self, now: float) -> None:
        # The least recently hit keys come first: drop those whose latest hit has left the window.
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits and now - hits[-1] <= self.seconds:
                break
            del self._hits[key]

    def retry_after(self, key: str) -> int:
        """Seconds to wait if `key` is over the limit, else 0. Does not count a hit, nor track the key."""
        now = self._clock()
        hits = self._live(key, now)
        if hits is not None and len(hits) >= self.limit:
            return max(1, int(self.seconds - (now - hits[0])) + 1)
        return 0

    def hit(self, key: str) -> None:
        now = self._clock()
        self._sweep(now)
        hits = self._live(key, now)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.limit)
        else:
            self._hits.move_to_end(key)
        hits.append(now)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)
