"""A command loads only what it uses: --version and --help answer without the store,
pandas, Qt or the sandbox; each command's module is imported only when it runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.cli import COMMANDS, build_parser
from tests.support.cli import ROOT

PROBE = """
import json, sys
sys.argv = ["main.py", *sys.argv[1:]]
import main
try:
    main.main()
except SystemExit:
    pass
heavy = ("pandas", "numpy", "sqlalchemy", "PySide6", "httpx", "app.sandbox", "app.store",
         "app.sync", "app.services", "app.connectors")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy
                        or any(m.startswith(h + ".") or m == h for h in heavy))))
"""


def _loaded(*argv: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_load_nothing_heavy(argv: list[str]) -> None:
    assert _loaded(*argv) == []


def test_a_command_loads_its_own_module_only() -> None:
    loaded = _loaded("profiles", "--help")
    assert "app.services.profiles" in loaded
    assert not [m for m in loaded if m.startswith(("app.sandbox", "PySide6", "app.sync"))]


def test_every_command_is_listed_and_registers_from_its_own_module() -> None:
    parser = build_parser()  # every module loaded
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)  # type: ignore[union-attr]
    lazy = build_parser(load=[])
    lazy_sub = next(a for a in lazy._actions if a.dest == "command")
    for name, command in COMMANDS.items():
        full, bare = sub.choices[name], lazy_sub.choices[name]  # type: ignore[index]
        registered = full.get_default("handler") or len(full._actions) > len(bare._actions)
        assert command.help and registered, name
