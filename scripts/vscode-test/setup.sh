#!/usr/bin/env bash
# Installs what `npm run test:vscode` needs to run the extension's tests in a real VS Code offline:
# code-server (VS Code's server + web workbench, from the npm registry) and Debian's Chromium.
# See docs in scripts/vscode-test/run.mjs. Idempotent and cached: a second run is a no-op.
#
#   SMMU_VSCODE_CACHE   cache root (default: $XDG_CACHE_HOME/smmu-workbench or ~/.cache/smmu-workbench)
#
# Progress goes to stderr; the only line on stdout is the code-server install folder.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3   # newest code-server that runs on Node 20 (bundles VS Code 1.100.3)
APT_PACKAGES=(chromium ripgrep fonts-dejavu-core python3 make g++ pkg-config
              libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)

CACHE_ROOT="${SMMU_VSCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smmu-workbench}"
DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
MARKER="$DIR/.complete"
LOG="$CACHE_ROOT/setup-code-server-$CODE_SERVER_VERSION.log"

say() { printf '[vscode-test setup] %s\n' "$*" >&2; }

# Fast path: everything in place.
if [[ -f "$MARKER" && -x "${SMMU_CHROMIUM:-/usr/bin/chromium}" && -x /usr/bin/rg ]]; then
  printf '%s\n' "$DIR"
  exit 0
fi

# --- Debian packages (only the missing ones) -------------------------------------------------
missing=()
command -v dpkg-query >/dev/null || APT_PACKAGES=()   # not Debian: bring these yourself
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else
    say "missing Debian packages: ${missing[*]} (run as root or install them first)"; exit 1
  fi
  mkdir -p "$CACHE_ROOT"
  say "installing Debian packages: ${missing[*]}"
  if ! { "${SUDO[@]}" apt-get update -q &&
         DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
       >"$LOG.apt" 2>&1; then
    say "apt-get failed; last lines of $LOG.apt:"; tail -n 30 "$LOG.apt" >&2; exit 1
  fi
fi

# --- code-server, installed outside the project with its scripts disabled --------------------
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock-$CODE_SERVER_VERSION"
flock 9                                      # another run may be installing the same version
if [[ -f "$MARKER" ]]; then printf '%s\n' "$DIR"; exit 0; fi

start=$SECONDS
rm -rf "$DIR"                                # a previous, unfinished attempt
mkdir -p "$DIR"
: >"$LOG"

# The npm that runs `npm test` exports its own configuration (local prefix, ...); keep it out.
while IFS= read -r v; do
  case "$v" in
    npm_config_registry|npm_config_cache|npm_config_userconfig|npm_config_cafile|npm_config_strict_ssl|\
    npm_config_proxy|npm_config_https_proxy|npm_config_noproxy|npm_config_nodedir|npm_config_jobs) ;;
    *) unset "$v" ;;
  esac
done < <(compgen -e | grep -i '^npm_' || true)
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# node-gyp downloads Node's headers from nodejs.org unless told where they are; Debian/NodeSource
# Node ships them in <prefix>/include/node.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [[ -f "$prefix/include/node/node.h" ]] && export npm_config_nodedir="$prefix"
fi

step() {  # step "message" command...   (output to the log; its tail on failure)
  local msg="$1"; shift
  say "$msg"
  printf '\n=== %s\n$ %s\n' "$msg" "$*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    say "FAILED: $msg — last lines of $LOG:"; tail -n 40 "$LOG" >&2; exit 1
  fi
}

VS="$DIR/node_modules/code-server/lib/vscode"
cd "$DIR"
printf '{ "name": "smmu-vscode-test-cache", "private": true }\n' >package.json
step "downloading code-server@$CODE_SERVER_VERSION (npm, --ignore-scripts)" \
  npm install --ignore-scripts "code-server@$CODE_SERVER_VERSION"
step "building argon2" npm rebuild argon2 --build-from-source
cd "$VS"
step "downloading VS Code's server dependencies" npm install --omit=dev --ignore-scripts
step "building native modules (kerberos node-pty spdlog native-watchdog deviceid), about a minute" \
  env npm_config_yes=true npm rebuild kerberos node-pty @vscode/spdlog native-watchdog @vscode/deviceid
mkdir -p node_modules/@vscode/ripgrep/bin
cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
ln -sfn code-linux.sh bin/remote-cli/code-server      # the `code` CLI in the integrated terminal
ln -sfn browser-linux.sh bin/helpers/browser.sh

# Sanity check: the native modules load in this Node.
step "checking the build" node -e '
  for (const m of ["node-pty", "@vscode/spdlog", "native-watchdog", "@vscode/deviceid", "kerberos"]) require(m);
  require(process.argv[1]);' "$DIR/node_modules/argon2"

date -u +%FT%TZ >"$MARKER"
say "code-server $CODE_SERVER_VERSION ready in $((SECONDS - start)) s ($DIR)"
printf '%s\n' "$DIR"
