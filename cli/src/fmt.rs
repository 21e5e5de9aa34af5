//! `drove fmt [PATH] [--check]`: rewrites every file of the stack in the canonical style.
//! A file with syntax errors is reported and left untouched.

use crate::output::{color, fail, write, Stream};
use drove_compiler::diag::Diagnostic;
use drove_compiler::render;
use drove_compiler::source::{FileId, Sources};
use std::path::Path;

pub fn run(path: &Path, check: bool) -> u8 {
    let sources = match crate::stack::load(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut broken = Vec::new();
    let mut changed = 0;
    for (id, file) in sources.files.iter().enumerate() {
        let formatted = match drove_compiler::fmt::format(&file.text) {
            Ok(text) => text,
            Err(errors) => {
                broken.extend(errors.into_iter().map(|d| in_file(d, id)));
                continue;
            }
        };
        if formatted == file.text {
            continue;
        }
        changed += 1;
        if check {
            write(Stream::Stdout, &format!("would reformat {}\n", file.path.display()));
        } else if let Err(e) = replace(&file.path, &formatted) {
            return fail(format!("{}: cannot write: {e}", file.path.display()));
        } else {
            write(Stream::Stdout, &format!("formatted {}\n", file.path.display()));
        }
    }
    if !broken.is_empty() {
        report_unformattable(&sources, &broken);
        return crate::exit::PROBLEMS;
    }
    if check && changed > 0 {
        return crate::exit::PROBLEMS;
    }
    crate::exit::OK
}

/// The formatter parses each file on its own (as file 0); point its diagnostics at the
/// file's place in the stack so they render with the right path.
fn in_file(mut d: Diagnostic, id: FileId) -> Diagnostic {
    d.primary.file = id;
    for l in &mut d.secondary {
        l.file = id;
    }
    for f in &mut d.fixes {
        f.file = id;
    }
    d
}

fn report_unformattable(sources: &Sources, errors: &[Diagnostic]) {
    write(Stream::Stderr, &render::text(sources, errors, color(Stream::Stderr)));
    write(Stream::Stderr, &format!("not formatted: {} (fix the syntax first)\n", render::summary(errors)));
}

/// Writes through a temporary file in the same directory and renames it over the
/// original, so an interrupted run never leaves a half-written source file.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.drove-fmt-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
