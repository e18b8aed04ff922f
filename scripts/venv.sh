#!/usr/bin/env bash
# Creates (once) a project-local Python virtualenv .venv/NAME with the pinned packages of requirements/NAME.txt,
# and prints the path of its bin/ folder. Idempotent: re-installs only when the requirements file changed.
# Usage: scripts/venv.sh moto   ->  /path/to/repo/.venv/moto/bin
set -euo pipefail
name="${1:?usage: scripts/venv.sh NAME}"
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/requirements/$name.txt"
venv="$root/.venv/$name"
[ -f "$req" ] || { echo "scripts/venv.sh: no $req" >&2; exit 2; }
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "scripts/venv.sh: python3 is required" >&2; exit 2; }
# One setup at a time per venv (parallel test runs or worktrees sharing .venv would otherwise race).
mkdir -p "$root/.venv"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.venv/.$name.lock"
  flock 9
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setting up .venv/$name (once) ..." >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin"
