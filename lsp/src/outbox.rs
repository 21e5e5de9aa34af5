//! The server's one writer to its output.
//!
//! tower-lsp-server turns every outgoing message into a `serde_json::Value` tree before it
//! writes it. For a file's whole list of diagnostics (3.8 MB for 10,000 of them) building
//! and freeing that tree costs several times the analysis that made the list. So the
//! library writes its framed messages into [`Frames`], which hands each complete one to the
//! writer thread, and diagnostics are serialised straight from the protocol types by
//! [`Outbox::notify`] and handed to the same thread. The thread writes whole messages only,
//! in the order they reach it, so the two sources never interleave inside a message.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use serde::Serialize;
use tower_lsp_server::ls_types::notification::Notification;

/// Sends notifications the server makes itself; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Vec<u8>>,
}

/// The library's output: collects its bytes and passes on each complete message.
pub struct Frames {
    pending: Vec<u8>,
    tx: mpsc::Sender<Vec<u8>>,
}

/// The writer thread; [`Writer::finish`] writes what is queued and stops it.
pub struct Writer {
    tx: mpsc::Sender<Vec<u8>>,
    thread: JoinHandle<()>,
}

/// An outbox, the library's output and the thread writing both to `out`.
pub fn start(mut out: impl Write + Send + 'static) -> io::Result<(Outbox, Frames, Writer)> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let thread = std::thread::Builder::new().name("drove-lsp-writer".into()).spawn(move || {
        // An empty message is the stop signal; a closed output (the client went away) ends
        // the thread too, and the server notices on its input.
        while let Ok(message) = rx.recv() {
            if message.is_empty() || out.write_all(&message).and_then(|()| out.flush()).is_err() {
                break;
            }
        }
    })?;
    Ok((Outbox { tx: tx.clone() }, Frames { pending: Vec::new(), tx: tx.clone() }, Writer { tx, thread }))
}

impl Outbox {
    /// Queues the notification `N` with `params`, serialised without a `Value` tree.
    pub fn notify<N: Notification>(&self, params: &N::Params) {
        #[derive(Serialize)]
        struct Message<'a, P> {
            jsonrpc: &'static str,
            method: &'static str,
            params: &'a P,
        }
        let body = match serde_json::to_vec(&Message { jsonrpc: "2.0", method: N::METHOD, params }) {
            Ok(body) => body,
            Err(_) => return, // protocol types always serialise; nothing sensible to send otherwise
        };
        let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        message.reserve_exact(body.len());
        message.extend_from_slice(&body);
        // A closed channel means the server is stopping: the message has nowhere to go.
        let _ = self.tx.send(message);
    }
}

impl Writer {
    /// Writes every message queued so far, then stops the thread.
    pub fn finish(self) {
        let _ = self.tx.send(Vec::new());
        let _ = self.thread.join();
    }
}

impl tokio::io::AsyncWrite for Frames {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.pending.extend_from_slice(data);
        while let Some(len) = complete_message(&this.pending)? {
            let rest = this.pending.split_off(len);
            let message = std::mem::replace(&mut this.pending, rest);
            if this.tx.send(message).is_err() {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The length of the first message in `bytes` (its header and body) once all of it is there.
fn complete_message(bytes: &[u8]) -> io::Result<Option<usize>> {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let header = std::str::from_utf8(&bytes[..end]).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let length = header
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a message without Content-Length"))?;
    let total = end + 4 + length;
    Ok((bytes.len() >= total).then_some(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::AsyncWriteExt;
    use tower_lsp_server::ls_types::notification::LogMessage;
    use tower_lsp_server::ls_types::{LogMessageParams, MessageType};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn messages_written_in_pieces_come_out_whole_and_between_notifications() {
        let out = Shared::default();
        let (outbox, mut frames, writer) = start(out.clone()).unwrap();
        let first = framed(r#"{"jsonrpc":"2.0","id":1,"result":null}"#);
        let second = framed(r#"{"jsonrpc":"2.0","id":2,"result":"é"}"#);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            // Half of the first message, a notification, then the rest and the second.
            let (a, b) = first.as_bytes().split_at(20);
            frames.write_all(a).await.unwrap();
            let params = LogMessageParams { typ: MessageType::INFO, message: "m".into() };
            outbox.notify::<LogMessage>(&params);
            frames.write_all(b).await.unwrap();
            frames.write_all(second.as_bytes()).await.unwrap();
        });
        writer.finish();
        let written = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let note = framed(r#"{"jsonrpc":"2.0","method":"window/logMessage","params":{"type":3,"message":"m"}}"#);
        assert_eq!(written, format!("{note}{first}{second}"));
    }

    #[test]
    fn a_header_without_length_is_refused() {
        assert!(complete_message(b"Content-Type: x\r\n\r\n{}").is_err());
        assert_eq!(complete_message(b"content-length: 2\r\n\r\n{").unwrap(), None);
        assert_eq!(complete_message(b"Content-Length: 2\r\n\r\n{}{").unwrap(), Some(23));
    }
}
