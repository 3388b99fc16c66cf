#!/usr/bin/env bash
# Installs what the end-to-end tests need (see /work/shared/notes/e2e.md): Debian chromium, ripgrep and the
# headers for code-server's native modules, then the harness's own npm dependencies (code-server 4.100.3,
# playwright-core, mocha) into test/e2e/harness/node_modules. Idempotent: apt is skipped when everything is
# installed, npm ci is skipped when the installed tree matches the lock file. Works offline from the
# internet at large: only the Debian mirror and the npm registry are used.
#   E2E_SETUP_FORCE=1   re-run npm ci even if node_modules looks up to date
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR=$PWD
HARNESS=$E2E_DIR/harness
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

# --- 2. npm dependencies of the harness ------------------------------------------------------------
# @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in its postinstall unless its cache,
# under os.tmpdir(), already holds the archive. Debian's ripgrep is the same 13.0.0: pre-fill the cache.
# TMPDIR must be the same directory while npm ci runs.
export TMPDIR=${E2E_SETUP_TMPDIR:-/tmp/lifeboat-e2e-setup}
mkdir -p "$TMPDIR"
RG_CACHE=$TMPDIR/vscode-ripgrep-cache-1.15.11
RG_ARCHIVE=$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
if [ ! -s "$RG_ARCHIVE" ]; then
  mkdir -p "$RG_CACHE"
  tar -C /usr/bin -czf "$RG_ARCHIVE.part" rg && mv "$RG_ARCHIVE.part" "$RG_ARCHIVE"
  log "ripgrep cache pre-filled from /usr/bin/rg ($(/usr/bin/rg --version | head -1))"
fi

stamp=$HARNESS/node_modules/.lifeboat-e2e-lock.sha256
want=$(sha256sum "$HARNESS/package-lock.json" | cut -d' ' -f1)
if [ "${E2E_SETUP_FORCE:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
  && [ -x "$HARNESS/node_modules/.bin/code-server" ] && [ -d "$HARNESS/node_modules/playwright-core" ]; then
  log "harness node_modules up to date with package-lock.json"
else
  log "npm ci in test/e2e/harness (code-server builds native modules: takes a few minutes)"
  # node-gyp must use the installed Node headers instead of downloading them (no internet).
  if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then export npm_config_nodedir=/usr; fi
  # unsafe_perm: code-server's postinstall refuses to run as root otherwise.
  # yes: node-pty's postinstall runs `npx node-gyp` and must not prompt.
  (cd "$HARNESS" && npm_config_unsafe_perm=true npm_config_yes=true \
    npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi

# --- 3. sanity checks ------------------------------------------------------------------------------
cs_version=$(XDG_CONFIG_HOME="$TMPDIR/xdg-config" XDG_DATA_HOME="$TMPDIR/xdg-data" \
  "$HARNESS/node_modules/.bin/code-server" --version 2>&1) || { echo "code-server does not run: $cs_version" >&2; exit 1; }
echo "code-server $(printf '%s\n' "$cs_version" | grep -E '^[0-9]+\.[0-9]+' | head -1)"
/usr/bin/chromium --version 2>/dev/null || { echo "chromium missing" >&2; exit 1; }
log "done"
