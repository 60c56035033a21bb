"""Stoplight Prism as a contract-test mock: ``PrismMock`` starts ``prism mock <spec>`` on
127.0.0.1, and reads Prism's log to tell which requests broke the spec and which operations
were called.

Prism is installed, pinned, by ``scripts/setup.sh`` into ``tools/prism`` (see its README).
What the log lines mean, as Prism 5.14.2 prints them (verified by experiment; a longer real
sample is in tests/contracts/README.md). Without the timestamp, shortened::

    [HTTP SERVER] get /customers ℹ  info      Request received
        [VALIDATOR] ⚠  warning   Request did not pass the validation rules
        [VALIDATOR] ✖  error     Request header must have required property 'transaction-id'
        [NEGOTIATOR] ✔  success   Responding with the requested status code 400
        [VALIDATOR] ✖  error     Violation: request.header Request header must have ...
    [HTTP SERVER] get /customers ℹ  info      Request received
        [VALIDATOR] ✔  success   The request passed the validation rules. Looking for ...
        [VALIDATOR] ✖  error     Violation: response.body.data.0...end_time Response body ...
    [HTTP SERVER] put /customers ✖  error     Request terminated with error: https://
        stoplight.io/prism/errors#NO_METHOD_MATCHED_ERROR: Route resolved, but no method matched

- An operation: every ``[HTTP SERVER] <method> <path> ... Request received`` line. Prism
  logs the path without the query string.
- A request violation (the REQUEST broke the spec):
  * a ``[VALIDATOR]`` line at level ``error`` that does not start with ``Violation:``. Prism's
    mocker logs one for every failed check of an invalid request (parameters, headers, body,
    security), always, before it picks a response. The ``Violation: request...`` lines repeat
    them with their location, but only when Prism then answers from the spec: when it has
    to make up the 4xx itself they are missing, so they are not used.
  * ``Request terminated with error: ...#CODE`` with a routing code: NO_PATH_MATCHED_ERROR,
    NO_METHOD_MATCHED_ERROR, NO_SERVER_MATCHED_ERROR (the spec has no such operation) or
    NOT_ACCEPTABLE (the request's Accept header asks for a type the spec does not serve); and
    UNPROCESSABLE_ENTITY, UNAUTHORIZED, INVALID_CONTENT_TYPE when no validator line already
    gave the reason.
- Not request violations (listed by ``response_problems()``, never failing a test):
  ``Violation: response...`` lines (the spec's own examples break its schemas: STAR's do)
  and any other ``Request terminated with error`` (e.g. NO_RESPONSE_DEFINED: Prism could
  not build a response).
- A request warning (``warnings()``, not failing): a ``[VALIDATOR]`` line at level
  ``warning`` other than "Request did not pass the validation rules", logged for a request
  that passed but e.g. used a deprecated parameter.

Prism's other output options were tried: ``--errors`` only turns RESPONSE violations into a
500 (and then skips the ``Violation:`` lines), so it would fail connectors on the vendors'
broken examples and is not used; ``-v debug`` adds request headers and response bodies
but still no query string; there is no JSON log option (the CLI always pretty-prints its
internal JSON log).

Blind spots of Prism 5.14.2, so of this harness: unknown query parameters and headers are
not reported; a body that is not valid JSON is answered 400 without any log line (so its
operation is missing from ``operations()``, which ``assert_clean`` does notice).

Log lines of validators and the negotiator carry no request; they belong to the latest
"Request received". That is exact while requests are sequential; concurrent requests
still have all their violations reported, maybe under another request's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
PRISM_DIR = REPO / "tools" / "prism"
PRISM_CLI = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
CONTRACT_SPECS = REPO / "tests" / "contracts" / "specs"

SpecPatch = Callable[[dict[str, Any]], dict[str, Any]]

_LINE = re.compile(
    r"^\[(?P<time>[^\]]*)\] › (?P<indent> *)\[(?P<name>[A-Z][A-Z ]*)\]"
    r"(?: (?P<method>[a-z]+) (?P<path>/\S*))? (?P<icon>\S+) +(?P<level>[a-z]+)(?: +(?P<msg>.*))?$"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TERMINATED = re.compile(
    r"^Request terminated with error: (?:\S*#(?P<code>[A-Z_]+): )?(?P<what>.*)$"
)
_ROUTING_CODES = frozenset(
    {
        "NO_PATH_MATCHED_ERROR",
        "NO_METHOD_MATCHED_ERROR",
        "NO_SERVER_MATCHED_ERROR",
        "NOT_ACCEPTABLE",
    }
)
_INVALID_REQUEST_CODES = frozenset({"UNPROCESSABLE_ENTITY", "UNAUTHORIZED", "INVALID_CONTENT_TYPE"})
_SYNC_PREFIX = "/__prism_harness__/sync/"
_LISTENING = re.compile(r"Prism is listening on (?P<url>http://\S+)")


class PrismNotInstalled(RuntimeError):
    """Node or the pinned Prism is missing: ``scripts/setup.sh`` installs both."""


class PrismStartError(RuntimeError):
    """Prism exited or never listened; the message has its own words."""


@dataclass(frozen=True)
class LogLine:
    """One line of Prism's log. ``method``/``path`` are the request it belongs to."""

    name: str
    level: str
    message: str
    method: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Violation:
    """A request that broke the spec, as Prism reported it."""

    method: str | None
    path: str | None
    message: str
    code: str | None = None

    def __str__(self) -> str:
        where = f"{self.method} {self.path}" if self.method else "(no request)"
        code = f" [{self.code}]" if self.code else ""
        return f"{where}: {self.message}{code}"


