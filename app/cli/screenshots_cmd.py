"""``screenshots --out DIR``: PNGs of every main screen, rendered offscreen."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import CliContext
from app.errors import RooftopError


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.set_defaults(handler=run)


def run(ctx: CliContext) -> int:
    if ctx.screenshotter is None:
        raise RooftopError("this build has no user interface to take screenshots of")
    saved = ctx.screenshotter(ctx.paths, ctx.args.out)
    for path in saved:
        print(path)
    return 0
