#!/usr/bin/env bash
# Installs code-server from npm into $1 (idempotent: does nothing when it is there).
#
# code-server's postinstall installs VS Code's own dependencies, and one of them,
# @vscode/ripgrep, downloads a ripgrep binary from outside the npm registry. We have
# Debian's ripgrep instead: it is packed the way that download is named and put in the
# package's download cache (under TMPDIR), so the postinstall finds it and never goes out.
set -euo pipefail

dest=$(realpath -m "$1")
version=${CODE_SERVER_VERSION:-4.100.3}
bin="$dest/node_modules/.bin/code-server"

if [ -x "$bin" ] && [ -x "$dest/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] &&
  node -e 'require(process.argv[1])' "$dest/node_modules/argon2" 2>/dev/null; then
  exit 0
fi
command -v rg >/dev/null || { echo "install-code-server: ripgrep (Debian package ripgrep) is needed" >&2; exit 1; }

mkdir -p "$dest"
rm -rf "$dest/node_modules" "$dest/package.json" "$dest/package-lock.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Fetch the package without running its scripts, to learn which @vscode/ripgrep it pins.
npm install --prefix "$dest" --no-audit --no-fund --ignore-scripts "code-server@$version" >&2
shrinkwrap="$dest/node_modules/code-server/lib/vscode/npm-shrinkwrap.json"
rg_pkg=$(node -e '
  const s = require(process.argv[1]);
  const p = (s.packages || {})["node_modules/@vscode/ripgrep"] || (s.dependencies || {})["@vscode/ripgrep"];
  if (!p) process.exit(1);
  console.log(p.version);' "$shrinkwrap")

# 2. Seed the download cache. The asset's tag is a constant inside the package's postinstall
#    (which is not unpacked yet), so every tag its 1.15 releases used is seeded.
mkdir -p "$tmp/rg" "$tmp/cache/vscode-ripgrep-cache-$rg_pkg"
cp "$(command -v rg)" "$tmp/rg/rg"
tar -C "$tmp/rg" -czf "$tmp/rg.tar.gz" rg
case "$(uname -m)" in
  x86_64) target=x86_64-unknown-linux-musl ;;
  aarch64) target=aarch64-unknown-linux-musl ;;
  *) echo "install-code-server: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
  cp "$tmp/rg.tar.gz" "$tmp/cache/vscode-ripgrep-cache-$rg_pkg/ripgrep-v13.0.0-$n-$target.tar.gz"
done

# 3. Run the install scripts of every package (argon2 builds its binding; code-server's
#    postinstall installs lib/vscode's dependencies).
#    unsafe-perm lets them run as root on npm versions that still drop privileges; `yes`
#    lets node-pty's postinstall fetch node-gyp with npx without a prompt.
TMPDIR="$tmp/cache" npm_config_unsafe_perm=true npm_config_yes=true npm rebuild --prefix "$dest" >&2
test -x "$dest/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
