"""Build Rooftop Sync for this operating system.

    python installer/build.py                 # the PyInstaller bundle (build/dist/RooftopSync)
    python installer/build.py --installer     # ... and the Windows installer (needs makensis)
    python installer/build.py --check-only    # only compile the NSIS script, on a stub bundle

On Windows the installer is built whenever makensis is found (``--no-installer`` skips
it). ``--check-only`` proves the installer script compiles on any OS with makensis
(Debian: ``apt-get install nsis``), without building the bundle first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402
from installer import bundle_checks, manifest  # noqa: E402

SPEC = ROOT / "installer" / "RooftopSync.spec"
NSI = ROOT / "installer" / "rooftop.nsi"
BUILD = ROOT / "build"
IS_WIN = sys.platform == "win32"


def version_quad(version: str) -> str:
    """``1.2.3rc1`` -> ``1.2.3.0``: the four numbers Windows version resources want."""
    numbers: list[str] = []
    for part in version.split(".")[:4]:
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        numbers.append(digits or "0")
    return ".".join([*numbers, "0", "0", "0", "0"][:4])


def find_makensis(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    found = shutil.which("makensis")
    if found:
        return found
    for env in ("ProgramFiles(x86)", "ProgramFiles"):
        base = os.environ.get(env)
        if base and (Path(base) / "NSIS" / "makensis.exe").is_file():
            return str(Path(base) / "NSIS" / "makensis.exe")
    return None


def makensis_command(makensis: str, bundle: Path, outfile: Path) -> list[str]:
    # "-" options work with makensis on Windows and on POSIX; -WX makes warnings errors.
    return [
        makensis,
        "-V2",
        "-WX",
        f"-DVERSION={__version__}",
        f"-DVERSION_QUAD={version_quad(__version__)}",
        f"-DBUNDLE_DIR={bundle}",
        f"-DOUTFILE={outfile}",
        str(NSI),
    ]


def compile_installer(makensis: str, bundle: Path, outfile: Path) -> int:
    outfile.parent.mkdir(parents=True, exist_ok=True)
    cmd = makensis_command(makensis, bundle, outfile)
    print("$ " + " ".join(cmd), flush=True)
    code = subprocess.run(cmd, check=False).returncode
    if code == 0:
        print(f"Installer: {outfile} ({outfile.stat().st_size / 1e6:.1f} MB)")
    return code


def make_stub_bundle(folder: Path) -> Path:
    """An empty stand-in bundle so the installer's File commands resolve."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "_internal").mkdir(parents=True)
    for name in (manifest.GUI_NAME, manifest.CLI_NAME):
        (folder / f"{name}.exe").write_bytes(b"MZ stub for the installer compile check\n")
    (folder / "_internal" / "README.txt").write_text("stub bundle\n", encoding="utf-8")
    return folder


def check_only(makensis: str | None) -> int:
    if makensis is None:
        print("makensis was not found (Debian: apt-get install nsis).", file=sys.stderr)
        return 2
    stub = make_stub_bundle(BUILD / "nsis-stub" / manifest.BUNDLE_NAME)
    return compile_installer(makensis, stub, BUILD / "nsis-check" / "RooftopSync-Setup-check.exe")


def run_pyinstaller(dist: Path, work: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",
        str(SPEC),
    ]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    return dist / manifest.BUNDLE_NAME


def verify(bundle: Path, max_mib: float | None) -> int:
    """Trim and check the bundle; print what a release manager wants to know."""
    problems = 0
    exe = bundle / (f"{manifest.GUI_NAME}.exe" if IS_WIN else manifest.GUI_NAME)
    if not exe.is_file():
        print(f"FAIL  no executable at {exe}")
        return 1
    if sys.platform.startswith("linux"):
        saved = bundle_checks.strip_debug_info(bundle)
        print(f"ok    stripped debug information: {saved / 1e6:.1f} MB saved")
        unresolved = bundle_checks.unresolved_libraries(bundle)
        for lib, users in sorted(unresolved.items()):
            problems += 1
            print(f"FAIL  {lib} is needed by {', '.join(users[:3])} but is not in the bundle")
        if not unresolved:
            print("ok    every shared library the bundle links against is present")
    missing = bundle_checks.missing_app_modules(ROOT, exe)
    if missing:
        problems += 1
        print(f"FAIL  app modules missing from the bundle: {', '.join(missing)}")
    else:
        print(f"ok    all {len(bundle_checks.app_modules(ROOT))} app modules are in the bundle")
    lost = bundle_checks.missing_resources(ROOT, bundle)
    if lost:
        problems += 1
        print(f"FAIL  resource files missing from the bundle: {', '.join(lost)}")
    else:
        print("ok    every file of resources/ (icons, user guide, schemas) is in the bundle")
    # MiB: the unit `du -h` and Windows Explorer show (Explorer labels it "MB")
    size = bundle_checks.bundle_size(bundle)
    mib = size / 2**20
    verdict = "ok  " if max_mib is None or mib <= max_mib else "FAIL"
    target = f", target < {max_mib:.0f} MiB" if max_mib else ""
    print(
        f"{verdict}  bundle size: {mib:.1f} MiB unpacked ({size / 1e6:.1f} million bytes"
        f"{target}) in {bundle}"
    )
    if verdict == "FAIL":
        problems += 1
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true", help="only compile the NSIS script")
    parser.add_argument("--installer", action="store_true", help="build the installer too")
    parser.add_argument("--no-installer", action="store_true", help="never build the installer")
    parser.add_argument("--makensis", help="path to makensis (default: PATH, Program Files)")
    parser.add_argument("--dist", type=Path, default=BUILD / "dist")
    parser.add_argument("--work", type=Path, default=BUILD / "pyi-work")
    parser.add_argument(
        "--max-mib", type=float, help="fail if the unpacked bundle is bigger (MiB, as du -h)"
    )
    args = parser.parse_args(argv)

    makensis = find_makensis(args.makensis)
    if args.check_only:
        return check_only(makensis)

    started = time.monotonic()
    bundle = run_pyinstaller(args.dist.resolve(), args.work.resolve())
    print(f"Bundle built in {time.monotonic() - started:.0f} s: {bundle}")
    code = verify(bundle, args.max_mib)
    if code:
        return code
    want_installer = args.installer or (IS_WIN and not args.no_installer)
    if want_installer:
        if makensis is None:
            print("makensis was not found: install NSIS to build the installer.", file=sys.stderr)
            return 2
        outfile = args.dist.resolve() / f"RooftopSync-Setup-{__version__}.exe"
        code = compile_installer(makensis, bundle, outfile)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
