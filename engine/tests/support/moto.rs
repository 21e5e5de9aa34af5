//! Starts moto's server from the repo's `.venv` on a free port of 127.0.0.1 and stops it
//! when dropped. Without moto the tests skip with a loud message, except under CI, where
//! a missing moto is a failure (`scripts/setup-moto` installs it).

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
