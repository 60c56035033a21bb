#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (Secret
# Service), so keyring-backed secrets work on a machine with no desktop session.
# Usage: scripts/with-keyring.sh KEYRING_DIR COMMAND...
set -euo pipefail
if [ -z "${ROOFTOP_IN_KEYRING_SESSION:-}" ]; then
  export ROOFTOP_IN_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
keyring_dir=$1; shift
mkdir -p "$keyring_dir"
# gnome-keyring keeps its files under $XDG_DATA_HOME/keyrings; keep them beside the project
export XDG_DATA_HOME="$keyring_dir"
# and its control socket in a runtime folder of its own: with a shared one, a second
# session's daemon replaces the first one's mid-run (locked, with no prompt to unlock it)
mkdir -p -m 700 "$keyring_dir/run"
export XDG_RUNTIME_DIR="$keyring_dir/run"
printf 'rooftop-local-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring
exec "$@"
