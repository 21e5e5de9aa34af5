//! The state and the report of one apply, shared by the operations in flight. The state is
//! written after every change to it, one write at a time and in the order of the changes,
//! so a run killed at any point loses at most what was in flight.

use super::ApplyReport;
use crate::error::{EngineError, Result};
use crate::state::{Backend, State};
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(super) struct Ledger<'a> {
    backend: &'a dyn Backend,
    state: Mutex<State>,
    /// Held from a change to the state until it is written, so writes never overtake.
    writing: tokio::sync::Mutex<()>,
    report: Mutex<ApplyReport>,
    /// The first write that failed: the run starts nothing more and ends with it.
    write_error: Mutex<Option<EngineError>>,
}

/// A panic elsewhere must not hide what the state and the report hold.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> Ledger<'a> {
    pub(super) fn new(backend: &'a dyn Backend, state: State) -> Ledger<'a> {
        Ledger {
            backend,
            state: Mutex::new(state),
            writing: tokio::sync::Mutex::new(()),
            report: Mutex::new(ApplyReport::default()),
            write_error: Mutex::new(None),
        }
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&lock(&self.state))
    }

    pub(super) fn report(&self, f: impl FnOnce(&mut ApplyReport)) {
        f(&mut lock(&self.report))
    }

    /// Whether a write failed, so nothing more may be done.
    pub(super) fn halted(&self) -> bool {
        lock(&self.write_error).is_some()
    }

    /// Changes the state with `f` and, if `f` says it changed it, writes it under the next
    /// serial. False when the write failed.
    pub(super) async fn update(&self, f: impl FnOnce(&mut State) -> bool) -> bool {
        let _turn = self.writing.lock().await;
        let snapshot = {
            let mut st = lock(&self.state);
            if !f(&mut st) {
                return true;
            }
            st.serial += 1;
            st.clone()
        };
        match self.backend.write(&snapshot).await {
            Ok(()) => true,
            Err(e) => {
                lock(&self.write_error).get_or_insert(e);
                false
            }
        }
    }

    /// The report with the final state, or the first write error.
    pub(super) fn finish(self, skipped: Vec<String>) -> Result<ApplyReport> {
        if let Some(e) = self.write_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(e);
        }
        let mut report = self.report.into_inner().unwrap_or_else(PoisonError::into_inner);
        report.skipped = skipped;
        report.state = Some(self.state.into_inner().unwrap_or_else(PoisonError::into_inner));
        Ok(report)
    }
}
