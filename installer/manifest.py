"""What the bundle needs beyond what PyInstaller finds by following ``import`` statements.

PyInstaller reads the byte code of every module it reaches from ``main.py``, so a plain
``import x`` anywhere (even inside a function) is found on its own. What it cannot see is
code loaded by name at run time: entry points (keyring backends, APScheduler triggers,
executors and job stores), ``importlib.import_module`` (phonenumbers' per-region metadata,
uvicorn's loop and protocol choices), and data files read from a package folder (icon
fonts, the address parser's model, translations). Those are listed here as plain data so
``RooftopSync.spec`` and the tests share one source of truth.
"""

from __future__ import annotations

from pathlib import Path

# The whole app package, whatever is added later: the spec takes every module found by
# collect_submodules("app") and every .py file under app/ (which also covers folders
# without an __init__.py, i.e. namespace packages that collect_submodules skips).
APP_PACKAGE = "app"


def source_modules(root: Path, package: str = APP_PACKAGE) -> set[str]:
    """Dotted names of every module of ``package`` in the source tree under ``root``."""
    names = set()
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.add(".".join(parts))
    return names


# Collected with every submodule (collect_submodules), because they import by name.
SUBMODULE_PACKAGES: tuple[str, ...] = (
    "keyring.backends",  # chosen by entry point or PYTHON_KEYRING_BACKEND
    "apscheduler.triggers",  # the scheduler passes trigger objects; executors and
    "apscheduler.executors",  # job stores are still looked up through entry points
    "phonenumbers.data",  # per-region metadata modules, imported lazily by region code
    "phonenumbers.shortdata",
    "nameparser.config",
    "vininfo",
    "cron_descriptor",
)

# Single modules that are imported by name (or only under a condition PyInstaller skips).
HIDDEN_MODULES: tuple[str, ...] = (
    # keyring on Linux: Secret Service over D-Bus
    "keyring.backends.SecretService",
    "keyring.backends.chainer",
    "secretstorage",
    "jeepney.io.blocking",
    # APScheduler 3 pieces the scheduling code uses
    "apscheduler.schedulers.background",
    "apscheduler.schedulers.blocking",
    "apscheduler.jobstores.memory",
    "apscheduler.jobstores.sqlalchemy",
    "apscheduler.executors.pool",
    "tzlocal",
    "zoneinfo",
    "tzdata",
    # the demo dealership's servers: uvicorn picks loop and protocol classes by name
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "uvicorn.lifespan.off",
    "uvicorn.logging",
    "starlette.routing",
    "starlette.responses",
    "aiosmtpd.controller",
    "aiosmtpd.smtp",
    "aiosmtpd.handlers",
    # data libraries the domain, matching and format code use (some only lazily)
    "phonenumbers",
    "email_validator",
    "nameparser",
    "usaddress",
    "pycrfsuite",
    "scourgify",
    "rapidfuzz",
    "openpyxl",
    "paramiko",
    "defusedxml.ElementTree",
    "filelock",
    "httpx",
    "sqlalchemy.dialects.sqlite",
    "platformdirs.unix",
    "platformdirs.windows",
    # pyqtgraph (dashboard charts) loads these two with importlib.import_module
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
)

# Packages whose data files (non-Python) must travel with them.
DATA_PACKAGES: tuple[str, ...] = (
    "qtawesome",  # the icon fonts (.ttf) and their charmaps (.json)
    "usaddress",  # usaddr.crfsuite: the trained address-parsing model
    "cron_descriptor",  # locale/*.mo: cron expressions described in words
    "email_validator",  # py.typed only today; cheap insurance for later data files
    "tzdata",  # the IANA time zone files zoneinfo needs on Windows
)

# Distribution metadata read at run time (entry points, versions).
METADATA: tuple[str, ...] = ("keyring", "APScheduler")

# Windows-only pieces (keyring's Credential Manager backend needs pywin32-ctypes).
WINDOWS_HIDDEN_MODULES: tuple[str, ...] = (
    "keyring.backends.Windows",
    "win32ctypes.core",
    "win32ctypes.pywin32.win32cred",
)
WINDOWS_SUBMODULE_PACKAGES: tuple[str, ...] = ("win32ctypes",)

# Qt modules the app never uses: their Python bindings, libraries and plugins stay out.
QT_EXCLUDES: tuple[str, ...] = tuple(
    f"PySide6.{name}"
    for name in [
        "Qt3DAnimation",
        "Qt3DCore",
        "Qt3DExtras",
        "Qt3DInput",
        "Qt3DLogic",
        "Qt3DRender",
        "QtBluetooth",
        "QtCharts",
        "QtDataVisualization",
        "QtDesigner",
        "QtGraphs",
        "QtGraphsWidgets",
        "QtHelp",
        "QtHttpServer",
        "QtLabsStyleKit",
        "QtLocation",
        "QtMultimedia",
        "QtMultimediaWidgets",
        "QtNfc",
        "QtNetwork",
        "QtNetworkAuth",
        "QtPdf",
        "QtPdfWidgets",
        "QtPositioning",
        "QtQml",
        "QtQmlFeatures",
        "QtQuick",
        "QtQuick3D",
        "QtQuickControls2",
        "QtQuickTest",
        "QtQuickWidgets",
        "QtRemoteObjects",
        "QtScxml",
        "QtSensors",
        "QtSerialBus",
        "QtSerialPort",
        "QtSpatialAudio",
        "QtSql",
        "QtStateMachine",
        "QtTest",
        "QtTextToSpeech",
        "QtUiTools",
        "QtWebChannel",
        "QtWebEngineCore",
        "QtWebEngineQuick",
        "QtWebEngineWidgets",
        "QtWebSockets",
        "QtWebView",
    ]
)

