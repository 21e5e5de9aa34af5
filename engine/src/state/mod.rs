//! The state: what drove created, keyed by resource address, with the ids AWS gave and the
//! attributes last seen. `serial` grows with every write and `lineage` names one history,
//! so a saved plan can tell whether the state moved under it.

mod local;
pub mod migrate;
pub mod moves;
#[cfg(feature = "aws")]
mod s3;

pub use local::LocalBackend;
#[cfg(feature = "aws")]
pub use s3::S3Backend;

use crate::error::{codes, EngineError, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;

pub const STATE_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    pub lineage: String,
    pub serial: u64,
    pub stack: String,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceRecord>,
    /// Moves recorded by `drove state mv` since the last apply (see `moves`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<moves::Move>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub kind: String,
    pub id: String,
    /// Attributes as last applied or refreshed, references resolved, in the model's shape.
    pub attributes: Value,
    /// Values other resources may reference (`id`, `public_ip`, `name_servers`, ...).
    #[serde(default)]
    pub outputs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
}

impl ResourceRecord {
    /// The value a `{"ref", "attribute"}` pointing at this resource stands for.
    pub fn output(&self, attribute: &str) -> Option<Value> {
        if attribute == "id" {
            return Some(Value::String(self.id.clone()));
        }
        self.outputs.get(attribute).cloned().or_else(|| self.attributes.get(attribute).cloned())
    }
}

impl State {
    pub fn new(stack: &str) -> State {
        State {
            format: STATE_FORMAT,
            lineage: new_lineage(),
            serial: 0,
            stack: stack.to_string(),
            resources: BTreeMap::new(),
            moves: Vec::new(),
        }
    }

    /// Parses a state document, refusing other formats and other stacks.
    pub fn parse(text: &str, origin: &str, stack: &str) -> Result<State> {
        let state: State = serde_json::from_str(text).map_err(|e| {
            EngineError::new(codes::BAD_STATE, format!("the state {origin} is not a valid drove state: {e}"))
                .with_help("restore a previous version (S3 keeps every version) or move the file away")
        })?;
        if state.format != STATE_FORMAT {
            return Err(EngineError::new(
                codes::BAD_STATE,
                format!("the state {origin} has format {}, this drove reads format {STATE_FORMAT}", state.format),
            ));
        }
        if state.stack != stack {
            return Err(EngineError::new(
                codes::BAD_STATE,
                format!("the state {origin} belongs to stack `{}`, not `{stack}`", state.stack),
            )
            .with_help("point the stack block's `state` at this stack's own state"));
        }
        Ok(state)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn new_lineage() -> String {
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    format!("{a:016x}{b:016x}")
}

/// Who holds the state lock, since when, and for what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: String,
    pub who: String,
    pub operation: String,
    pub created: String,
}

impl LockInfo {
    pub fn new(operation: &str) -> LockInfo {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let host = this_host();
        let id = format!("{:016x}", rand::random::<u64>());
        LockInfo {
            id,
            who: format!("{user}@{host} (pid {})", std::process::id()),
            operation: operation.to_string(),
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }

    /// Whether the holder was a process of this machine that no longer runs (a run
    /// killed or crashed): such a lock protects nothing. Only Linux can tell (`/proc`);
    /// elsewhere, and for a holder on another machine, the answer is no.
    pub fn holder_is_gone(&self) -> bool {
        let Some((user_host, rest)) = self.who.split_once(" (pid ") else { return false };
        let Some(pid) = rest.strip_suffix(')').and_then(|p| p.parse::<u32>().ok()) else { return false };
        let host = user_host.rsplit_once('@').map(|(_, h)| h).unwrap_or("");
        if host != this_host() || pid == std::process::id() || !std::path::Path::new("/proc/self").exists() {
            return false;
        }
        !std::path::Path::new("/proc").join(pid.to_string()).exists()
    }

    pub fn held_error(&self, backend: &str) -> EngineError {
        if self.holder_is_gone() {
            return EngineError::new(
                codes::LOCKED,
                format!(
                    "the state {backend} is locked by {}, a process of this machine that is no longer running (killed or crashed during `{}` at {}; lock id {})",
                    self.who, self.operation, self.created, self.id
                ),
            )
            .with_help(format!(
                "nothing holds the lock any more: break it with `drove state unlock {}`, then run again; the next plan re-adopts whatever that run created before it died",
                self.id
            ));
        }
        EngineError::new(
            codes::LOCKED,
            format!(
                "the state {backend} is locked by {} since {} for `{}` (lock id {})",
                self.who, self.created, self.operation, self.id
            ),
        )
        .with_help(format!(
            "wait for that run to finish; if it died, break the lock with `drove state unlock {}`",
            self.id
        ))
    }
}

fn this_host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Where a state lives. Implementations keep what they need to write safely (the ETag read).
#[async_trait]
pub trait Backend: Send + Sync {
    /// A name for messages: the file path or `s3://bucket/key`.
    fn describe(&self) -> String;
    /// The stored state, or `None` when there is none yet.
    async fn read(&self) -> Result<Option<State>>;
    /// Writes the state; refuses if someone else wrote it since our last read or write.
    async fn write(&self, state: &State) -> Result<()>;
    /// Takes the lock for `operation`, failing with the holder's details when it is held.
    async fn lock(&self, operation: &str) -> Result<LockInfo>;
    /// Releases a lock we hold.
    async fn unlock(&self, lock: &LockInfo) -> Result<()>;
    /// The current lock, if any.
    async fn current_lock(&self) -> Result<Option<LockInfo>>;
    /// Breaks the lock with this id (`drove state unlock ID`).
    async fn force_unlock(&self, id: &str) -> Result<()> {
        match self.current_lock().await? {
            Some(l) if l.id == id => self.unlock(&l).await,
            Some(l) => Err(EngineError::new(
                codes::LOCK_ID,
                format!("the lock on {} has id {}, not {id}", self.describe(), l.id),
            )
            .with_help(format!("held by {} since {} for `{}`", l.who, l.created, l.operation))),
            None => Err(EngineError::new(codes::LOCK_ID, format!("the state {} is not locked", self.describe()))),
        }
    }
}

/// Runs `work` holding the state lock for `operation`; the lock is released when `work`
/// ends, fails, or the user presses Ctrl-C (what completed is already in the state).
pub async fn locked<T>(backend: &dyn Backend, operation: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
    let lock = backend.lock(operation).await?;
    let result = tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(EngineError::new(codes::INTERRUPTED, format!("{operation} interrupted; what completed is in the state"))
            .with_help("run it again: it continues from the state")),
    };
    let released = backend.unlock(&lock).await;
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_refuses_garbage_other_stack_and_format() {
        assert_eq!(State::parse("{", "f", "s").unwrap_err().code, codes::BAD_STATE);
        let st = State::new("a");
        let text = st.to_json();
        assert_eq!(State::parse(&text, "f", "a").unwrap(), st);
        let e = State::parse(&text, "f", "b").unwrap_err();
        assert!(e.message.contains("belongs to stack `a`"), "{}", e.message);
        let future = text.replace("\"format\": 1", "\"format\": 9");
        assert!(State::parse(&future, "f", "a").unwrap_err().message.contains("format 9"));
    }

    #[test]
    fn lineages_differ() {
        assert_ne!(State::new("a").lineage, State::new("a").lineage);
    }
}
