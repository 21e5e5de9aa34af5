//! One DNS question to one server: UDP first, TCP when the answer is truncated, each try
//! bounded by a timeout and retried. hickory-proto builds and reads the messages; the
//! transport is plain tokio sockets because an authoritative check wants the server's own
//! answer (no recursion, no cache, no CNAME chasing), which a resolver would hide.

use hickory_proto::op::{Message, MessageType, Query};
use hickory_proto::rr::{Name, RecordType};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::timeout;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub tries: u32,
}

/// Asks `server` for `name`/`rtype`; the error says what went wrong on the last try.
pub async fn ask(server: SocketAddr, name: &Name, rtype: RecordType, limits: Limits) -> Result<Message, String> {
    let mut last = String::from("no try made");
    for _ in 0..limits.tries.max(1) {
        let mut request = Message::query();
        request.metadata.recursion_desired = false;
        request.add_query(Query::query(name.clone(), rtype));
        let bytes = request.to_vec().map_err(|e| format!("cannot encode the query: {e}"))?;
        match timeout(limits.timeout, udp(server, &bytes, request.metadata.id)).await {
            Ok(Ok(m)) if !m.metadata.truncation => return Ok(m),
            Ok(Ok(_)) => match timeout(limits.timeout, tcp(server, &bytes)).await {
                Ok(Ok(m)) => return Ok(m),
                Ok(Err(e)) => last = format!("TCP after a truncated UDP answer: {e}"),
                Err(_) => last = format!("no TCP answer within {:?} after a truncated UDP answer", limits.timeout),
            },
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("no answer within {:?}", limits.timeout),
        }
    }
    Err(last)
}

async fn udp(server: SocketAddr, bytes: &[u8], id: u16) -> Result<Message, String> {
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    socket.connect(server).await.map_err(|e| format!("UDP to {server}: {e}"))?;
    socket.send(bytes).await.map_err(|e| format!("UDP to {server}: {e}"))?;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = socket.recv(&mut buf).await.map_err(|e| format!("UDP from {server}: {e}"))?;
        // A late answer to an earlier try, or garbage, is skipped; the timeout bounds the wait.
        if let Ok(m) = Message::from_vec(&buf[..n]) {
            if m.metadata.id == id && m.metadata.message_type == MessageType::Response {
                return Ok(m);
            }
        }
    }
}

async fn tcp(server: SocketAddr, bytes: &[u8]) -> Result<Message, String> {
    let mut stream = TcpStream::connect(server).await.map_err(|e| format!("TCP to {server}: {e}"))?;
    let len = u16::try_from(bytes.len()).map_err(|_| "query too long".to_string())?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    stream.write_all(&framed).await.map_err(|e| format!("TCP to {server}: {e}"))?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await.map_err(|e| format!("TCP from {server}: {e}"))?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).await.map_err(|e| format!("TCP from {server}: {e}"))?;
    Message::from_vec(&buf).map_err(|e| format!("TCP from {server}: unreadable answer: {e}"))
}
