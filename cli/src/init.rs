//! `drove init [PATH]`: prepares the state backend (creates and secures the S3 bucket).

use crate::engine_run::{desired, report, runtime, stack_dir};
use crate::output::{write, Stream};
use drove_engine::session::Session;
use std::path::Path;

pub fn run(path: &Path) -> u8 {
    let d = match desired(path) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match rt.block_on(async { Session::open(&d, &stack_dir(path)).await?.init().await }) {
        Ok(lines) => {
            for l in lines {
                write(Stream::Stdout, &format!("{l}\n"));
            }
            crate::exit::OK
        }
        Err(e) => report(&e),
    }
}
