//! `drove reach SOURCE DEST[:PORT] [PATH]` and `drove reach --exposed [PATH]`: what can
//! open a connection to what, from the compiled model alone (no AWS call), with the path
//! that allows it or the first thing that blocks it.

use crate::output::{fail, write, Stream};
use drove_compiler::reach::{self, Answer};
use std::path::PathBuf;

/// The answer was "no": a script asserting that something is unreachable tests for it.
pub const NOT_REACHABLE: u8 = 3;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Endpoints: `internet`, a CIDR or address, `hosts.NAME` (or one `hosts.NAME[i]`), `host.NAME`, \
`role.NAME` (every instance of the role), `balancer.NAME`; a port as `:443` or `:53/udp` (TCP by default). \
Exit 0 when SOURCE reaches DEST (every instance of it), 3 when it does not, 1 when the stack has errors, 2 on bad \
arguments."
)]
pub struct Args {
    /// SOURCE DEST[:PORT] [PATH], or with --exposed only [PATH] (a stack directory or a
    /// single .drove file, default `.`)
    #[arg(value_name = "SOURCE DEST[:PORT] [PATH]", num_args = 0..=3)]
    words: Vec<String>,
    /// List every instance and balancer port the internet can reach, and how
    #[arg(long)]
    exposed: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: &Args) -> u8 {
    let (ends, path) = match (args.exposed, args.words.as_slice()) {
        (true, []) => (None, PathBuf::from(".")),
        (true, [p]) => (None, PathBuf::from(p)),
        (false, [s, d]) => (Some((s, d)), PathBuf::from(".")),
        (false, [s, d, p]) => (Some((s, d)), PathBuf::from(p)),
        (true, _) => return fail("`drove reach --exposed` takes only a stack path"),
        (false, _) => return fail("give SOURCE and DEST[:PORT] (and the stack's path), or --exposed"),
    };
    let state = match crate::compile::desired_state(&path, "analysed") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (model, links) = reach::of_desired(&state);
    if args.exposed {
        let list = reach::exposed(&model, &links);
        let text = match args.format {
            Format::Json => json(&list),
            Format::Text if list.is_empty() => "nothing is reachable from the internet\n".to_string(),
            Format::Text => list
                .iter()
                .map(|e| {
                    let port = if e.port == 0 { "all ports".to_string() } else { format!("{}/{}", e.port, e.protocol) };
                    format!("{} {port}\n    {}\n", e.destination, e.path.replace("; ", "\n    "))
                })
                .collect(),
        };
        write(Stream::Stdout, &text);
        return crate::exit::OK;
    }
    let Some((src, dst)) = ends else { return fail("give SOURCE and DEST[:PORT]") };
    let (source, _) = match reach::parse(src, &model) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let (destination, port) = match reach::parse(dst, &model) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let answer = reach::reach(&model, &links, &source, &destination, port);
    write(
        Stream::Stdout,
        &match args.format {
            Format::Json => json(&answer),
            Format::Text => text(&answer),
        },
    );
    if answer.reachable {
        crate::exit::OK
    } else {
        NOT_REACHABLE
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).map(|s| s + "\n").unwrap_or_default()
}

fn text(a: &Answer) -> String {
    let port = a.port.map(|p| format!(":{p}")).unwrap_or_default();
    let mut out = format!("{}: {} → {}{port}\n", if a.reachable { "yes" } else { "no" }, a.source, a.destination);
    // Verdicts with the same reasoning (the instances of one group) are shown once.
    let mut groups: Vec<(&reach::Verdict, Vec<String>)> = Vec::new();
    for v in &a.verdicts {
        let pair = format!("{} → {}", v.source, v.destination);
        match groups.iter_mut().find(|(first, _)| first.shape() == v.shape()) {
            Some((_, pairs)) => pairs.push(pair),
            None => groups.push((v, vec![pair])),
        }
    }
    let alone = groups.len() == 1 && groups[0].1.len() == 1;
    for (v, pairs) in &groups {
        if !alone {
            let mark = if v.reachable { "reaches" } else { "does not reach" };
            out.push_str(&format!("  {mark}: {}\n", pairs.join(", ")));
        }
        for s in &v.steps {
            out.push_str(&format!("    {s}\n"));
        }
        if let Some(b) = &v.blocked {
            out.push_str(&format!("    blocked: {b}\n"));
        }
    }
    out
}