def parse_log(text: str) -> list[LogLine]:
    """Prism's pretty log as lines, each with the request it belongs to.

    Lines that do not look like a log line continue the previous message (Prism's fatal
    errors span several lines). Requests the harness makes to flush the log are dropped.
    """
    lines: list[LogLine] = []
    current: tuple[str, str] | None = None
    for raw in text.splitlines():
        m = _LINE.match(_ANSI.sub("", raw))
        if m is None:
            if lines and raw.strip():
                last = lines[-1]
                lines[-1] = LogLine(
                    last.name, last.level, f"{last.message}\n{raw}", last.method, last.path
                )
            continue
        msg = m["msg"] or ""
        if m["method"]:
            request = (m["method"].upper(), m["path"])
            if msg == "Request received":
                current = request
        else:
            request = current if m["name"] != "CLI" else None
        method, path = request if request else (None, None)
        lines.append(LogLine(m["name"], m["level"], msg, method, path))
    return [ln for ln in lines if not (ln.path or "").startswith(_SYNC_PREFIX)]


def operations_in(lines: Iterable[LogLine]) -> list[tuple[str, str]]:
    """(METHOD, path) of every request Prism received, in order."""
    return [
        (ln.method, ln.path)
        for ln in lines
        if ln.name == "HTTP SERVER"
        and ln.message == "Request received"
        and ln.method is not None
        and ln.path is not None
    ]


def _requests(lines: list[LogLine]) -> Iterator[list[LogLine]]:
    """The lines grouped by request, in the order Prism received the requests."""
    block: list[LogLine] = []
    for ln in lines:
        if ln.name == "HTTP SERVER" and ln.message == "Request received":
            if block:
                yield block
            block = [ln]
        elif ln.method is not None:
            block.append(ln)
    if block:
        yield block


def violations_in(lines: list[LogLine]) -> list[Violation]:
    """The request violations among Prism's log lines (see the module's doc for the rules)."""
    found: list[Violation] = []
    for block in _requests(lines):
        validator = [
            Violation(ln.method, ln.path, ln.message)
            for ln in block
            if ln.name == "VALIDATOR"
            and ln.level == "error"
            and not ln.message.startswith("Violation:")
        ]
        found += validator
        for ln in block:
            t = _TERMINATED.match(ln.message) if ln.name == "HTTP SERVER" else None
            if t is None:
                continue
            code = t["code"]
            if code in _ROUTING_CODES or (code in _INVALID_REQUEST_CODES and not validator):
                found.append(Violation(ln.method, ln.path, t["what"], code))
    return found


def response_problems_in(lines: list[LogLine]) -> list[str]:
    """What Prism found wrong on its own side: response violations and mock errors."""
    problems = []
    for ln in lines:
        where = f"{ln.method} {ln.path}: " if ln.method else ""
        if ln.name == "VALIDATOR" and ln.message.startswith("Violation: response"):
            problems.append(f"{where}{ln.message}")
        t = _TERMINATED.match(ln.message) if ln.name == "HTTP SERVER" else None
        if t and t["code"] not in _ROUTING_CODES | _INVALID_REQUEST_CODES:
            problems.append(f"{where}{ln.message}")
    return problems


def warnings_in(lines: list[LogLine]) -> list[Violation]:
    """Request checks Prism only warned about (the request still passed)."""
    return [
        Violation(ln.method, ln.path, ln.message)
        for ln in lines
        if ln.name == "VALIDATOR"
        and ln.level == "warning"
        and ln.message != "Request did not pass the validation rules"
        and not ln.message.startswith("Violation:")
    ]


def _template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?$"
    )


