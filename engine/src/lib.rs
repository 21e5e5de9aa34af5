//! drove's back end: the state and its backends, the planner (refresh → diff → plan),
//! the parallel apply walk, and the providers (in memory for tests, AWS for real).
//! The front end (`drove-compiler`) produces the `DesiredState` this crate plans against.

pub mod apply;
#[cfg(feature = "aws")]
pub mod aws;
pub mod checks;
pub mod error;
pub mod plan;
pub mod provider;
pub mod rollout;
#[cfg(feature = "aws")]
pub mod session;
pub mod state;
pub mod userdata;
pub mod walk;

pub use error::{EngineError, Result};
