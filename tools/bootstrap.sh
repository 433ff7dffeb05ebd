#!/usr/bin/env bash
# Installs what the repository needs, idempotently, on a fresh Debian/Ubuntu machine or a developer laptop:
#   python  - .venv from requirements.lock, plus this project editable (pyproject.toml: llmgw, the callbacks, the
#             emulator)
#   checkov - .venv-checkov from requirements-checkov.lock (kept apart: checkov ships its own hcl2 fork)
#   system  - VictoriaMetrics (victoria-metrics, vmagent, vmalert), promtool, Alertmanager, redis, haproxy (the
#             two-instance tests), PostgreSQL (the database user
#             bootstrap test), docker-compose (validation only)
#   node    - node tools pinned under tools/<name>/ (workflow linters, AWS provider schema) into .tools/<name>/
# Usage: tools/bootstrap.sh [python] [checkov] [system] [node]   (no argument: python only)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
want=("$@")
[[ ${#want[@]} -eq 0 ]] && want=(python)

stamp_ok() { # $1 stamp file, $2... the files installed from: true when none has changed since the last install
  [[ -f $1 ]] && cat "${@:2}" | cmp -s "$1" -
}

need_python311() {
  "$PYTHON" - <<'PY' || { echo "error: Python 3.11+ is required ($PYTHON is older); set PYTHON=/path/to/python3.11" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
}

pip_with_progress() { # $1 venv, $2 lock file: pip install -r, one line per package ("[12/172] litellm==1.106.2")
  local total
  total=$(grep -cvE '^[[:space:]]*(#|$)' "$2")
  "$1/bin/pip" install --disable-pip-version-check --progress-bar off -r "$2" \
    | awk -v total="$total" '/^Collecting / { n++; printf "    [%d/%d] %s\n", n, total, $2; fflush() }'
}

install_python() {
  need_python311
  if ! stamp_ok .venv/.installed requirements.lock pyproject.toml; then
    echo "==> installing $(grep -cvE '^[[:space:]]*(#|$)' requirements.lock) Python packages into .venv" \
      "(requirements.lock; the first run downloads them and takes a few minutes) and the project, editable"
    [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
    pip_with_progress .venv requirements.lock
    .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
    cat requirements.lock pyproject.toml > .venv/.installed
  fi
}

install_checkov() {
  need_python311
  if ! stamp_ok .venv-checkov/.installed requirements-checkov.lock; then
    echo "==> installing checkov into .venv-checkov (requirements-checkov.lock)"
    [[ -x .venv-checkov/bin/python ]] || "$PYTHON" -m venv .venv-checkov
    pip_with_progress .venv-checkov requirements-checkov.lock
    cp requirements-checkov.lock .venv-checkov/.installed
  fi
}

apt_install() { # installs the Debian packages that are missing; needs root (or sudo)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "error: missing system packages (${missing[*]}) and no apt-get: install them with your package manager" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_system() {
  apt_install victoria-metrics prometheus prometheus-alertmanager redis-server haproxy postgresql docker-compose \
    shellcheck
  # Debian starts the packaged services; the repository runs its own instances on its own ports.
  local sudo="" svc
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  for svc in victoria-metrics prometheus prometheus-alertmanager redis-server haproxy postgresql; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $sudo systemctl stop "$svc" || true
    fi
  done
}

install_node() { # every tools/<name>/package-lock.json is installed into .tools/<name>/node_modules
  local dir name
  for dir in tools/*/; do
    [[ -f $dir/package-lock.json ]] || continue
    if ! command -v npm >/dev/null; then
      echo "error: npm is required for the node tools in $dir (apt-get install npm)" >&2
      exit 1
    fi
    name=$(basename "$dir")
    if ! stamp_ok ".tools/$name/.installed" "$dir/package-lock.json"; then
      echo "==> npm ci $dir -> .tools/$name"
      mkdir -p ".tools/$name"
      cp "$dir/package.json" "$dir/package-lock.json" ".tools/$name/"
      (cd ".tools/$name" && npm ci --silent --no-audit --no-fund >/dev/null)
      cp "$dir/package-lock.json" ".tools/$name/.installed"
    fi
  done
}

for w in "${want[@]}"; do
  case $w in
    python) install_python ;;
    checkov) install_checkov ;;
    system) install_system ;;
    node) install_node ;;
    *) echo "error: unknown component '$w' (python, checkov, system, node)" >&2; exit 2 ;;
  esac
done
