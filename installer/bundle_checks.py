"""Checks and trims on a built bundle: size, every app module and resource file (the user
guide too) inside, debug info stripped, and (Linux) every shared library a bundled file
links against actually present."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from installer import manifest

ELF_MAGIC = b"\x7fELF"
SYSTEM_LOADERS = ("ld-linux", "ld64.so", "linux-vdso")  # the dynamic loader is never bundled


def bundle_size(folder: Path) -> int:
    """Bytes on disk, unpacked (symlinks counted once, as links)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def app_modules(root: Path, package: str = "app") -> set[str]:
    """Dotted names of every module of ``package`` in the source tree."""
    return manifest.source_modules(root, package)


def frozen_modules(executable: Path) -> set[str]:
    """Module names inside the executable's embedded archive (PYZ)."""
    from PyInstaller.archive.readers import pkg_archive_contents

    return {name for name in pkg_archive_contents(str(executable), recursive=True)}


def missing_app_modules(root: Path, executable: Path) -> list[str]:
    return sorted(app_modules(root) - frozen_modules(executable))


def missing_resources(root: Path, bundle: Path) -> list[str]:
    """Files of the source tree's resource folders (icons, the user guide, schemas) that
    are not in the bundle, which keeps them in ``_internal/`` (PyInstaller 6) or beside
    the executable."""
    missing: list[str] = []
    for folder in manifest.RESOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(root)
            if not ((bundle / "_internal" / rel).is_file() or (bundle / rel).is_file()):
                missing.append(rel.as_posix())
    return missing


def _elf_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == ELF_MAGIC:
                    yield path


def _readelf(args: Iterable[str]) -> str:
    return subprocess.run(["readelf", *args], capture_output=True, text=True, check=False).stdout


def strip_debug_info(folder: Path) -> int:
    """Remove debug sections (only) from ELF files that carry them; returns bytes saved.

    A self-built Python (pyenv) and several Cython extensions ship with full debug info:
    about 40 MB the user never needs. Files without debug sections are left untouched,
    which keeps auditwheel-patched libraries (numpy.libs, ...) byte-for-byte as shipped.
    """
    if not shutil.which("strip") or not shutil.which("readelf"):
        return 0
    saved = 0
    for path in _elf_files(folder):
        if ".debug_info" not in _readelf(["-S", "--wide", str(path)]):
            continue
        before = path.stat().st_size
        mode = path.stat().st_mode
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        path.chmod(mode)
        saved += before - path.stat().st_size
    return saved


def unresolved_libraries(folder: Path) -> dict[str, list[str]]:
    """Linux: NEEDED libraries that are neither in the bundle nor left to the system.

    PyInstaller leaves some libraries (libc, libGL, ...) to the target system on purpose;
    anything else a bundled file links against must be inside the bundle, or the bundle
    only works on machines that happen to have it.
    """
    from PyInstaller.depend import dylib

    if not shutil.which("readelf"):
        return {}
    present = {p.name for p in folder.rglob("*")}
    missing: dict[str, list[str]] = {}
    for path in _elf_files(folder):
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", _readelf(["-d", str(path)]))
        for lib in needed:
            if lib in present or lib.startswith(SYSTEM_LOADERS) or not dylib.include_library(lib):
                continue
            missing.setdefault(lib, []).append(str(path.relative_to(folder)))
    return missing
