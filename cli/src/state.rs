//! `drove state list|show|mv|unlock`: inspecting the state, recording a move, breaking a
//! stale lock.

use crate::engine_run::{desired, report, runtime, stack_dir};
use crate::output::{write, Stream};
use drove_engine::session::Session;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the addresses in the state with their kind and id
    List {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Print the state (or one resource of it) as JSON
    Show {
        /// Only this resource address
        address: Option<String>,
        #[arg(long, default_value = ".")]
        path: PathBuf,
    },
    /// Give a resource, and everything under it, a new address (after a rename in the
    /// source), so the next plan says "moved" and AWS is not touched
    Mv {
        /// The address in the state now: `hosts.app`, `firewall.web`, `network.main`, …
        from: String,
        /// The address the source gives it now
        to: String,
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Break a lock left by a run that died (the id is in the lock error)
    Unlock {
        id: String,
        #[arg(long, default_value = ".")]
        path: PathBuf,
    },
}

pub fn run(cmd: &Command) -> u8 {
    let path = match cmd {
        Command::List { path }
        | Command::Show { path, .. }
        | Command::Unlock { path, .. }
        | Command::Mv { path, .. } => path,
    };
    let d = match desired(path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let result = rt.block_on(async {
        let s = Session::open(&d, &stack_dir(path)).await?;
        match cmd {
            Command::Unlock { id, .. } => {
                s.backend.force_unlock(id).await?;
                Ok(format!("Released the lock {id} on {}.\n", s.backend.describe()))
            }
            Command::Mv { from, to, .. } => {
                let pairs = s.state_mv(from, to).await?;
                let mut text: String = pairs.iter().map(|(o, n)| format!("Moved {o} to {n}.\n")).collect();
                text.push_str(&format!(
                    "{} address(es) moved in {}; the next plan says \"moved\" for them.\n",
                    pairs.len(),
                    s.backend.describe()
                ));
                Ok(text)
            }
            Command::List { .. } => Ok(match s.read_state().await? {
                None => format!("No state yet at {}.\n", s.backend.describe()),
                Some(st) => st.resources.iter().map(|(a, r)| format!("{a}\t{}\t{}\n", r.kind, r.id)).collect(),
            }),
            Command::Show { address, .. } => {
                let st = s.read_state().await?;
                match (st, address) {
                    (None, _) => Ok(format!("No state yet at {}.\n", s.backend.describe())),
                    (Some(st), None) => Ok(st.to_json()),
                    (Some(st), Some(a)) => match st.resources.get(a) {
                        Some(r) => Ok(format!("{}\n", serde_json::to_string_pretty(r).unwrap_or_default())),
                        None => Err(drove_engine::EngineError::new(
                            drove_engine::error::codes::UNKNOWN_TARGET,
                            format!("the state has no resource {a}"),
                        )),
                    },
                }
            }
        }
    });
    match result {
        Ok(text) => {
            write(Stream::Stdout, &text);
            crate::exit::OK
        }
        Err(e) => report(&e),
    }
}
