//! What an apply tells its caller as it goes: one event when an operation starts, one when
//! it ends, and notes (a rollout's batch, a drain check).

use crate::error::EngineError;
use crate::provider::Operation;
use std::time::Duration;

/// What an operation of apply does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Create,
    Update,
    Delete,
}

impl Step {
    pub fn doing(self) -> &'static str {
        match self {
            Step::Create => "creating",
            Step::Update => "updating",
            Step::Delete => "deleting",
        }
    }
}

/// Progress of an apply, for a display to show as it likes.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The walk begins with this many operations (a replace is two).
    Begin {
        operations: usize,
    },
    Start {
        address: &'a str,
        step: Step,
    },
    Done {
        address: &'a str,
        step: Step,
        id: Option<&'a str>,
        elapsed: Duration,
    },
    Failed {
        address: &'a str,
        step: Step,
        error: &'a EngineError,
        elapsed: Duration,
    },
    /// Something worth saying about an operation (a rollout's batch, a drain check); an
    /// empty address is about the whole run.
    Note {
        address: &'a str,
        note: &'a str,
    },
}

impl std::fmt::Display for Event<'_> {
    /// The plain form: `ADDRESS: creating…`, `ADDRESS: creating… done (1.2s)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Begin { operations } => write!(f, "applying {operations} changes"),
            Event::Start { address, step } => write!(f, "{address}: {}…", step.doing()),
            Event::Done { address, step, id, elapsed } => {
                write!(f, "{address}: {}… done ({:.1}s", step.doing(), elapsed.as_secs_f64())?;
                match id {
                    Some(id) if *step != Step::Delete => write!(f, ", {id})"),
                    _ => write!(f, ")"),
                }
            }
            Event::Failed { address, step, error, elapsed } => {
                write!(f, "{address}: {}… failed ({:.1}s): {}", step.doing(), elapsed.as_secs_f64(), error.message)
            }
            Event::Note { address: "", note } => write!(f, "{note}"),
            Event::Note { address, note } => write!(f, "{address}: {note}"),
        }
    }
}

pub type Events<'a> = &'a (dyn Fn(&Event) + Sync);

impl From<Operation> for Step {
    fn from(op: Operation) -> Step {
        match op {
            Operation::Create => Step::Create,
            Operation::Update => Step::Update,
            Operation::Delete => Step::Delete,
        }
    }
}
