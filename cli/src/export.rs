//! `drove export zonefile ZONE [PATH] [--allow-unknown]`: one zone of a stack as a BIND
//! zone file on stdout (see `drove_compiler::zonefile::export` for what a zone file
//! cannot hold and how it is written).

use crate::output::{color, write, Stream};
use drove_compiler::analysis::analyze;
use drove_compiler::compile::compile_in;
use drove_compiler::render;
use drove_compiler::zonefile::export;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Print a zone of the stack as a BIND zone file (with a synthetic SOA)
    Zonefile(ZonefileArgs),
}

#[derive(Debug, clap::Args)]
pub struct ZonefileArgs {
    /// The zone's name (e.g. acme.example.) or address (e.g. zone.acme.example.)
    zone: String,
    /// A stack directory or a single .drove file
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Leave out, with a comment, records whose values are known only after apply
    #[arg(long)]
    allow_unknown: bool,
}

pub fn run(what: What) -> u8 {
    let What::Zonefile(args) = what;
    let sources = match crate::stack::load(&args.path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let analysis = analyze(&sources);
    let (env, diagnostics) = match crate::stack::chosen(&analysis, true) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    if diagnostics.iter().any(|d| d.is_error()) {
        write(Stream::Stderr, &render::text(&sources, diagnostics, color(Stream::Stderr)));
        write(Stream::Stderr, &format!("{}: not exported: {}\n", args.path.display(), render::summary(diagnostics)));
        return crate::exit::PROBLEMS;
    }
    let state = match compile_in(&analysis, env) {
        Ok(s) => s,
        Err(e) => {
            write(Stream::Stderr, &format!("drove: {}: {e}\n", args.path.display()));
            return crate::exit::PROBLEMS;
        }
    };
    match export::export(&state, &args.zone, args.allow_unknown) {
        Ok(out) => {
            let warnings: String = out.warnings.iter().map(|w| format!("warning: {w}\n")).collect();
            write(Stream::Stderr, &warnings);
            write(Stream::Stdout, &out.text);
            crate::exit::OK
        }
        Err(e) => {
            write(Stream::Stderr, &format!("drove: error: {e}\n"));
            crate::exit::PROBLEMS
        }
    }
}
