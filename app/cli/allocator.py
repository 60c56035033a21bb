"""How a command that works on millions of rows asks the C allocator and numpy to reuse
memory instead of taking fresh pages from the system (Linux with glibc only; elsewhere
nothing changes).

Fresh pages are what cost: each is zeroed by the kernel on first touch, and a matching
run makes and drops arrays of tens to hundreds of MB all the time. On the bench machine
(a 2-core VM) the ``dedupe`` of our 2.17-million-row set spent 19 of its 59 s in the
kernel, ~1.1 million page faults. Measured there (same output, byte for byte):

- numpy asks for transparent huge pages on arrays of 4 MB and more: each fault then
  zeroes 2 MB and may wait for the kernel to compact memory. Without them: 19 -> 10 s
  of system time (59 -> 53 s in all), the same peak.
- glibc sends a block above a threshold (128 KB at first, rising to the size of each
  mapped block freed, up to 32 MB) straight to ``mmap`` and gives the top of its heap
  back as soon as twice that is free. Fixed at 32 MB, with 128 MB kept before trimming
  and 64 MB of headroom, freed arrays are reused: 10 -> 4.4 s of system time (41 -> 38 s)
  at the same peak (1,840 MB). Two arenas for the process: each thread that allocates
  gets one otherwise, and what it frees stays with it (with the comparisons' threads
  ~100 MB more at 434,614 rows; one arena alone made the threads wait on each other)."""

from __future__ import annotations

import contextlib
import sys

# glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MiB = 1 << 20
SETTINGS = (
    (M_ARENA_MAX, 2),
    (M_MMAP_THRESHOLD, 32 * MiB),  # 256 MB measured no faster, and 50 MB more at the peak
    (M_TRIM_THRESHOLD, 128 * MiB),
    (M_TOP_PAD, 64 * MiB),
)


def reuse_memory() -> None:
    """Apply :data:`SETTINGS` and turn numpy's huge-page requests off (Linux only; a C
    library without ``mallopt`` or a numpy without the switch is no error)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        for option, value in SETTINGS:
            libc.mallopt(option, value)
    import numpy as np

    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None),
                     "_set_madvise_hugepage", None)  # fmt: skip
    if switch is not None:
        switch(False)
