"""``screenshots --out DIR [--size WxH]``: PNGs of every main screen, every page of the
new-flow and new-feed wizards and the Conflicts screen, rendered offscreen."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import CliContext
from app.errors import RooftopError


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument(
        "--size",
        type=_size,
        metavar="WxH",
        help="window and wizard size, e.g. 1920x1080 (default: window 1280x800, wizards 1280x720)",
    )
    p.set_defaults(handler=run)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1920x1080") from None
    if not (640 <= width <= 7680 and 480 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text} is not a screen size")
    return width, height


def run(ctx: CliContext) -> int:
    if ctx.screenshotter is None:
        raise RooftopError("this build has no user interface to take screenshots of")
    saved = ctx.screenshotter(ctx.paths, ctx.args.out, ctx.args.size)
    for path in saved:
        print(path)
    return 0
