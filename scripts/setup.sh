#!/usr/bin/env bash
# Sets up everything Rooftop Sync needs on a Debian machine: system libraries for Qt,
# a virtual display, a Secret Service keyring, the Python virtual environment, and Node with
# Stoplight Prism for the contract tests (tests/contracts).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Qt's xcb/offscreen platform plugins and fonts
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0
  libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core
  # a virtual screen for screenshots and a real keyring for secrets
  xvfb x11-utils dbus dbus-x11 gnome-keyring
  # compiles the Windows installer script, so a syntax error fails CI
  nsis
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these system packages are missing: ${missing[*]}" >&2
    echo "setup: run this script as root once, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.rooftop-installed
want=$(cat pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (this takes a minute the first time)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
  echo "$want" > "$stamp"
fi

# Node and npm for Stoplight Prism (the contract tests' mock server). A machine that already
# has them (e.g. NodeSource's nodejs, which bundles npm) keeps its own: Debian's npm package
# conflicts with it. Otherwise Debian's nodejs (18.20 on bookworm) and npm.
node_missing=()
command -v node >/dev/null 2>&1 || node_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || node_missing+=(npm)
if [ ${#node_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: the contract tests need Node and npm: sudo apt-get install ${node_missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${node_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${node_missing[@]}" >/dev/null
fi
node_version=$(node -p 'process.versions.node')
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 20) ? 0 : 1)'; then
  echo "setup: Prism needs Node 18.20 or newer; this node is $node_version" >&2
  exit 1
fi

# Stoplight Prism, exactly as tools/prism/package-lock.json pins it (see tools/prism/README.md).
# No package needs an install script, so none runs.
prism_dir=tools/prism
prism_stamp=$prism_dir/node_modules/.rooftop-installed
prism_want=$(cat "$prism_dir/package.json" "$prism_dir/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -f "$prism_stamp" ] || [ "$(cat "$prism_stamp")" != "$prism_want" ] \
  || [ ! -f "$prism_dir/node_modules/@stoplight/prism-cli/dist/index.js" ]; then
  echo "setup: installing Stoplight Prism (npm ci in $prism_dir)"
  npm_log=$(mktemp)
  if ! (cd "$prism_dir" && npm ci --ignore-scripts --no-audit --no-fund >"$npm_log" 2>&1); then
    cat "$npm_log" >&2
    rm -f "$npm_log"
    echo "setup: npm ci failed in $prism_dir" >&2
    exit 1
  fi
  rm -f "$npm_log"
  echo "$prism_want" > "$prism_stamp"
fi
