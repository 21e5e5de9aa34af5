#!/usr/bin/env bash
# Checks the tree-sitter grammar: the committed src/ is what grammar.js generates, the
# corpus and highlight tests pass, the queries compile, Neovim's copies of the queries
# are current, every valid drove source of the repository (tests/fixtures/ok, examples,
# error fixtures without a syntax error) parses without an ERROR or MISSING node, and
# the syntax-error fixtures do give one.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v tree-sitter >/dev/null 2>&1; then
  echo "grammar: installing tree-sitter-cli" >&2
  cargo install --locked tree-sitter-cli
fi

# Node runs grammar.js when it is there; otherwise the CLI's built-in JS engine does.
js_runtime=native
command -v node >/dev/null 2>&1 && js_runtime=node

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# 1. Generate from grammar.js in a scratch copy and compare with the committed src/.
cp "$here/grammar.js" "$here/tree-sitter.json" "$scratch/"
(cd "$scratch" && tree-sitter generate --abi 14 --js-runtime "$js_runtime" >/dev/null)
if ! diff -q "$scratch/src/grammar.json" "$here/src/grammar.json" >/dev/null; then
  echo "grammar: src/ is stale; run 'tree-sitter generate --abi 14' in grammar/ and commit src/" >&2
  exit 1
fi

cd "$here"

# 2. Corpus tests (test/corpus) and highlight tests (test/highlight).
tree-sitter test

# 3. Neovim reads the same queries from editors/nvim/queries/drove (symlinks to these,
#    so a plugin manager that clones the repository finds them; checked in case a
#    checkout on a system without symlinks turned them into copies).
for q in queries/*.scm; do
  if ! cmp -s "$q" "$root/editors/nvim/queries/drove/$(basename "$q")"; then
    echo "grammar: editors/nvim/queries/drove/$(basename "$q") differs from grammar/$q" >&2
    exit 1
  fi
done

# 4. Every valid source parses cleanly (the CLI exits non-zero and names each file with
#    an ERROR or MISSING node), and every query compiles against them. Error fixtures
#    whose expected codes hold no syntax error (E00xx) are syntactically valid too.
dirs=()
for d in "$root/tests/fixtures/ok" "$root/examples"; do
  [ -d "$d" ] && dirs+=("$d")
done
: >"$scratch/sources"
[ "${#dirs[@]}" -gt 0 ] && find "${dirs[@]}" -name '*.drove' -type f | sort >"$scratch/sources"
count="$(wc -l <"$scratch/sources")"
if [ "$count" -eq 0 ]; then
  echo "grammar: no valid fixtures or examples found" >&2
  exit 1
fi
: >"$scratch/broken"
if [ -d "$root/tests/fixtures/err" ]; then
  while IFS= read -r f; do
    expect="$(head -n 1 "$f")"
    case "$expect" in
      *E00[0-9][0-9]*)
        # Structural errors the grammar must see as well; over-deep nesting (E0005) and
        # bad escapes (E0006) are limits of the compiler, not of the shape.
        grep -qE 'E000[12347]' <<<"$expect" && echo "$f" >>"$scratch/broken" ;;
      *) echo "$f" >>"$scratch/sources" ;;
    esac
  done < <(find "$root/tests/fixtures/err" -name '*.drove' -type f | sort)
fi
total="$(wc -l <"$scratch/sources")"

# -p builds the parser from this directory's src/, never from a stale cached library.
if ! tree-sitter parse -p "$here" --paths "$scratch/sources" --quiet 2>"$scratch/parse.err"; then
  cat "$scratch/parse.err" >&2
  echo "grammar: the sources above do not parse cleanly" >&2
  exit 1
fi
for q in queries/*.scm; do
  tree-sitter query -p "$here" --quiet --paths "$scratch/sources" "$q" >/dev/null
done

# 5. Syntax-error fixtures give an ERROR or MISSING node here too.
if [ -s "$scratch/broken" ]; then
  tree-sitter parse -p "$here" --paths "$scratch/broken" --quiet >"$scratch/broken.out" 2>/dev/null || true
  while IFS= read -r f; do
    if ! grep -qF "$f" "$scratch/broken.out"; then
      echo "grammar: ${f#"$root"/} has a syntax error but parses cleanly" >&2
      exit 1
    fi
  done <"$scratch/broken"
fi
echo "grammar: ok ($total sources parse cleanly, $(wc -l <"$scratch/broken") syntax errors found)"
