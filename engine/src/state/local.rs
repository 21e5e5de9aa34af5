//! The state as a JSON file next to the stack. Writes go to a temporary file that is renamed
//! over the old one, so a crash leaves either the old or the new state, never half of one.
//! The lock is a file created exclusively, holding the same record as the S3 lock.

use super::{Backend, LockInfo, State};
use crate::error::{codes, EngineError, Result};
use async_trait::async_trait;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct LocalBackend {
    path: PathBuf,
    stack: String,
    /// The serial last read or written; a different serial on disk means another writer.
    seen_serial: Mutex<Option<(String, u64)>>,
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>, stack: &str) -> LocalBackend {
        LocalBackend { path: path.into(), stack: stack.to_string(), seen_serial: Mutex::new(None) }
    }

    fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    fn read_sync(&self) -> Result<Option<State>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => State::parse(&text, &self.describe(), &self.stack).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(EngineError::new(codes::BAD_STATE, format!("cannot read the state {}: {e}", self.describe())))
            }
        }
    }

    fn remember(&self, st: &State) {
        if let Ok(mut g) = self.seen_serial.lock() {
            *g = Some((st.lineage.clone(), st.serial));
        }
    }
}

fn write_err(path: &std::path::Path, e: std::io::Error) -> EngineError {
    EngineError::new(codes::STATE_WRITE, format!("cannot write the state {}: {e}", path.display()))
}

#[async_trait]
impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    async fn read(&self) -> Result<Option<State>> {
        let st = self.read_sync()?;
        if let Some(s) = &st {
            self.remember(s);
        }
        Ok(st)
    }

    async fn write(&self, state: &State) -> Result<()> {
        let seen = self.seen_serial.lock().map(|g| g.clone()).unwrap_or(None);
        let on_disk = self.read_sync()?;
        if let Some(d) = &on_disk {
            if seen.as_ref() != Some(&(d.lineage.clone(), d.serial)) {
                return Err(EngineError::new(
                    codes::STATE_WRITE,
                    format!(
                        "the state {} was changed by someone else (serial {}) while drove ran",
                        self.describe(),
                        d.serial
                    ),
                ));
            }
        }
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| write_err(&self.path, e))?;
        tmp.write_all(state.to_json().as_bytes()).map_err(|e| write_err(&self.path, e))?;
        tmp.as_file().sync_all().map_err(|e| write_err(&self.path, e))?;
        tmp.persist(&self.path).map_err(|e| write_err(&self.path, e.error))?;
        self.remember(state);
        Ok(())
    }

    /// A lock left by a process of this machine that no longer runs (killed, crashed) is
    /// taken over; any other holder is reported.
    async fn lock(&self, operation: &str) -> Result<LockInfo> {
        let info = LockInfo::new(operation);
        let text = serde_json::to_string_pretty(&info).unwrap_or_default();
        let mut broken: Option<String> = None;
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(self.lock_path()) {
                Ok(mut f) => {
                    f.write_all(text.as_bytes()).map_err(|e| write_err(&self.lock_path(), e))?;
                    return Ok(info);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match self.current_lock().await? {
                    // Read again just before removing, so a lock another run has just
                    // taken over is not removed in its place.
                    Some(holder) if holder.holder_is_gone() && broken.as_deref() != Some(holder.id.as_str()) => {
                        if self.current_lock().await?.is_some_and(|now| now.id == holder.id) {
                            std::fs::remove_file(self.lock_path()).or_else(|e| match e.kind() {
                                std::io::ErrorKind::NotFound => Ok(()),
                                _ => Err(write_err(&self.lock_path(), e)),
                            })?;
                        }
                        broken = Some(holder.id);
                    }
                    Some(holder) => return Err(holder.held_error(&self.describe())),
                    None => {
                        return Err(EngineError::new(codes::LOCKED, format!("the state {} is locked", self.describe())))
                    }
                },
                Err(e) => return Err(write_err(&self.lock_path(), e)),
            }
        }
    }

    async fn unlock(&self, _lock: &LockInfo) -> Result<()> {
        match std::fs::remove_file(self.lock_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(write_err(&self.lock_path(), e)),
        }
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>> {
        match std::fs::read_to_string(self.lock_path()) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).unwrap_or(LockInfo {
                id: "unreadable".into(),
                who: "an unknown process (the lock file is unreadable)".into(),
                operation: "unknown".into(),
                created: "unknown".into(),
            }))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(EngineError::new(
                codes::BAD_STATE,
                format!("cannot read the lock {}: {e}", self.lock_path().display()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn write_read_lock_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("state.json"), "s");
        assert!(b.read().await.unwrap().is_none());
        let mut st = State::new("s");
        st.serial = 1;
        b.write(&st).await.unwrap();
        assert_eq!(b.read().await.unwrap(), Some(st.clone()));

        let l = b.lock("apply").await.unwrap();
        let e = b.lock("plan").await.unwrap_err();
        assert_eq!(e.code, codes::LOCKED);
        assert!(e.message.contains(&l.id) && e.message.contains("`apply`"), "{}", e.message);
        assert_eq!(b.force_unlock("nope").await.unwrap_err().code, codes::LOCK_ID);
        b.force_unlock(&l.id).await.unwrap();
        b.lock("plan").await.unwrap();
    }

    #[tokio::test]
    async fn a_lock_of_a_process_that_died_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("state.json"), "s");
        // A child process that has exited: its pid names no running process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let mut stale = LockInfo::new("apply");
        stale.who = stale.who.replace(&format!("(pid {})", std::process::id()), &format!("(pid {dead})"));
        std::fs::write(b.lock_path(), serde_json::to_string(&stale).unwrap()).unwrap();
        assert!(stale.holder_is_gone() || !std::path::Path::new("/proc/self").exists());
        if stale.holder_is_gone() {
            // A backend that cannot take it over (S3) says so, and how to break it.
            let said = stale.held_error("s3://bucket/key");
            assert!(said.message.contains("no longer running"), "{}", said.message);
            assert!(said.help.as_deref().is_some_and(|h| h.contains(&format!("drove state unlock {}", stale.id))));
            let mine = b.lock("apply").await.unwrap();
            assert_ne!(mine.id, stale.id);
            assert_eq!(b.current_lock().await.unwrap().unwrap().id, mine.id);
        }
        // A live holder (this process) and a holder on another machine are never broken.
        let live = LockInfo::new("apply");
        assert!(!live.holder_is_gone());
        let mut elsewhere = stale.clone();
        elsewhere.who = format!("ci@another-machine (pid {dead})");
        assert!(!elsewhere.holder_is_gone());
        std::fs::write(b.lock_path(), serde_json::to_string(&elsewhere).unwrap()).unwrap();
        assert_eq!(b.lock("plan").await.unwrap_err().code, codes::LOCKED);
    }

    #[tokio::test]
    async fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let a = LocalBackend::new(&path, "s");
        let b = LocalBackend::new(&path, "s");
        let mut st = State::new("s");
        a.write(&st).await.unwrap();
        b.read().await.unwrap();
        st.serial = 1;
        a.write(&st).await.unwrap();
        st.serial = 2;
        assert_eq!(b.write(&st).await.unwrap_err().code, codes::STATE_WRITE);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(a.read().await.unwrap_err().code, codes::BAD_STATE);
    }
}
