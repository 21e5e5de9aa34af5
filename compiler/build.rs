//! Embeds every `docs/codes/*.md` page so `drove explain` and the language server need no
//! files at run time. Pages are discovered here, so adding a code needs no Rust edit.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../docs/codes");
    println!("cargo:rerun-if-changed=../docs/codes");
    let mut pages: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(code) = path.file_stem().and_then(|s| s.to_str()) else { continue };
            let is_code = code.len() == 5
                && (code.starts_with('E') || code.starts_with('W'))
                && code[1..].bytes().all(|b| b.is_ascii_digit());
            if is_code && path.extension().is_some_and(|x| x == "md") {
                pages.push(code.to_string());
            }
        }
    }
    pages.sort();
    let mut out = String::from("/// Every code page, sorted by code.\npub static PAGES: &[(&str, &str)] = &[\n");
    // Paths relative to the crate being compiled, not to the checkout this script last ran
    // in: one target directory shared by two checkouts reuses this output.
    for code in &pages {
        let _ = writeln!(
            out,
            "    ({code:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../docs/codes/{code}.md\"))),"
        );
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("code_pages.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