# Everything else that must not ride along: other GUI toolkits, test suites, dev tools,
# optional back-ends nobody configured, and the 40 MB phone-number geocoding tables.
EXCLUDES: tuple[str, ...] = (
    *QT_EXCLUDES,
    "PyQt5",
    "PyQt6",
    "PySide2",
    "tkinter",
    "_tkinter",
    "turtle",
    "idlelib",
    "lib2to3",
    "test",
    "unittest.test",
    "pytest",
    "_pytest",
    "pytestqt",
    "mypy",
    "IPython",
    "matplotlib",
    "scipy",
    "PIL",
    "rich",  # only httpx's optional command line wants these two
    "pygments",
    "psutil",  # numpy.testing asks for it; nothing the app runs does
    "pandas.tests",
    "numpy.tests",
    "numpy.f2py",
    "scourgify.tests",
    "phonenumbers.geodata",
    "phonenumbers.geocoder",
    "pyqtgraph.examples",
    "pyqtgraph.opengl",
    "pyqtgraph.jupyter",
    "websockets",
    "wsproto",
    "uvloop",
    "httptools",
    "watchfiles",
)

# Qt plugins the app cannot use, as "<folder>/<plugin name>" (no "lib" prefix, no
# extension, so one entry covers Linux, Windows and macOS) or a whole "<folder>/":
# embedded-Linux platforms and input drivers, GTK theming (it drags in GTK, Cairo and
# Pango), networking, and image formats the app never reads.
QT_PLUGIN_DROPS: tuple[str, ...] = (
    "egldeviceintegrations/",
    "generic/",
    "networkinformation/",
    "tls/",
    "platformthemes/qgtk3",
    "platforms/qeglfs",
    "platforms/qlinuxfb",
    "platforms/qminimalegl",
    "platforms/qvkkhrdisplay",
    "platforms/qvnc",
    "imageformats/qicns",
    "imageformats/qtga",
    "imageformats/qtiff",
    "imageformats/qwbmp",
    "imageformats/qwebp",
)
# Qt's own translations: the app speaks English only, so Qt's dialogs should too.
QT_TRANSLATIONS_DIR = "translations/"

# Linux system libraries PyInstaller copies only because of the plugins dropped above
# (GTK, Cairo, Pango, ATK, X extensions, Kerberos...). build.py checks after the build that every
# library a bundled file links against is in the bundle or provided by the system.
LINUX_UNUSED_LIBS: tuple[str, ...] = (
    "libatk-1.0.so",
    "libatk-bridge-2.0.so",
    "libatspi.so",
    "libblkid.so",
    "libbsd.so",
    "libcairo-gobject.so",
    "libcairo.so",
    "libcom_err.so",
    "libdatrie.so",
    "libepoxy.so",
    "libfribidi.so",
    "libgdk-3.so",
    "libgdk_pixbuf-2.0.so",
    "libgraphite2.so",
    "libgssapi_krb5.so",
    "libgtk-3.so",
    "libharfbuzz.so",
    "libjpeg.so",
    "libk5crypto.so",
    "libkeyutils.so",
    "libkrb5.so",
    "libkrb5support.so",
    "libmd.so",
    "libmount.so",
    "libpango-1.0.so",
    "libpangocairo-1.0.so",
    "libpangoft2-1.0.so",
    "libpixman-1.so",
    "libselinux.so",
    "libthai.so",
    "libXau.so",
    "libXcomposite.so",
    "libXcursor.so",
    "libXdamage.so",
    "libXdmcp.so",
    "libXext.so",
    "libXfixes.so",
    "libXi.so",
    "libXinerama.so",
    "libXrandr.so",
    "libXrender.so",
    "libgio-2.0.so",
    "libgmodule-2.0.so",
    "libgobject-2.0.so",
    # Qt libraries only the dropped plugins load (QtNetwork's Python module is excluded)
    "libQt6Network.so",
    "libQt6EglFSDeviceIntegration.so",
    "libQt6EglFsKmsSupport.so",
)


def _plugin_key(rel: str) -> str:
    """``platforms/libqvnc.so`` / ``platforms/qvnc.dll`` -> ``platforms/qvnc``."""
    folder, _, name = rel.rpartition("/")
    stem = name.split(".")[0]
    stem = stem[3:] if stem.startswith("lib") else stem
    return f"{folder}/{stem}"


def keep_in_bundle(dest: str, *, linux: bool) -> bool:
    """False for a bundled file (its path inside the bundle) that the app never uses."""
    dest = dest.replace("\\", "/")
    for prefix in ("PySide6/Qt/plugins/", "PySide6/plugins/"):
        if dest.startswith(prefix):
            rel = dest[len(prefix) :]
            key = _plugin_key(rel)
            return not any(
                key == d or (d.endswith("/") and rel.startswith(d)) for d in QT_PLUGIN_DROPS
            )
    for prefix in ("PySide6/Qt/", "PySide6/"):
        if dest.startswith(prefix + QT_TRANSLATIONS_DIR):
            return False
    if linux:
        if dest.startswith("tzdata/"):
            return False  # zoneinfo reads the system's /usr/share/zoneinfo on Linux
        name = dest.rpartition("/")[2]
        if ".so" in name:
            return name.split(".so")[0] + ".so" not in LINUX_UNUSED_LIBS
    return True


# The folder of the repository copied into the bundle next to the executable.
RESOURCE_DIRS: tuple[str, ...] = ("resources",)

# Names of the executables in the bundle.
GUI_NAME = "RooftopSync"
CLI_NAME = "RooftopSyncCli"  # Windows only: a console twin for scripts and the self-test
BUNDLE_NAME = "RooftopSync"
