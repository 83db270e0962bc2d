"""While chunks run the collector's young-generation threshold is raised; after the last one it is what it was,
also when chunks of several workers overlap in one process and end in another order."""

from __future__ import annotations

import gc

from fupin.jobs.worker import CHUNK_GC_THRESHOLD, fewer_collections


def test_threshold_raised_while_any_chunk_runs_and_restored_after_the_last() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        first, second = fewer_collections(), fewer_collections()
        first.__enter__()
        assert gc.get_threshold() == (CHUNK_GC_THRESHOLD, 10, 10)
        second.__enter__()
        first.__exit__(None, None, None)  # the first to start ends first: the other still runs
        assert gc.get_threshold() == (CHUNK_GC_THRESHOLD, 10, 10)
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (700, 10, 10)
        try:
            with fewer_collections():
                raise ValueError("a chunk that fails")
        except ValueError:
            pass
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
