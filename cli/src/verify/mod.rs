//! `drove verify [PATH]`: checks that what runs is what the stack says. The live half
//! refreshes every resource from AWS and reports any difference a plan would act on; the
//! DNS half asks the zones' name servers (or `--nameserver`) for every record set and
//! compares the answers. Exit 0: everything matches; 1: drift or a wrong answer; 2: the
//! stack could not be compiled or a check could not be made. See `docs/verify.md`.

mod canon;
mod dns;
mod expect;
mod live;
mod query;
mod report;

use crate::engine_run::{report as engine_error, runtime, stack_dir};
use crate::output::{write, Stream};
use drove_engine::session::Session;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A stack directory or a single .drove file
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only the DNS answers; with --nameserver no AWS call is made
    #[arg(long, visible_alias = "dns-only")]
    pub skip_live: bool,
    /// Only the live resources, no DNS query
    #[arg(long, conflicts_with = "skip_live")]
    pub skip_dns: bool,
    /// Ask this server for every zone instead of the zones' name servers (needed for
    /// private zones); IP or IP:PORT
    #[arg(long, value_name = "IP:PORT", value_parser = parse_server)]
    pub nameserver: Option<SocketAddr>,
    /// Seconds to wait for each DNS answer
    #[arg(long, value_name = "SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
    /// Times each DNS question is asked before the server counts as not answering
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub tries: u32,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_server(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>().or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53))).map_err(|_| {
        format!("`{text}` is not an IP address or IP:PORT (an IPv6 address with a port is written [::1]:53)")
    })
}

pub fn run(args: &Args) -> u8 {
    // A stack with errors cannot be verified; exit 1 is kept for drift and wrong answers.
    let desired = match crate::compile::desired_state(&args.path, "verified") {
        Ok(d) => d,
        Err(_) => return crate::exit::USAGE,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let limits = query::Limits { timeout: Duration::from_secs(args.timeout), tries: args.tries };
    // Instances are compared by the fingerprint of their rendered user data, which needs
    // the stack's secrets, as a plan does.
    let ud = if args.skip_live {
        None
    } else {
        match crate::engine_run::user_data(desired.user_data(), desired.sealed()) {
            Ok(u) => u,
            Err(code) => return code,
        }
    };
    rt.block_on(async {
        let session = match Session::open(&desired, &stack_dir(&args.path)).await {
            Ok(s) => match ud {
                Some(u) => s.with_user_data(u),
                None => s,
            },
            Err(e) => {
                engine_error(&e);
                return crate::exit::USAGE;
            }
        };
        let state = match session.read_state().await {
            Ok(s) => s,
            // Without the state, values from hosts and the zones' name servers are unknown,
            // which the DNS half reports; the live half cannot run.
            Err(e) if args.skip_live => {
                write(
                    Stream::Stderr,
                    &format!("warning[{}]: {}; values from the state are unknown\n", e.code, e.message),
                );
                None
            }
            Err(e) => {
                engine_error(&e);
                return crate::exit::USAGE;
            }
        };
        let mut outputs = expect::Outputs::new();
        for (address, r) in state.iter().flat_map(|s| &s.resources) {
            let mut o = r.outputs.clone();
            o.entry("id").or_insert_with(|| serde_json::Value::String(r.id.clone()));
            outputs.insert(address.clone(), o);
        }
        let live = if args.skip_live {
            None
        } else {
            match live::check(&session, &desired, state.as_ref()).await {
                Ok(c) => {
                    for (address, o) in c.outputs {
                        outputs.entry(address).or_default().extend(o);
                    }
                    Some(c.report)
                }
                Err(e) => {
                    engine_error(&e);
                    return crate::exit::USAGE;
                }
            }
        };
        let findings = if args.skip_dns {
            None
        } else {
            let zones = expect::zones(&desired, &outputs);
            let mut servers = Vec::with_capacity(zones.len());
            for z in &zones {
                servers.push(dns::servers_of(z, args.nameserver).await);
            }
            Some(dns::check(&zones, &servers, limits).await)
        };
        let verdict = report::Verdict::of(live.as_ref(), findings.as_deref());
        match args.format {
            Format::Text => write(Stream::Stdout, &report::text(live.as_ref(), findings.as_deref())),
            Format::Json => write(Stream::Stdout, &report::json(&verdict, live.as_ref(), findings.as_deref())),
        }
        verdict.exit_code()
    })
}
