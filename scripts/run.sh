#!/usr/bin/env bash
# Sets everything up, then opens Rooftop Sync on the built-in demo dealership (simulated
# DMS, CRM, website and marketing servers on 127.0.0.1; data folder .demo/data).
# With no display (a server, a CI box), it says so and runs the demo headless instead:
# every demo flow once, a summary, and screenshots of every screen in .demo/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

DATA_DIR=${ROOFTOP_DATA_DIR:-$PWD/.demo/data}
run_app() {
  # A desktop session has its own keyring; a bare machine gets a private gnome-keyring.
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -n "${ROOFTOP_IN_KEYRING_SESSION:-}" ]; then
    .venv/bin/python main.py --data-dir "$DATA_DIR" "$@"
  else
    bash scripts/with-keyring.sh "$PWD/.demo/keyring" .venv/bin/python main.py --data-dir "$DATA_DIR" "$@"
  fi
}

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY is not set): running Rooftop Sync headless instead."
  export QT_QPA_PLATFORM=offscreen
  run_app demo --headless --screenshots "$PWD/.demo/screenshots" "$@"
  echo "On a desktop, run this command again to open the window."
  exit 0
fi
run_app demo "$@"
