//! Starts moto's server from the repo's `.venv` on a free port of 127.0.0.1 and stops it
//! when dropped. Without moto the tests skip with a loud message, except under CI, where
//! a missing moto is a failure (`scripts/setup-moto` installs it).

// Each test binary that includes this file uses a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn config(&self, region: &str) -> drove_engine::aws::aws_config::SdkConfig {
        drove_engine::aws::endpoint_config(region, &self.endpoint(), "testing", "testing").await
    }

    /// Starts a server, or `None` (after saying so) when moto is not installed outside CI.
    pub fn start() -> Option<Moto> {
        Moto::start_with(&[])
    }

    /// [`Moto::start`] with moto's request recorder writing every request it serves, in
    /// order and with its body, to `file` (one JSON object a line; see [`recorded`]).
    pub fn start_recording(file: &std::path::Path) -> Option<Moto> {
        let path = file.display().to_string();
        Moto::start_with(&[("MOTO_ENABLE_RECORDING", "True"), ("MOTO_RECORDER_FILEPATH", &path)])
    }

    fn start_with(env: &[(&str, &str)]) -> Option<Moto> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let server = root.join(".venv/bin/moto_server");
        if !server.exists() {
            if std::env::var_os("CI").is_some() {
                panic!("moto is not installed ({}); run scripts/setup-moto", server.display());
            }
            eprintln!("\n*** SKIPPED: moto is not installed at {}; run scripts/setup-moto ***\n", server.display());
            return None;
        }
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ENABLE_AMI_VALIDATION", "true")
            .env("MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION", "true")
            // ACM issues a requested certificate this many seconds after the request (as if
            // its DNS validation had been seen), instead of a minute.
            .env("MOTO_ACM_VALIDATION_WAIT", "2")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if moto.get("/moto-api/").is_some() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not answer on port {port} within 60 s");
    }

    pub fn get(&self, path: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        out.starts_with("HTTP/1").then_some(out)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The requests moto's recorder wrote to `file`: `(action, body)` in the order moto served
/// them, the action from the query protocols' `Action=` or the JSON protocols'
/// `X-Amz-Target` (`SendCommand`), or `METHOD /path` for REST calls (Route53).
pub fn recorded(file: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let e: serde_json::Value = serde_json::from_str(line).expect("a recorded request");
        let mut body = e["body"].as_str().unwrap_or("").to_string();
        if e["body_encoded"].as_bool() == Some(true) {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD.decode(&body).unwrap_or_default();
            body = String::from_utf8_lossy(&bytes).into_owned();
        }
        let url = e["url"].as_str().unwrap_or("");
        let path = url.split("://").nth(1).and_then(|r| r.find('/').map(|i| &r[i..])).unwrap_or(url);
        if path.starts_with("/moto-api") {
            continue;
        }
        let target = e["headers"]["X-Amz-Target"].as_str().and_then(|t| t.rsplit('.').next());
        let query = format!("{url}&{body}");
        let action = query.split(['?', '&']).find_map(|kv| kv.strip_prefix("Action="));
        let name = match (target, action) {
            (Some(t), _) => t.to_string(),
            (None, Some(a)) => a.to_string(),
            (None, None) => format!("{} {}", e["method"].as_str().unwrap_or("?"), path.split('?').next().unwrap_or("")),
        };
        out.push((name, body));
    }
    out
}
