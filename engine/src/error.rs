//! Engine errors carry a stable code (E03xx plan and state, E04xx AWS) so the CLI can print
//! them like compiler diagnostics and `drove explain` has a page for each.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The declared resource (and its attribute) the error is about, so the CLI can point
    /// at its declaration when it has the stack's sources.
    pub at: Option<Place>,
    /// Further errors found in the same pass (pre-flight checks report every instance at
    /// once rather than one per plan).
    pub also: Vec<EngineError>,
}

/// A resource address and one of its model attributes (`instance_type`, `image`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub address: String,
    pub attribute: Option<&'static str>,
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        EngineError { code, message: message.into(), help: None, at: None, also: Vec::new() }
    }

    pub fn at(mut self, address: impl Into<String>, attribute: Option<&'static str>) -> Self {
        self.at = Some(Place { address: address.into(), attribute });
        self
    }

    /// The first error with the others attached, or `None` for none.
    pub fn all(mut errors: Vec<EngineError>) -> Option<EngineError> {
        if errors.is_empty() {
            return None;
        }
        let mut first = errors.remove(0);
        first.also = errors;
        Some(first)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        for e in &self.also {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

/// The codes, in one place so their pages under `docs/codes/` are easy to keep complete.
pub mod codes {
    /// A plan file that cannot be read, is for another stack, or was edited.
    pub const BAD_PLAN_FILE: &str = "E0300";
    /// A saved plan whose state moved (serial or lineage) since it was made.
    pub const STALE_PLAN: &str = "E0301";
    /// A change would delete or replace a `protect`ed resource.
    pub const PROTECTED: &str = "E0302";
    /// A plan deletes more than the stack's threshold share.
    pub const MASS_DELETE: &str = "E0303";
    /// The state lock is held by someone else.
    pub const LOCKED: &str = "E0304";
    /// The state cannot be read or parsed, or belongs to another stack.
    pub const BAD_STATE: &str = "E0305";
    /// The state changed under us while writing (ETag mismatch) or cannot be written.
    pub const STATE_WRITE: &str = "E0306";
    /// `--target` names no resource of the stack or its state (`--replace`: none it
    /// declares; `drove replace`: no instance of the state).
    pub const UNKNOWN_TARGET: &str = "E0307";
    /// A change set drove must refuse itself because AWS would (moto would not).
    pub const INVALID_CHANGE: &str = "E0308";
    /// Resources tagged for this stack belong to another state (another lineage).
    pub const FOREIGN_RESOURCES: &str = "E0313";
    /// An AWS call failed after retries.
    pub const AWS_CALL: &str = "E0400";
    /// No image matches a role's image pattern.
    pub const NO_IMAGE: &str = "E0401";
    /// No issued ACM certificate covers the domain a balancer names its certificate by.
    pub const NO_CERTIFICATE: &str = "E0425";
    /// A certificate drove requested was refused by ACM, or not issued in time.
    pub const CERTIFICATE_WAIT: &str = "E0411";
    /// A role's image is built for another architecture than its instance type.
    pub const IMAGE_ARCH: &str = "E0420";
    /// The instance type is not offered in the availability zone of the instance's subnet.
    pub const TYPE_NOT_OFFERED: &str = "E0421";
    /// A role's `disk` is smaller than its image's root snapshot.
    pub const DISK_TOO_SMALL: &str = "E0422";
    /// The state bucket does not exist (run `drove init`).
    pub const NO_BUCKET: &str = "E0402";
    /// A lock id given to `drove state unlock` is not the current lock.
    pub const LOCK_ID: &str = "E0309";
    /// The command was interrupted (Ctrl-C); the lock was released.
    pub const INTERRUPTED: &str = "E0310";
    /// User data cannot be rendered: a secret does not decrypt, a file is missing, or the
    /// document is over EC2's size limit.
    pub const USER_DATA: &str = "E0320";
    /// An instance did not reach the state it was waited for in time.
    pub const INSTANCE_WAIT: &str = "E0410";
    /// An instance's drain check did not pass within its role's `drain_timeout`.
    pub const DRAIN_FAILED: &str = "E0311";
    /// An instance to drain that SSM Run Command cannot reach (not a managed instance, the
    /// command undeliverable): its drain check cannot run at all.
    pub const DRAIN_UNREACHABLE: &str = "E0314";
    /// `drove replace` refuses the address (a pet, not an instance, no longer declared) or
    /// a plan that would do more than replace it.
    pub const REPLACE_REFUSED: &str = "E0315";
    /// A state cannot be migrated: nothing to copy, or the destination holds another history.
    pub const MIGRATE: &str = "E0312";
    /// A `moved` declaration the state cannot take: it holds neither address, or both.
    pub const MOVE: &str = "E0316";
    /// A saved plan's stack sources changed (or are not where it was made) since the plan.
    pub const SOURCES_CHANGED: &str = "E0317";
    /// A reference into a used stack that its state can't answer: the stack was never
    /// applied, or not since the declaration named was added.
    pub const NOT_APPLIED: &str = "E0318";
    /// A used stack's state can't be read.
    pub const USED_STATE: &str = "E0319";
}
