#!/usr/bin/env bash
# Installs what the end-to-end tests need (see /work/shared/notes/e2e.md): Debian chromium, ripgrep and the
# headers for code-server's native modules, then the npm dependencies of the two harnesses:
#   legacy   test/e2e/harness          code-server 4.100.3 (VS Code 1.100.3) on this machine's Node 20
#   current  test/e2e/harness-current  code-server 4.139.1 (VS Code 1.139.1) on Node 24 from test/runtimes
#            (installed first if missing: npm ci --prefix test/runtimes), its native modules built for it
# Idempotent: apt is skipped when everything is installed, npm ci is skipped when a harness's installed tree
# matches its lock file (and, for current, the Node it was built for). Works offline from the internet at
# large: only the Debian mirror and the npm registry are used.
#   bash test/e2e/setup.sh [legacy|current|both]   (default both)
#   E2E_SETUP_FORCE=1   re-run npm ci even if node_modules looks up to date
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR=$PWD
REPO=$(cd ../.. && pwd)
HARNESS=$E2E_DIR/harness
HARNESS_CURRENT=$E2E_DIR/harness-current
RUNTIMES=$REPO/test/runtimes
NODE24_PKG=$RUNTIMES/node_modules/node24
WHICH=${1:-both}
case "$WHICH" in legacy|current|both) ;; *) echo "usage: $0 [legacy|current|both]" >&2; exit 2 ;; esac
want_legacy() { [ "$WHICH" != current ]; }
want_current() { [ "$WHICH" != legacy ]; }
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
log() { printf '[e2e setup %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# --- 1. Debian packages --------------------------------------------------------------------------
APT_PACKAGES=(chromium ripgrep sqlite3 strace libkrb5-dev libxkbfile-dev libsecret-1-dev build-essential python3 pkg-config)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # chromium's recommended fonts keep text rendering sane in screenshots; install them if available.
  apt-get install -y -qq --no-install-recommends fonts-liberation >/dev/null 2>&1 || true
else
  log "apt packages already installed"
fi

# --- 2. npm dependencies of the legacy harness -----------------------------------------------------
# @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in its postinstall unless its cache,
# under os.tmpdir(), already holds the archive. Debian's ripgrep is the same 13.0.0: pre-fill the cache.
# TMPDIR must be the same directory while npm ci runs.
export TMPDIR=${E2E_SETUP_TMPDIR:-/tmp/lifeboat-e2e-setup}
mkdir -p "$TMPDIR"

# up_to_date DIR WANT: the stamp in DIR/node_modules says WANT and code-server and playwright-core are there.
up_to_date() {
  local stamp=$1/node_modules/.lifeboat-e2e-lock.sha256
  [ "${E2E_SETUP_FORCE:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$2" ] \
    && [ -f "$1/node_modules/code-server/out/node/entry.js" ] && [ -d "$1/node_modules/playwright-core" ]
}

if want_legacy; then
  RG_CACHE=$TMPDIR/vscode-ripgrep-cache-1.15.11
  RG_ARCHIVE=$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
  if [ ! -s "$RG_ARCHIVE" ]; then
    mkdir -p "$RG_CACHE"
    tar -C /usr/bin -czf "$RG_ARCHIVE.part" rg && mv "$RG_ARCHIVE.part" "$RG_ARCHIVE"
    log "ripgrep cache pre-filled from /usr/bin/rg ($(/usr/bin/rg --version | head -1))"
  fi
  want=$(sha256sum "$HARNESS/package-lock.json" | cut -d' ' -f1)
  if up_to_date "$HARNESS" "$want"; then
    log "legacy harness node_modules up to date with package-lock.json"
  else
    log "npm ci in test/e2e/harness (code-server builds native modules: takes a few minutes)"
    (
      # node-gyp must use the installed Node headers instead of downloading them (no internet).
      if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then export npm_config_nodedir=/usr; fi
      # unsafe_perm: code-server's postinstall refuses to run as root otherwise.
      # yes: node-pty's postinstall runs `npx node-gyp` and must not prompt.
      cd "$HARNESS" && npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund --loglevel=error
    )
    echo "$want" >"$HARNESS/node_modules/.lifeboat-e2e-lock.sha256"
  fi
fi

# --- 3. Node 24 and the current harness ------------------------------------------------------------
# code-server 4.139 needs Node 22/24 and runs the extension host on the Node that starts it: Node 24 from
# npm (test/runtimes, shared with the engine tests). Its native modules are built against that Node: its
# package ships include/node (npm_config_nodedir; otherwise the machine's .npmrc nodedir=/usr means the
# Node 20 headers, and without one node-gyp tries to download headers). 1.139 ships rg itself.
if want_current; then
  if [ ! -x "$NODE24_PKG/bin/node" ] || [ ! -x "$RUNTIMES/node_modules/node22/bin/node" ]; then
    log "npm ci in test/runtimes (Node 22 and 24 from npm)"
    npm ci --prefix "$RUNTIMES" --no-audit --no-fund --loglevel=error
  fi
  node24_version=$("$NODE24_PKG/bin/node" --version)
  want="$(sha256sum "$HARNESS_CURRENT/package-lock.json" | cut -d' ' -f1) node $node24_version"
  if up_to_date "$HARNESS_CURRENT" "$want"; then
    log "current harness node_modules up to date with package-lock.json (Node $node24_version)"
  else
    log "npm ci in test/e2e/harness-current on Node $node24_version (native modules: takes a few minutes)"
    (
      export PATH="$NODE24_PKG/bin:$PATH" npm_config_nodedir="$NODE24_PKG" npm_config_yes=true
      cd "$HARNESS_CURRENT" && npm ci --no-audit --no-fund --loglevel=error
    )
    echo "$want" >"$HARNESS_CURRENT/node_modules/.lifeboat-e2e-lock.sha256"
  fi
fi

# --- 4. sanity checks ------------------------------------------------------------------------------
# check_code_server LABEL NODE DIR: prints the version that DIR's code-server reports when NODE runs it.
check_code_server() {
  local out
  out=$(XDG_CONFIG_HOME="$TMPDIR/xdg-config" XDG_DATA_HOME="$TMPDIR/xdg-data" \
    "$2" "$3/node_modules/code-server/out/node/entry.js" --version 2>&1) || { echo "$1 code-server does not run: $out" >&2; exit 1; }
  echo "$1: code-server $(printf '%s\n' "$out" | grep -E '^[0-9]+\.[0-9]+' | head -1) on Node $("$2" --version)"
}
if want_legacy; then check_code_server legacy "$(command -v node)" "$HARNESS"; fi
if want_current; then check_code_server current "$NODE24_PKG/bin/node" "$HARNESS_CURRENT"; fi
/usr/bin/chromium --version 2>/dev/null || { echo "chromium missing" >&2; exit 1; }
log "done"
