//! `drove completions SHELL` and `drove man`: generated from the same clap definition as
//! the parser, so they never drift from the real flags.

use crate::output::{fail, write, Stream};
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "drove", &mut buf);
    match String::from_utf8(buf) {
        Ok(s) => {
            write(Stream::Stdout, &s);
            crate::exit::OK
        }
        Err(e) => fail(format!("completion script is not UTF-8: {e}")),
    }
}

pub fn man() -> u8 {
    let mut buf = Vec::new();
    if let Err(e) = clap_mangen::Man::new(crate::Cli::command()).render(&mut buf) {
        return fail(format!("cannot render the manual page: {e}"));
    }
    write(Stream::Stdout, &String::from_utf8_lossy(&buf));
    crate::exit::OK
}
