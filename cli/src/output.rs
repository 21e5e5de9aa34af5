//! Where output goes and whether it is coloured.

use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org).
pub fn color(stream: Stream) -> bool {
    let wanted = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    wanted
        && match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
}

/// Writes to a stream, ignoring a closed pipe (`drove check | head` must not panic).
pub fn write(stream: Stream, text: &str) {
    let _ = match stream {
        Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
        Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
    };
}

/// An I/O or usage problem: printed as `drove: …` on stderr, exit code 2.
pub fn fail(message: impl std::fmt::Display) -> u8 {
    write(Stream::Stderr, &format!("drove: error: {message}\n"));
    crate::exit::USAGE
}
