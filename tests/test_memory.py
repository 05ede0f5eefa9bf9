"""release_memory: the heap's free pages go back to the system after a large phase (glibc)."""

from __future__ import annotations

import sys

import pytest

from attn_team import _memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc's malloc_trim are Linux's")
def test_release_returns_the_free_heap_pages_of_many_dropped_small_objects():
    if _memory._malloc_trim() is None:
        pytest.skip("no glibc malloc_trim here")

    def rss_kb() -> int:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    # strings above pymalloc's 512 bytes come from malloc's heap; every 100th survives, so the heap
    # cannot shrink from its top alone
    made = [("x" * 1000) + str(i) for i in range(100_000)]
    keep = made[::100]
    before = rss_kb()
    del made
    assert _memory.release_memory("a test") is True
    after = rss_kb()
    assert after < before - 40_000  # about 100 MB of strings were dropped: most of it goes back
    assert len(keep) == 1_000 and keep[1].endswith("100")


def test_release_without_malloc_trim_does_nothing(monkeypatch):
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: None)
    assert _memory.release_memory() is False
