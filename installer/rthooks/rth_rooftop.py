"""Runs inside the frozen app before main.py.

- A windowed Windows executable has no console: ``sys.stdout``/``sys.stderr`` are None
  there, and a headless command (the scheduled ``service`` task) would crash on its
  first print. Send them to the null device instead; the log file still has everything.
- A child process started by ``multiprocessing`` re-runs the executable; let it become
  the child instead of opening a second copy of the app.
"""

import os
import sys

for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

if any(arg.startswith("--multiprocessing") for arg in sys.argv[1:]):
    import multiprocessing

    multiprocessing.freeze_support()