def format_report(
    spec: str,
    violations: list[Violation],
    missing: list[tuple[str, str]],
    received: list[tuple[str, str]],
    response_problems: list[str],
) -> str:
    out = [f"Prism contract check failed for {spec}:"]
    if violations:
        out.append(f"  requests that broke the spec ({len(violations)}):")
        out += [f"    {v}" for v in violations]
    if missing:
        out.append(f"  expected operations Prism never received ({len(missing)}):")
        out += [f"    {m} {p}" for m, p in missing]
    out.append(
        "  operations received: "
        + (", ".join(f"{m} {p}" for m, p in received) if received else "none")
    )
    if response_problems:
        out.append(
            f"  (not counted: {len(response_problems)} response-side problem(s), e.g. "
            f"{response_problems[0][:200]})"
        )
    return "\n".join(out)


def drop_query_params(*names: str) -> SpecPatch:
    """A spec patch removing the named query parameters from every operation, e.g. the
    Power Platform copies' client_id/client_secret/subscription_id."""

    def patch(spec: dict[str, Any]) -> dict[str, Any]:
        def resolve(param: dict[str, Any]) -> dict[str, Any]:
            ref = param.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return param
            node: Any = spec
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            return node if isinstance(node, dict) else param

        def keep(param: dict[str, Any]) -> bool:
            p = resolve(param)
            return not (p.get("in") == "query" and p.get("name") in names)

        for item in spec.get("paths", {}).values():
            holders = [item, *(op for op in item.values() if isinstance(op, dict))]
            for holder in holders:
                if isinstance(holder.get("parameters"), list):
                    holder["parameters"] = [p for p in holder["parameters"] if keep(p)]
        return spec

    return patch


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1: ``NO`` is false, ``14:30:00`` is 52200. Prism reads the specs
    as YAML 1.2, where both are strings. This loader resolves only 1.2's core values."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if not tag.endswith(("bool", "int", "float", "timestamp"))
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$"
    ),
    list("-+0123456789."),
)
_Yaml12Loader.add_constructor(
    "tag:yaml.org,2002:int",
    lambda loader, node: int(loader.construct_scalar(node), 10),  # no 1.1 octal "0123"
)


