//! A provider that writes every change it applies and every drain check that passes on a
//! host to one log file, so the file holds the one true order of calls and checks. It can
//! also die at its k-th call: the call takes effect but its answer never comes back, as
//! when drove is killed while AWS acts.

// Each test binary compiles the support modules and uses a part of them.
#![allow(dead_code)]

use async_trait::async_trait;
use drove_engine::provider::{
    Change, HostCommand, HostOutcome, Image, Known, Live, Operation, Provider, Wanted, ZoneRecord,
};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct Recorder {
    inner: Arc<dyn Provider>,
    log: PathBuf,
    calls: AtomicUsize,
    die_at: Option<usize>,
    pub died: tokio::sync::Notify,
}

impl Recorder {
    pub fn new(inner: Arc<dyn Provider>, log: PathBuf, die_at: Option<usize>) -> Recorder {
        Recorder { inner, log, calls: AtomicUsize::new(0), die_at, died: tokio::sync::Notify::new() }
    }

    fn append(&self, line: &str) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("log opens");
        writeln!(f, "{line}").expect("log writes");
    }
}

/// The drain check of the rollout tests' roles.
pub const DRAIN: &str = "test ! -s /var/log/td-agent/buffer/*";

/// The log line of a drain check that passed: `drain ADDRESS ID ROLE STACK PRIVATE_IP
/// PUBLIC_IP`, from the variables the check was given (an empty one left out).
fn drain_line(cmd: &HostCommand) -> String {
    let var = |k: &str| cmd.env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let words =
        ["DROVE_ADDRESS", "DROVE_INSTANCE_ID", "DROVE_ROLE", "DROVE_STACK", "DROVE_PRIVATE_IP", "DROVE_PUBLIC_IP"]
            .map(var);
    std::iter::once("drain").chain(words.into_iter().filter(|w| !w.is_empty())).collect::<Vec<_>>().join(" ")
}

/// (instance id, private IP, public IP) of a host.
pub type Host = (String, String, String);

/// The log of `hosts.app[0..4]` replaced in batches of 2 with one change at a time, the
/// A record `record` following the public addresses: batch 1's new instances, the record
/// moved to them (still naming batch 2's old ones), each old one drained then terminated;
/// then batch 2 the same way.
pub fn rollout_log(record: &str, stack: &str, old: &[Host], new: &[Host]) -> Vec<String> {
    let ips = |hosts: [&Host; 4]| {
        serde_json::to_string(&hosts.iter().map(|h| h.2.clone()).collect::<Vec<_>>()).expect("json")
    };
    let drained = |i: usize| format!("drain hosts.app[{i}] {} app {stack} {} {}", old[i].0, old[i].1, old[i].2);
    let terminated = |i: usize| format!("delete hosts.app[{i}]#deposed");
    vec![
        "create hosts.app[1]".to_string(),
        "create hosts.app[0]".to_string(),
        format!("update {record} {}", ips([&new[0], &new[1], &old[2], &old[3]])),
        drained(0),
        terminated(0),
        drained(1),
        terminated(1),
        "create hosts.app[2]".to_string(),
        "create hosts.app[3]".to_string(),
        format!("update {record} {}", ips([&new[0], &new[1], &new[2], &new[3]])),
        drained(2),
        terminated(2),
        drained(3),
        terminated(3),
    ]
}

/// The lines of the log, and the log emptied.
pub fn take_log(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    text.lines().map(str::to_string).collect()
}

#[async_trait]
impl Provider for Recorder {
    async fn refresh(&self, known: &[Known]) -> drove_engine::Result<Vec<Option<Live>>> {
        self.inner.refresh(known).await
    }
    async fn adopt(&self, wanted: &[Wanted]) -> drove_engine::Result<Vec<Option<Live>>> {
        self.inner.adopt(wanted).await
    }
    async fn zone_records(&self, zone_id: &str) -> drove_engine::Result<Vec<ZoneRecord>> {
        self.inner.zone_records(zone_id).await
    }
    async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> drove_engine::Result<Image> {
        self.inner.resolve_image(pattern, owner).await
    }
    async fn resolve_certificate(&self, domain: &str) -> drove_engine::Result<String> {
        self.inner.resolve_certificate(domain).await
    }
    async fn offered_types(&self, zone: &str, types: &[String]) -> drove_engine::Result<BTreeSet<String>> {
        self.inner.offered_types(zone, types).await
    }
    fn supports(&self, kind: &str) -> bool {
        self.inner.supports(kind)
    }
    fn batches(&self, kind: &str) -> bool {
        self.inner.batches(kind)
    }
    async fn run_on_host(&self, cmd: &HostCommand) -> drove_engine::Result<HostOutcome> {
        let outcome = self.inner.run_on_host(cmd).await?;
        if matches!(outcome, HostOutcome::Exited { status: 0, .. }) {
            self.append(&drain_line(cmd));
        }
        Ok(outcome)
    }
    async fn apply(&self, changes: &[Change]) -> drove_engine::Result<Vec<Option<Live>>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let result = self.inner.apply(changes).await;
        for c in changes {
            let op = match c.operation {
                Operation::Create => "create",
                Operation::Update => "update",
                Operation::Delete => "delete",
            };
            match c.after.get("values") {
                Some(v) if c.operation != Operation::Delete => self.append(&format!("{op} {} {v}", c.address)),
                _ => self.append(&format!("{op} {}", c.address)),
            }
        }
        if self.die_at == Some(n) {
            self.died.notify_one();
            std::future::pending::<()>().await;
        }
        result
    }
}
