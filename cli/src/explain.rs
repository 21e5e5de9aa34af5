//! `drove explain CODE`: the embedded page of a diagnostic code.

use crate::output::{fail, write, Stream};
use drove_compiler::codes;

pub fn run(code: &str) -> u8 {
    match codes::explain(code) {
        Some(page) => {
            write(Stream::Stdout, page);
            if !page.ends_with('\n') {
                write(Stream::Stdout, "\n");
            }
            crate::exit::OK
        }
        None => {
            let known = codes::all().iter().map(|(c, _)| *c);
            let hint = drove_compiler::diag::did_you_mean(code, known)
                .map(|c| format!(" (did you mean {c}?)"))
                .unwrap_or_default();
            fail(format!("no diagnostic code `{code}`{hint}; codes look like E0101 or W0003"))
        }
    }
}
