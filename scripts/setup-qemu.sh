#!/usr/bin/env bash
# Installs what the QEMU runner's tests need from Debian's archive: QEMU's Arm system emulator
# (qemu-system-aarch64, Debian 12: QEMU 7.2), and for the guest-program encoder and the guest kit
# tests GNU binutils and gcc for AArch64 (objdump checks the encoder; gcc builds the C kit), and
# libxml2's xmllint, an XML parser the project did not write, which reads the CMSIS-SVD files of
# `smmu export svd` back in the tests (test/cli/export-svd.test.ts).
# Idempotent: a second run only checks that the tools are there. About 200 MB of packages.
#
# `smmu qemu` itself needs only qemu-system-aarch64 (the guest program is built in TypeScript).
set -euo pipefail

PACKAGES=(qemu-system-arm binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libxml2-utils)
TOOLS=(qemu-system-aarch64 aarch64-linux-gnu-objdump aarch64-linux-gnu-gcc xmllint)

say() { printf '[setup-qemu] %s\n' "$*" >&2; }

have_all() { for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null || return 1; done; }
if have_all; then exit 0; fi

if ! command -v dpkg-query >/dev/null; then
  say "not a Debian system: install ${TOOLS[*]} yourself (QEMU 7.2 or later)"; exit 1
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ $EUID -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else
  say "missing Debian packages: ${missing[*]} (run as root or install them first)"; exit 1
fi
LOG="${TMPDIR:-/tmp}/smmu-setup-qemu.log"
say "installing Debian packages: ${missing[*]} (log: $LOG)"
if ! { "${SUDO[@]}" apt-get update -q &&
       DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
     >"$LOG" 2>&1; then
  say "apt-get failed; last lines of $LOG:"; tail -n 30 "$LOG" >&2; exit 1
fi
have_all || { say "installed, but still missing: ${TOOLS[*]}"; exit 1; }
