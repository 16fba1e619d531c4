#!/usr/bin/env bash
# One entry point for people and CI: installs what SMTP Doctor needs on a Debian machine, then
#   bash build/dev.sh app     open the desktop app (practice server and profiles on first start)
#   bash build/dev.sh test    run the whole test suite: lint, types, unit, integration, GUI, peers
#   bash build/dev.sh setup   only install
# Idempotent and quick when everything is already there. Needs root (or sudo) for apt-get.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

# System packages, every one named (installed with --no-install-recommends, so nothing comes in by
# Recommends): Qt's runtime libraries and a font, Xvfb for screenshots, the Secret Service
# (gnome-keyring on a private D-Bus), the real peers (Postfix, Dovecot, swaks with the Perl modules it
# needs for TLS, AUTH, IPv6 and MX routing), dnsmasq as the loopback DNS server, iproute2 for the
# network-namespace tests, chattr for the read-only-folder test, poppler for the PDF checks, binutils
# for PyInstaller.
APT_PACKAGES=(
  libegl1 libgl1 libopengl0 libfontconfig1 fonts-dejavu-core libdbus-1-3 libglib2.0-0
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1
  xvfb xauth dbus-daemon dbus-user-session gnome-keyring postfix dovecot-core poppler-utils
  swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl libdigest-hmac-perl
  libauthen-ntlm-perl libnet-dns-perl libio-socket-inet6-perl libsocket6-perl
  dnsmasq-base iproute2 e2fsprogs ca-certificates binutils python3-venv
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup_system() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix must not ask questions nor write /etc/postfix/main.cf: tests run private instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# After installing, prove the capabilities the suite relies on, and name the package to install in one
# line each, instead of a dozen test failures later.
check_setup() {
  local problems=()
  need() {  # need PACKAGE DESCRIPTION COMMAND...
    local pkg=$1 what=$2
    shift 2
    "$@" >/dev/null 2>&1 || problems+=("$what does not work: install the Debian package $pkg")
  }
  local support
  support=$(swaks --support 2>&1 || true)
  swaks_can() { grep -q "^=== $1 supported" <<<"$support"; }
  need libnet-ssleay-perl "swaks STARTTLS (Net::SSLeay, IO::Socket::SSL)" swaks_can "TLS"
  need libauthen-sasl-perl "swaks AUTH (Authen::SASL)" swaks_can "Basic AUTH"
  need libdigest-hmac-perl "swaks AUTH CRAM-MD5 (Digest::HMAC)" swaks_can "AUTH CRAM-MD5"
  need libauthen-ntlm-perl "swaks AUTH NTLM (Authen::NTLM)" swaks_can "AUTH NTLM"
  need libnet-dns-perl "swaks MX routing (Net::DNS)" swaks_can "MX Routing"
  need libio-socket-inet6-perl "swaks IPv6 (IO::Socket::INET6)" swaks_can "IPv6"
  need postfix "postfix" command -v postconf
  need dovecot-core "dovecot" command -v doveadm
  need dbus-daemon "dbus-run-session" command -v dbus-run-session
  need gnome-keyring "gnome-keyring-daemon" command -v gnome-keyring-daemon
  need poppler-utils "pdftoppm" command -v pdftoppm
  need dnsmasq-base "dnsmasq" command -v dnsmasq
  need iproute2 "ip" command -v ip
  need e2fsprogs "chattr" command -v chattr
  need xvfb "xvfb-run" command -v xvfb-run
  if [ ${#problems[@]} -gt 0 ]; then
    printf 'setup check: %s\n' "${problems[@]}" >&2
    exit 1
  fi
}

# The Qt libraries load (a missing xcb or GL library otherwise shows up as a crash in the GUI tests).
check_qt() {
  QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -c "from PySide6.QtWidgets import QApplication; QApplication([])" \
    >/dev/null 2>&1 || { echo "setup check: Qt does not start offscreen (a Qt runtime library is missing):" >&2
      QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -c "from PySide6.QtWidgets import QApplication; QApplication([])" 2>&1 | tail -3 >&2
      exit 1; }
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv in .venv"
    "$PY" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp="$VENV/.pyproject.sha256" want
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages (pinned in pyproject.toml)"
    # compat mode: a plain .pth path entry, which costs nothing at start-up (the default finder costs ~15 ms)
    "$VENV/bin/pip" install -q --disable-pip-version-check --config-settings editable_mode=compat -e "$ROOT[test,build]" 2>&1 | grep -v "is ignored" || true
    "$VENV/bin/python" -c "import PySide6.QtWidgets, keyring, msal, aiosmtpd, pytest" \
      || { echo "Python packages did not install" >&2; exit 1; }
    echo "$want" >"$stamp"
  fi
}

run_app() {
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    say "no display: opening the app on a virtual screen (Xvfb); set DISPLAY to see it"
    exec xvfb-run -a -s "-screen 0 1400x900x24" "$VENV/bin/smtp-doctor" gui "$@"
  fi
  exec "$VENV/bin/smtp-doctor" gui "$@"
}

run_tests() {
  cd "$ROOT"
  say "ruff"
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check . >/dev/null || { "$VENV/bin/ruff" format --diff . | head -40; exit 1; }
  say "mypy (strict)"
  "$VENV/bin/mypy"
  say "import-linter (layers, no cycles, core without Qt)"
  "$VENV/bin/lint-imports" --no-cache >/dev/null || "$VENV/bin/lint-imports" --no-cache
  say "pytest (offscreen Qt, real Secret Service on a private D-Bus, throwaway HOME)"
  local scratch status=0
  # The whole suite (no arguments) also measures coverage, with the floor set in pyproject.toml.
  [ $# -eq 0 ] && set -- --cov=core --cov=gui --cov-report=term:skip-covered
  scratch=$(mktemp -d)
  mkdir -p "$scratch/home" "$scratch/run"
  chmod 700 "$scratch/run"
  # gnome-keyring-daemon lives only as long as this private bus; nothing is left running.
  HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" XDG_CONFIG_HOME="$scratch/home/.config" \
  XDG_DATA_HOME="$scratch/home/.local/share" QT_QPA_PLATFORM=offscreen \
    dbus-run-session -- sh -c '
      echo smtp-doctor-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
      exec "$0" -m pytest "$@"' "$VENV/bin/python" "$@" || status=$?
  rm -rf "$scratch"
  return "$status"
}

main() {
  local what=${1:-app}
  [ $# -gt 0 ] && shift
  case "$what" in
    setup) setup_system; check_setup; setup_python; check_qt ;;
    app) setup_system; check_setup; setup_python; check_qt; run_app "$@" ;;
    test) setup_system; check_setup; setup_python; check_qt; run_tests "$@" ;;
    *) echo "usage: bash build/dev.sh [app|test|setup] [args...]" >&2; exit 2 ;;
  esac
}

main "$@"
