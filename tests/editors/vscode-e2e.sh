#!/usr/bin/env bash
# End-to-end test of the VS Code extension in real VS Code: packages editors/vscode to a
# .vsix, installs it into code-server, opens the reservation example with a deliberate
# error, and checks in Chromium (playwright-core) that the diagnostic shows: squiggle,
# hover naming the code, row in the Problems panel; typing the fix clears them.
# Then waits for the plan lens and hovers a hosts group for its reachability.
# Saves docs/images/vscode-diagnostics.png, vscode-plan-lens.png and vscode-reach-hover.png.
#
# Installs what it needs when missing (apt: chromium libkrb5-dev ripgrep; npm: the
# extension's dependencies, playwright-core, code-server under target/editors); idempotent.
# Without CI=true and without Chromium it skips, loudly; under CI=true it always runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$repo/target/editors
mkdir -p "$work"

log() { printf '\n==> %s\n' "$*" >&2; }

if ! [ -d editors/vscode/node_modules/vscode-languageclient ] || ! [ -d editors/vscode/node_modules/@vscode/vsce ]; then
  log "installing the extension's npm dependencies"
  (cd editors/vscode && npm ci --no-audit --no-fund)
fi
# DROVE_BIN: test another binary instead of building the workspace's.
drove=${DROVE_BIN:-$repo/target/debug/drove}
if [ -z "${DROVE_BIN:-}" ]; then
  log "building drove"
  cargo build -q -p drove
fi

log "packaging the extension"
(cd editors/vscode && npx vsce package --no-update-package-json --skip-license \
  --allow-missing-repository --out "$work/drove.vsix" >/dev/null)

log "extension tests (manifest, settings, snippets, .vsix)"
DROVE_BIN=$drove DROVE_VSIX=$work/drove.vsix node --test tests/editors/vscode-extension.test.js

if ! command -v chromium >/dev/null 2>&1 && [ "${CI:-}" != "true" ]; then
  cat >&2 <<'MSG'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! SKIPPED: the VS Code end-to-end test needs Chromium (apt-get install chromium).
!! CI=true installs it and never skips.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

MSG
  exit 0
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! [ -d tests/editors/node_modules/playwright-core ]; then
  log "installing playwright-core"
  (cd tests/editors && npm ci --no-audit --no-fund)
fi
if ! [ -x "$work/code-server/node_modules/.bin/code-server" ]; then
  log "installing code-server (npm)"
fi
tests/editors/install-code-server.sh "$work/code-server"
code_server=$work/code-server/node_modules/.bin/code-server

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

log "installing the .vsix into code-server"
mkdir -p "$tmp/data/User" "$tmp/extensions"
"$code_server" --user-data-dir "$tmp/data" --extensions-dir "$tmp/extensions" \
  --install-extension "$work/drove.vsix" >&2
ls "$tmp/extensions" | grep -q '^drove\.drove-' || { echo "the extension was not installed" >&2; exit 1; }

# The example stack, with a typo in a role's firewall list: `wbe` for `web` (E0100).
ws=$tmp/reservation
cp -r examples/reservation "$ws"
sed -i 's/firewall  = \[web\]/firewall  = [wbe]/' "$ws/roles.drove"
grep -q '\[wbe\]' "$ws/roles.drove" || { echo "could not plant the error in roles.drove" >&2; exit 1; }
# The lens reads the last state; with the example's S3 state and no credentials it would
# only say why it can't (tests/lsp covers that). A local state that is not there yet
# shows what the first apply creates.
sed -i '/state *= *s3(/d' "$ws/stack.drove"
if "$drove" check "$ws" >/dev/null 2>&1; then
  echo "drove check accepts the broken example; the test would prove nothing" >&2
  exit 1
fi

cat > "$tmp/data/User/settings.json" <<JSON
{
  "drove.server.path": "$drove",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "git.enabled": false,
  "editor.hover.delay": 100,
  "files.hotExit": "off",
  "workbench.editor.restoreViewState": false,
  "window.commandCenter": false,
  "chat.disableAIFeatures": true,
  "workbench.colorTheme": "Default Dark Modern"
}
JSON

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "starting code-server on 127.0.0.1:$port"
"$code_server" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$tmp/data" --extensions-dir "$tmp/extensions" "$ws" >"$tmp/code-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/code-server.log" >&2; exit 1; }
  sleep 0.5
done

mkdir -p docs/images
log "driving VS Code in Chromium"
drive() {
  E2E_URL="http://127.0.0.1:$port/?folder=$ws" E2E_FILE=roles.drove E2E_CODE=E0100 E2E_WORD=wbe E2E_FIX=web \
    E2E_PROFILE="$tmp/chromium-$1" E2E_SHOT="$repo/docs/images/vscode-diagnostics.png" E2E_FAILSHOT="$work/vscode-e2e-failure-$1.png" \
    E2E_LENS_SHOT="$repo/docs/images/vscode-plan-lens.png" E2E_REACH_SHOT="$repo/docs/images/vscode-reach-hover.png" E2E_HOSTS=app \
    E2E_HOSTS_LINE="$(grep -n '^hosts app ' "$ws/roles.drove" | cut -d: -f1)" \
    timeout 300 node tests/editors/vscode-e2e.js
}
# A browser driven on a loaded 2-core machine misses a beat now and then; a second run
# in a fresh profile tells that apart from a broken editor, and both are printed.
status=0
if ! drive 1; then
  log "the first run failed; running once more in a fresh profile"
  git -C "$repo" checkout -q -- docs/images 2>/dev/null || true
  drive 2 || status=$?
fi
if [ $status -ne 0 ]; then
  echo "--- code-server log" >&2
  tail -50 "$tmp/code-server.log" >&2
  find "$tmp/data/logs" -name '*drove*' -o -name 'exthost.log' 2>/dev/null | while read -r f; do
    echo "--- $f" >&2; tail -30 "$f" >&2
  done
fi
exit $status
