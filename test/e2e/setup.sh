#!/usr/bin/env bash
# Installs what the end-to-end tests need on a bare Debian machine: Chromium (driven by playwright-core),
# ripgrep and the Kerberos headers (code-server's native modules), and code-server 4.100.3 (VS Code 1.100)
# in a tools folder of its own, out of the project's dependencies and out of the VSIX.
# Idempotent: a second run finds everything in place and returns at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="${RELOADABLE_E2E_TOOLS:-$here/.tools}"
code_server_version=4.100.3

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$tools/node_modules/.bin/code-server" ]; then
  # @vscode/ripgrep downloads ripgrep from GitHub unless it finds this archive in os.tmpdir(): give it Debian's.
  tmp="$(node -p 'require("os").tmpdir()')"
  cache="$tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$cache"
  archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  [ -f "$archive" ] || tar -czf "$archive" -C "$(dirname "$(command -v rg)")" rg
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{ "private": true }' > "$tools/package.json"
  # node-pty's install runs `npx node-gyp`, which must not stop to ask.
  (cd "$tools" && npm_config_yes=true npm install --no-audit --no-fund --unsafe-perm \
    "code-server@$code_server_version" >/dev/null)
fi
echo "e2e tools ready: $tools"
