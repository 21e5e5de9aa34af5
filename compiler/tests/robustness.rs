//! No input may panic the front end: random bytes, random text, and mutations of every
//! valid fixture and example go through the parser, the whole analysis and the formatter.
//! When the formatter accepts a file, its output must format to itself.
//!
//! Case counts are small so the file runs in seconds in a debug build; raise them with
//! `PROPTEST_CASES=5000 cargo test -p drove-compiler --test robustness`.

use drove_compiler::source::Sources;
use drove_compiler::syntax::lexer::{lex, Token};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Runs every front-end entry point over `text`.
fn exercise(text: &str) {
    let _ = drove_compiler::syntax::parse(0, text);
    let _ = drove_compiler::analyze(&Sources::single("fuzz.drove", text));
    if let Ok(once) = drove_compiler::fmt::format(text) {
        let before = drove_compiler::fmt::shape(&drove_compiler::syntax::parse(0, text).0);
        let after = drove_compiler::fmt::shape(&drove_compiler::syntax::parse(0, &once).0);
        assert_eq!(after, before, "formatting changed the meaning of {text:?}\noutput {once:?}");
        match drove_compiler::fmt::format(&once) {
            Ok(twice) => assert_eq!(twice, once, "format is not idempotent for input {text:?}"),
            Err(d) => panic!("formatted output does not parse: {d:?}\ninput {text:?}\noutput {once:?}"),
        }
    }
}

fn drove_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            drove_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "drove") {
            out.push(p);
        }
    }
}

/// Every valid fixture and example, read at test time.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    drove_files(&root.join("tests/fixtures/ok"), &mut paths);
    drove_files(&root.join("examples"), &mut paths);
    paths.sort();
    let mut texts: Vec<String> = paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    // A seed that does not depend on the fixtures, so the mutation tests never run empty.
    texts.push(
        "stack s { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet a { cidr = 10.0.1.0/24  zone = a }\n}\n\
         zone \"a.example.\" {\n  @ 300 A 192.0.2.1 # apex\n  www CNAME @\n  @ MX 10 mx1, 20 mx2\n}\n"
            .to_string(),
    );
    texts
}

#[derive(Debug, Clone)]
enum Edit {
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
    },
    Swap {
        a: usize,
        b: usize,
        len: usize,
    },
    /// Token-level: copy token `from` over position of token `to`.
    InsertToken {
        from: usize,
        to: usize,
    },
    DeleteToken {
        at: usize,
    },
    SwapTokens {
        a: usize,
        b: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"(".to_vec()),
        Just(b")".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\"\"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b",".to_vec()),
        Just(b"=".to_vec()),
        Just(b";".to_vec()),
        Just(b"#".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\\u{".to_vec()),
        Just(vec![0]),
        Just("é".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 1..6),
    ];
    prop_oneof![
        (any::<usize>(), interesting).prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 1usize..80).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        (any::<usize>(), any::<usize>(), 1usize..30).prop_map(|(a, b, len)| Edit::Swap { a, b, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Edit::InsertToken { from, to }),
        any::<usize>().prop_map(|at| Edit::DeleteToken { at }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapTokens { a, b }),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Edit::Insert { at, bytes: b } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Edit::Duplicate { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                let copy: Vec<u8> = bytes.get(at..end).unwrap_or_default().to_vec();
                bytes.splice(end..end, copy);
            }
            Edit::Swap { a, b, len } => {
                let (a, b) = (a % n, b % n);
                let (lo, hi) = (a.min(b), a.max(b));
                let len = (*len).min(hi - lo).min(bytes.len().saturating_sub(hi));
                for i in 0..len {
                    bytes.swap(lo + i, hi + i);
                }
            }
            Edit::InsertToken { .. } | Edit::DeleteToken { .. } | Edit::SwapTokens { .. } => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let toks: Vec<std::ops::Range<usize>> =
                    lex(&s).filter(|(t, _)| !matches!(t, Token::Newline)).map(|(_, r)| r).collect();
                if toks.is_empty() {
                    continue;
                }
                let k = toks.len();
                let mut out = s.clone();
                match e {
                    Edit::InsertToken { from, to } => {
                        let (src, dst) = (&toks[from % k], &toks[to % k]);
                        let t = format!("{} ", &s[src.clone()]);
                        out.insert_str(dst.start, &t);
                    }
                    Edit::DeleteToken { at } => out.replace_range(toks[at % k].clone(), ""),
                    Edit::SwapTokens { a, b } => {
                        let (x, y) = (toks[a % k].clone(), toks[b % k].clone());
                        let (x, y) = if x.start <= y.start { (x, y) } else { (y, x) };
                        if x.end <= y.start {
                            let (tx, ty) = (s[x.clone()].to_string(), s[y.clone()].to_string());
                            out.replace_range(y, &tx);
                            out.replace_range(x, &ty);
                        }
                    }
                    _ => {}
                }
                bytes = out.into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    /// Text made of the language's own characters reaches deeper into the parser than
    /// arbitrary Unicode does.
    #[test]
    fn random_drove_like_text_never_panics(text in "([a-z0-9./:@*_-]{1,8}|[ \t\n{}\\[\\](),=;#\"]|\"\"\"|\r\n){0,80}") {
        exercise(&text);
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<usize>(), edits in proptest::collection::vec(edit(), 1..6)) {
        let corpus = corpus();
        let text = &corpus[pick % corpus.len()];
        exercise(&apply(text, &edits));
    }
}

#[test]
fn every_valid_fixture_survives_the_front_end() {
    for text in corpus() {
        exercise(&text);
    }
}

#[test]
fn deep_nesting() {
    for open in ["{", "[", "("] {
        let text = open.repeat(5000);
        exercise(&text);
        exercise(&format!("let a = {text}"));
        exercise(&format!("x {text}"));
    }
    let balanced = format!("let a = {}{}", "[".repeat(5000), "]".repeat(5000));
    exercise(&balanced);
    let blocks = format!("a {}{}", "b {".repeat(5000), "}".repeat(5000));
    exercise(&blocks);
}

#[test]
fn a_ten_megabyte_line() {
    let long = "a".repeat(10 << 20);
    exercise(&long);
    exercise(&format!("let a = \"{long}\"\n"));
    exercise(&format!("# {long}\nlet a = 1\n"));
    // Many tokens on one line; a megabyte keeps the debug build quick.
    exercise(&format!("let a = [{}]\n", "x, ".repeat(1 << 15).repeat(10)));
    exercise(&format!("package {}\n", "x, ".repeat(2000)));
}

#[test]
fn odd_characters() {
    exercise("let a = 1\0\n");
    exercise("\0");
    exercise("\"");
    exercise("let a = \"");
    exercise("\"\"\"");
    exercise("let a = \"\"\"\n");
    let crlf = "stack s {\r\n  region = \"ap-northeast-1\"  # r\r\n}\r\n\r\nlet a = [1,\r\n 2]\r\n";
    exercise(crlf);
    let out = drove_compiler::fmt::format(crlf).expect("CRLF parses");
    assert!(!out.contains('\r'), "{out:?}");
    assert_eq!(out, "stack s {\n  region = \"ap-northeast-1\"  # r\n}\n\nlet a = [1, 2]\n");
}
