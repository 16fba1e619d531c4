#!/usr/bin/env bash
# Clean-room proof of the README's test command: a fresh Debian 12 root made by debootstrap from the
# Debian mirror (nothing from this machine's installed packages), a `git clone` of this repository's
# committed HEAD copied into it, and `bash build/dev.sh test` run inside it under chroot.
#
#   sudo bash build/clean-room.sh            # the whole suite, as CI runs it
#   sudo bash build/clean-room.sh -q tests/peers   # extra arguments go to the test command
#
# Only committed work is tested: that is what a fresh clone sees. The root starts with what a new
# machine of this kind has (python3, git, ca-certificates), and build/dev.sh must install the rest.
# From the host it takes only the network plumbing a new machine of this kind also has: DNS
# resolution, /etc/hosts, pip's and the system's trusted CAs for the egress proxy. Mounts and the
# root are removed at the end, also on failure or Ctrl+C. Needs root and about 3 GB of disk.
# Environment: CLEAN_ROOM_MIRROR (default http://deb.debian.org/debian), CLEAN_ROOM_KEEP=1 keeps the
# root for inspection (mounts are still removed).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIRROR=${CLEAN_ROOM_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
START=$(date +%s)
ROOTFS=""
MOUNTS=()

say() { printf '\033[1m==> [clean-room %ss] %s\033[0m\n' "$(($(date +%s) - START))" "$*" >&2; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
  if [ -n "$ROOTFS" ] && [ -d "$ROOTFS" ]; then
    if [ "${CLEAN_ROOM_KEEP:-0}" = 1 ]; then
      say "kept the root in $ROOTFS"
    elif findmnt -rn -o TARGET | grep -q "^$ROOTFS/"; then
      echo "clean-room: something is still mounted under $ROOTFS; not removing it" >&2
    else
      rm -rf --one-file-system "$ROOTFS"
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount_into() {  # mount_into TARGET-INSIDE-ROOT MOUNT-ARGS...
  local target="$ROOTFS$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

[ "$(id -u)" -eq 0 ] || { echo "clean-room: run as root (debootstrap and chroot need it)" >&2; exit 2; }
command -v debootstrap >/dev/null || {
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    debootstrap >/dev/null
}

ROOTFS=$(mktemp -d /var/tmp/smtp-doctor-clean-room.XXXXXX)
chmod 755 "$ROOTFS"
say "debootstrap $SUITE (minbase) from $MIRROR into $ROOTFS"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.debootstrap.log" 2>&1 \
  || { tail -20 "$ROOTFS.debootstrap.log" >&2; rm -f "$ROOTFS.debootstrap.log"; exit 1; }
rm -f "$ROOTFS.debootstrap.log"

cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF

# The host's network plumbing only: name resolution and the CAs its egress proxy needs.
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
cp /etc/hosts "$ROOTFS/etc/hosts"
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$ROOTFS/etc/pip.conf"
mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true

mount_into /proc -t proc proc
mount_into /sys -t sysfs sysfs
mount_into /dev --bind /dev
mount_into /dev/pts -t devpts devpts -o newinstance,ptmxmode=0666
mount_into /dev/shm -t tmpfs tmpfs -o mode=1777
mount_into /run -t tmpfs tmpfs -o mode=755

in_root() {
  chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI=true DEBIAN_FRONTEND=noninteractive \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt PYTHONDONTWRITEBYTECODE=1 "$@"
}

say "what a new machine of this kind starts with: python3, git, ca-certificates"
in_root apt-get -o DPkg::Lock::Timeout=600 update -qq
in_root apt-get install -y -qq --no-install-recommends python3 git ca-certificates >/dev/null
in_root update-ca-certificates >/dev/null

say "cloning the committed HEAD of $REPO"
git clone -q --no-local "$REPO" "$ROOTFS/root/smtp-doctor"
# Tests read the team's shared knowledge beside the checkout, as on a real machine of this kind.
[ -d "$REPO/../shared" ] && cp -r "$REPO/../shared" "$ROOTFS/root/shared"

say "running the README's test command: bash build/dev.sh test $*"
status=0
in_root bash -c 'cd /root/smtp-doctor && bash build/dev.sh test "$@"' bash "$@" 2>&1 | tee "$REPO/.clean-room.log" \
  || status=${PIPESTATUS[0]}
summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed)|[0-9]+ passed" "$REPO/.clean-room.log" | tail -1 || true)
say "done in $(($(date +%s) - START)) s, exit $status: ${summary:-no pytest summary (see .clean-room.log)}"
exit "$status"
