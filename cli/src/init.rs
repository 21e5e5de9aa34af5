//! `drove init [PATH] [--migrate-state FILE]`: prepares the state backend (creates and
//! secures the S3 bucket), and moves a local state into it.

use crate::engine_run::{desired, report, runtime, stack_dir};
use crate::output::{write, Stream};
use drove_engine::session::Session;
use drove_engine::state::migrate::Migrated;
use std::path::Path;

pub fn run(path: &Path, migrate_from: Option<&Path>) -> u8 {
    let d = match desired(path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let work = async {
        let s = Session::open(&d, &stack_dir(path)).await?;
        let mut lines = s.init().await?;
        if let Some(from) = migrate_from {
            lines.push(migrated(&s.migrate_state(from).await?, from, &s.backend.describe()));
        }
        Ok::<_, drove_engine::EngineError>(lines)
    };
    match rt.block_on(work) {
        Ok(lines) => {
            for l in lines {
                write(Stream::Stdout, &format!("{l}\n"));
            }
            crate::exit::OK
        }
        Err(e) => report(&e),
    }
}

fn migrated(m: &Migrated, from: &Path, to: &str) -> String {
    let from = from.display();
    match m {
        Migrated::Copied { resources, serial } => format!(
            "moved the state ({resources} resources, serial {serial}) from {from} to {to}; drove no longer reads {from}: delete it"
        ),
        Migrated::Advanced { from_serial, serial } => {
            format!("{to} held serial {from_serial} of this state; it now holds serial {serial} from {from}")
        }
        Migrated::AlreadyThere { serial } => format!("{to} already holds this state (serial {serial}); nothing copied"),
    }
}
