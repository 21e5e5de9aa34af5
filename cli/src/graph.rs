//! `drove graph [PATH] [--format dot|mermaid]`: the stack's resources and what each
//! needs, for a reviewer to see the network, the hosts in it and the records that
//! point at them. Graphviz renders DOT; GitHub and GitLab render Mermaid in Markdown.

use crate::output::{write, Stream};
use drove_compiler::graph;
use std::path::Path;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
}

pub fn run(path: &Path, format: Format) -> u8 {
    let state = match crate::compile::desired_state(path, "drawn") {
        Ok(state) => state,
        Err(code) => return code,
    };
    let text = match format {
        Format::Dot => graph::to_dot(&state),
        Format::Mermaid => graph::to_mermaid(&state),
    };
    write(Stream::Stdout, &text);
    crate::exit::OK
}
