//! The canonical formatter (`drove fmt`). It prints the concrete syntax tree back in one
//! style (see `docs/language.md`, "Formatting") and puts every comment back where it
//! was relative to the code. A file with syntax errors is never reformatted.

mod equiv;
mod expr;
mod layout;
mod printer;
mod stmt;
mod strings;

use crate::diag::Diagnostic;
use crate::syntax::cst::{File, Item};
pub use equiv::shape;
use printer::Printer;
pub use stmt::is_record_type;
pub use strings::quote;

/// Formats one file. Returns the syntax errors instead when the file does not parse
/// cleanly, so a broken file is never rewritten.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = crate::syntax::parse(0, text);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(format_file(&file, text))
}

/// Prints a parsed file; `text` is the source it was parsed from.
pub fn format_file(file: &File, text: &str) -> String {
    let mut p = Printer::new(text, &file.comments);
    let entries = p.entries(&file.items, Item::span, |p, it, _| p.item(it, 0, stmt::Ctx::Top), 0, text.len());
    let lines = layout::layout(entries, 0, true);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
