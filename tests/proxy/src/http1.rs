//! The server side: HTTP/1.1 requests read with `httparse` from one connection after
//! another (keep-alive), answered with a `Content-Length` body.

use crate::Shared;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::{Request, Response};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_HEAD: usize = 64 * 1024;

/// Reads more of the connection into `buf`; false at the end of the stream.
async fn fill(stream: &mut TcpStream, buf: &mut BytesMut) -> bool {
    matches!(stream.read_buf(buf).await, Ok(n) if n > 0)
}

/// The head's length and the request it describes, once `buf` holds a whole head.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Request<()>, bool)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("bad request head: {e}")),
    };
    let mut b = Request::builder().method(req.method.unwrap_or("GET")).uri(req.path.unwrap_or("/"));
    let mut close = req.version == Some(0);
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
        b = b.header(h.name, h.value);
    }
    b.body(()).map(|r| Some((len, r, close))).map_err(|e| format!("bad request head: {e}"))
}

/// A chunked body from `buf` (and the stream): its bytes once the last chunk is in.
async fn read_chunked(stream: &mut TcpStream, buf: &mut BytesMut) -> Option<Bytes> {
    let mut body = BytesMut::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if !fill(stream, buf).await {
                return None;
            }
        };
        let size_text = std::str::from_utf8(&buf[..line_end]).ok()?.split(';').next()?.trim().to_string();
        let size = usize::from_str_radix(&size_text, 16).ok()?;
        let _ = buf.split_to(line_end + 2);
        while buf.len() < size + 2 {
            if !fill(stream, buf).await {
                return None;
            }
        }
        body.extend_from_slice(&buf.split_to(size));
        let _ = buf.split_to(2);
        if size == 0 {
            return Some(body.freeze());
        }
    }
}

async fn write_response(stream: &mut TcpStream, res: Response<http_body_util::Full<Bytes>>, close: bool) -> bool {
    let (parts, body) = res.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut head = format!("HTTP/1.1 {} {}\r\n", parts.status.as_u16(), parts.status.canonical_reason().unwrap_or(""));
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            head.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {}\r\n", body.len()));
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    // One write: a head sent alone holds the body back until the client acknowledges it
    // (Nagle's algorithm against delayed ACKs), about 40 ms per call on Linux.
    let mut whole = head.into_bytes();
    whole.extend_from_slice(&body);
    stream.write_all(&whole).await.is_ok()
}

/// Serves one connection until the client closes it.
pub(crate) async fn connection(mut stream: TcpStream, shared: Arc<Shared>) {
    // Answers go out as soon as they are written; the latency is the configured one only.
    let _ = stream.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(8 * 1024);
    loop {
        let (head_len, head, close) = loop {
            match parse_head(&buf) {
                Ok(Some(x)) => break x,
                Ok(None) if buf.len() < MAX_HEAD => {
                    if !fill(&mut stream, &mut buf).await {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    write_response(&mut stream, crate::respond(400, "text/plain", e), true).await;
                    return;
                }
            }
        };
        let _ = buf.split_to(head_len);
        let chunked = head
            .headers()
            .get(hyper::header::TRANSFER_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let body = if chunked {
            match read_chunked(&mut stream, &mut buf).await {
                Some(b) => b,
                None => return,
            }
        } else {
            let len: usize = head
                .headers()
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < len {
                if !fill(&mut stream, &mut buf).await {
                    return;
                }
            }
            buf.split_to(len).freeze()
        };
        let (mut parts, ()) = head.into_parts();
        if chunked {
            parts.headers.remove(hyper::header::TRANSFER_ENCODING);
            if let Ok(v) = hyper::header::HeaderValue::from_str(&body.len().to_string()) {
                parts.headers.insert(hyper::header::CONTENT_LENGTH, v);
            }
        }
        let res = crate::handle(shared.clone(), Request::from_parts(parts, body)).await;
        if !write_response(&mut stream, res, close).await || close {
            return;
        }
    }
}
