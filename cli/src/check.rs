//! `drove check [PATH] [--format text|json]`

use crate::output::{color, write, Stream};
use drove_compiler::render;
use std::path::Path;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(path: &Path, format: Format) -> u8 {
    if path.is_dir() && drove_compiler::repo::stack_files(path).is_empty() {
        return crate::check_repo::run(path, format);
    }
    let sources = match crate::stack::load(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let diagnostics = match crate::stack::diagnostics(&sources) {
        Ok(d) => d,
        Err(code) => return code,
    };
    match format {
        Format::Json => write(Stream::Stdout, &format!("{}\n", render::json(&sources, &diagnostics))),
        Format::Text => {
            write(Stream::Stdout, &render::text(&sources, &diagnostics, color(Stream::Stdout)));
            let files = sources.files.len();
            let summary = format!(
                "{}: {} ({files} file{})\n",
                path.display(),
                render::summary(&diagnostics),
                if files == 1 { "" } else { "s" }
            );
            write(Stream::Stdout, &summary);
        }
    }
    if diagnostics.iter().any(|d| d.is_error()) {
        crate::exit::PROBLEMS
    } else {
        crate::exit::OK
    }
}
