//! `drove import zonefile FILE [--origin NAME] [--skip-unsupported] [--stack NAME --region R]`:
//! drove source for a BIND zone file on stdout; notes, warnings and errors (each with the
//! zone file's path and line) on stderr. Exit 1 when the zone file can't be imported.

use crate::output::{fail, write, Stream};
use drove_compiler::dns::name::{Name, NameUse};
use drove_compiler::zonefile::{self, import};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Print drove source for a BIND zone file (SOA and apex NS are left out: Route53 owns them)
    Zonefile(ZonefileArgs),
    /// Print drove source for live Route53 zones, VPCs and instances and adopt them into the stack's state
    #[cfg(feature = "aws")]
    Aws(crate::import_aws::Args),
}

#[derive(Debug, clap::Args)]
pub struct ZonefileArgs {
    /// The zone file ($INCLUDE paths are relative to it)
    file: PathBuf,
    /// The zone's name, e.g. example.com. (default: the SOA's owner, else the first $ORIGIN)
    #[arg(long)]
    origin: Option<String>,
    /// Leave out records of types Route53 can't hold, with a warning each, instead of refusing
    #[arg(long)]
    skip_unsupported: bool,
    /// Also print `stack NAME { region = … }`, so the output is a complete stack
    #[arg(long, requires = "region")]
    stack: Option<String>,
    /// The region of the `--stack` block
    #[arg(long, requires = "stack")]
    region: Option<String>,
}

pub fn run(what: What) -> u8 {
    match what {
        What::Zonefile(args) => zonefile_cmd(args),
        #[cfg(feature = "aws")]
        What::Aws(args) => crate::import_aws::run(args),
    }
}

fn errors(list: &[zonefile::Error]) -> u8 {
    let mut text = String::new();
    for e in list {
        text.push_str(&format!("{e}\n"));
    }
    text.push_str(&format!("drove: not imported: {} error(s)\n", list.len()));
    write(Stream::Stderr, &text);
    crate::exit::PROBLEMS
}

fn zonefile_cmd(args: ZonefileArgs) -> u8 {
    let origin = match &args.origin {
        Some(o) => {
            let text = if o.ends_with('.') { o.clone() } else { format!("{o}.") };
            match Name::parse(&text, None, NameUse::Zone) {
                Ok(n) => Some(n),
                Err(e) => return fail(format!("--origin `{o}`: {e}")),
            }
        }
        None => None,
    };
    if let Err(e) = std::fs::metadata(&args.file) {
        return fail(format!("{}: {e}", args.file.display()));
    }
    let zone = match zonefile::read_file(&args.file, origin.as_ref()) {
        Ok(z) => z,
        Err(list) => return errors(&list),
    };
    // Records left out under `--skip-unsupported`: warnings, since the zone served from
    // Route53 will lack them.
    let mut warnings = Vec::new();
    if !zone.unsupported.is_empty() {
        let list: Vec<zonefile::Error> = zone
            .unsupported
            .iter()
            .map(|s| zonefile::Error { at: s.at.clone(), message: format!("{} {}: {}", s.owner, s.rtype, s.why) })
            .collect();
        if !args.skip_unsupported {
            let mut text: String = list.iter().map(|e| format!("{e}\n")).collect();
            text.push_str("drove: not imported: pass --skip-unsupported to leave these records out\n");
            write(Stream::Stderr, &text);
            return crate::exit::PROBLEMS;
        }
        warnings.extend(list.iter().map(|e| format!("{e} (left out)")));
    }
    let opts = import::Options { file_label: args.file.display().to_string(), stack: args.stack.zip(args.region) };
    match import::to_drove(&zone, &opts) {
        Ok(out) => {
            let mut text = String::new();
            for w in &warnings {
                text.push_str(&format!("warning: {w}\n"));
            }
            for n in &out.notes {
                text.push_str(&format!("note: {n}\n"));
            }
            write(Stream::Stderr, &text);
            write(Stream::Stdout, &out.source);
            crate::exit::OK
        }
        Err(list) => errors(&list),
    }
}