def load_spec(path: Path) -> dict[str, Any]:
    """The spec as Prism reads it: JSON, or YAML with 1.2 scalars."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Yaml12Loader)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not an OpenAPI/Swagger document")
    return data


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: Prism gets SIGTERM if the test process dies without stopping it."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class PrismMock:
    """``prism mock <spec> -h 127.0.0.1 -p <free port>`` for one spec, as a context manager.

    ``dynamic`` adds ``-d`` (responses generated from the schemas instead of the examples);
    ``patch`` changes the loaded spec (a dict) before Prism reads it, from a temp copy.
    ``violations()``, ``operations()`` and ``assert_clean()`` read Prism's log since the
    start or the last ``reset()``.
    """

    def __init__(
        self,
        spec: str | Path,
        *,
        dynamic: bool = False,
        patch: SpecPatch | None = None,
        port: int | None = None,
        start_timeout_s: float = 90.0,
        prism_cli: Path = PRISM_CLI,
        node: str | None = None,
        attempts: int = 5,
    ) -> None:
        self.spec = Path(spec)
        self.dynamic = dynamic
        self.patch = patch
        self.start_timeout_s = start_timeout_s
        self.prism_cli = prism_cli
        self.node = node
        self.attempts = attempts
        self.url = ""
        self.startup_s = 0.0
        self._first_port = port
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log: Path | None = None
        self._offset = 0

    # -- life cycle -------------------------------------------------------------------------

    def __enter__(self) -> PrismMock:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _command(self, spec_file: Path, port: int) -> list[str]:
        node = self.node or shutil.which("node")
        if not node:
            raise PrismNotInstalled(
                "Contract tests need Node.js, and `node` is not on PATH: run scripts/setup.sh "
                "(as root it installs Debian's nodejs and npm, then Stoplight Prism)."
            )
        if not self.prism_cli.is_file():
            raise PrismNotInstalled(
                f"Stoplight Prism is not installed ({self.prism_cli} is missing): run "
                "scripts/setup.sh, which installs it with npm ci (tools/prism/package-lock.json)."
            )
        cmd = [
            node,
            str(self.prism_cli),
            "mock",
            str(spec_file),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ]
        if self.dynamic:
            cmd.append("-d")
        return cmd

    def start(self) -> None:
        if self._proc is not None:
            raise RuntimeError("this PrismMock is already running")
        if not self.spec.is_file():
            raise FileNotFoundError(self.spec)
        self._workdir = Path(tempfile.mkdtemp(prefix="rooftop-prism-"))
        spec_file = self.spec
        if self.patch is not None:
            # JSON whatever the source: Prism reads it, and no YAML dumper can mis-type it.
            spec_file = self._workdir / f"{self.spec.stem}.patched.json"
            spec = self.patch(load_spec(self.spec))
            spec_file.write_text(json.dumps(spec, indent=1), encoding="utf-8")
        try:
            self._start_on_free_port(spec_file)
        except BaseException:
            self.stop()
            raise

    def _start_on_free_port(self, spec_file: Path) -> None:
        assert self._workdir is not None
        env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0", "SCARF_ANALYTICS": "false"}
        for attempt in range(1, self.attempts + 1):
            port = self._first_port if attempt == 1 and self._first_port else _free_port()
            cmd = self._command(spec_file, port)
            self._log = self._workdir / f"prism-{attempt}.log"
            err = self._workdir / f"prism-{attempt}.err"
            began = time.monotonic()
            with self._log.open("wb") as out, err.open("wb") as errf:
                self._proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=errf,
                    env=env,
                    cwd=self._workdir,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            url = self._wait_listening(began)
            if url:
                self.url = url
                self.startup_s = time.monotonic() - began
                self._offset = 0
                return
            stderr = err.read_text(encoding="utf-8", errors="replace")
            self._proc = None
            if "EADDRINUSE" in stderr and attempt < self.attempts:
                continue
            raise PrismStartError(self._start_failure(stderr))
        raise PrismStartError(f"Prism found no free port in {self.attempts} attempts")

    def _wait_listening(self, began: float) -> str | None:
        assert self._proc is not None and self._log is not None
        while time.monotonic() - began < self.start_timeout_s:
            m = _LISTENING.search(self._log.read_text(encoding="utf-8", errors="replace"))
            if m:
                return m["url"]
            if self._proc.poll() is not None:
                return None
            time.sleep(0.05)
        self._kill()
        raise PrismStartError(
            f"Prism did not listen within {self.start_timeout_s:.0f} s for {self.spec}:\n"
            + self._log.read_text(encoding="utf-8", errors="replace")[-2000:]
        )

    def _start_failure(self, stderr: str) -> str:
        assert self._log is not None
        fatal = [
            ln.message
            for ln in parse_log(self._log.read_text(encoding="utf-8", errors="replace"))
            if ln.level == "fatal"
        ]
        tail = [
            line
            for line in stderr.splitlines()
            if line.strip()
            and not line.startswith((" ", "prism mock", "Start a mock", "Positionals", "Options"))
        ]
        reason = "\n".join(fatal) or "\n".join(tail[-10:]) or "(no output)"
        return f"Prism could not start for {self.spec}:\n{reason}"

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            if proc is not None:
                proc.wait()
            return
        for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        """Stops Prism and its process group and removes the temp folder (log included)."""
        self._kill()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
            self._log = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # -- reading the log -----------------------------------------------------------------------

    def _sync(self, timeout_s: float = 10.0) -> str:
        """Makes sure every line about the requests answered so far is in the log file: one
        more request, to a path no spec has, whose own line comes after them."""
        if self._proc is None or self._log is None:
            raise RuntimeError("Prism is not running")
        marker = f"{_SYNC_PREFIX}{uuid.uuid4().hex}"
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(self.url + marker, timeout=timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            text = self._log.read_text(encoding="utf-8", errors="replace")
            if f" {marker} " in text:
                return text
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prism did not log the request to {marker}")
            time.sleep(0.02)

    def log_lines(self) -> list[LogLine]:
        """Prism's log since the start or the last ``reset()``."""
        return parse_log(self._sync()[self._offset :])

    def raw_log(self) -> str:
        return self._sync()[self._offset :]

    def reset(self) -> None:
        """Forget the requests so far: later calls see only what comes next."""
        self._offset = len(self._sync())

    def operations(self) -> list[tuple[str, str]]:
        """(METHOD, path) of every request Prism received, in order; no query string."""
        return operations_in(self.log_lines())

    def violations(self) -> list[Violation]:
        """Every request that broke the spec (validation errors and unknown routes)."""
        return violations_in(self.log_lines())

    def warnings(self) -> list[Violation]:
        return warnings_in(self.log_lines())

    def response_problems(self) -> list[str]:
        return response_problems_in(self.log_lines())

    def assert_clean(self, expected_ops: Iterable[tuple[str, str]]) -> None:
        """Fails unless no request broke the spec and every expected (METHOD, path) was
        received. A path may be a template from the spec: ("GET", "/customers/{key}")."""
        expected = [(m.upper(), p) for m, p in expected_ops]
        if not expected:
            raise ValueError("name at least one operation the test must have called")
        lines = self.log_lines()
        received = operations_in(lines)
        missing = [
            (m, p)
            for m, p in expected
            if not any(rm == m and _template_regex(p).match(rp) for rm, rp in received)
        ]
        violations = violations_in(lines)
        if violations or missing:
            raise AssertionError(
                format_report(
                    str(self.spec), violations, missing, received, response_problems_in(lines)
                )
            )
