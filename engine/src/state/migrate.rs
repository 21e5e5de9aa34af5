//! Moving a stack's state to another backend (`drove init --migrate-state FILE`): the
//! step from the local file a stack starts with to `s3(…)`, done by drove under both
//! locks instead of by hand with `aws s3 cp`, which would skip the lock and could
//! overwrite a state another run had already written there.

use super::{locked, Backend, State};
use crate::error::{codes, EngineError, Result};

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migrated {
    /// The destination had no state: it now holds the source's.
    Copied { resources: usize, serial: u64 },
    /// The destination held an older version of the same history: it now holds the newer.
    Advanced { from_serial: u64, serial: u64 },
    /// The destination already holds this state (or a newer version of it): nothing written.
    AlreadyThere { serial: u64 },
}

/// Copies the state in `from` into `to`, holding both locks. Refuses when `to` holds a
/// state of another history (another lineage), which copying would destroy, and when
/// `from` holds none.
pub async fn migrate(from: &dyn Backend, to: &dyn Backend) -> Result<Migrated> {
    if from.describe() == to.describe() {
        return Err(EngineError::new(codes::MIGRATE, format!("the state is already kept in {}", to.describe())));
    }
    locked(from, "migrate state (source)", async {
        let Some(source) = from.read().await? else {
            return Err(EngineError::new(
                codes::MIGRATE,
                format!("there is no state in {} to migrate", from.describe()),
            )
            .with_help("name the state file the stack used before, e.g. `--migrate-state drove.state.json`"));
        };
        locked(to, "migrate state", copy(&source, from, to)).await
    })
    .await
}

async fn copy(source: &State, from: &dyn Backend, to: &dyn Backend) -> Result<Migrated> {
    match to.read().await? {
        None => {
            to.write(source).await?;
            Ok(Migrated::Copied { resources: source.resources.len(), serial: source.serial })
        }
        Some(there) if there.lineage != source.lineage => Err(EngineError::new(
            codes::MIGRATE,
            format!(
                "{} already holds another state (lineage {}, serial {}, {} resources); {} was not copied over it",
                to.describe(),
                there.lineage,
                there.serial,
                there.resources.len(),
                from.describe()
            ),
        )
        .with_help("if that state is stale, remove it (the bucket keeps its versions) and migrate again; otherwise keep using it and drop the local file")),
        Some(there) if there.serial >= source.serial => Ok(Migrated::AlreadyThere { serial: there.serial }),
        Some(there) => {
            to.write(source).await?;
            Ok(Migrated::Advanced { from_serial: there.serial, serial: source.serial })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LocalBackend;

    fn with_serial(st: &State, serial: u64) -> State {
        State { serial, ..st.clone() }
    }

    #[tokio::test]
    async fn copies_once_advances_an_older_copy_and_refuses_another_history() {
        let dir = tempfile::tempdir().unwrap();
        let from = LocalBackend::new(dir.path().join("old.json"), "web");
        let to = LocalBackend::new(dir.path().join("new.json"), "web");
        let e = migrate(&from, &to).await.unwrap_err();
        assert_eq!(e.code, codes::MIGRATE);
        assert!(e.message.contains("no state in"), "{}", e.message);

        let st = with_serial(&State::new("web"), 7);
        from.write(&st).await.unwrap();
        assert_eq!(migrate(&from, &to).await.unwrap(), Migrated::Copied { resources: 0, serial: 7 });
        assert_eq!(to.read().await.unwrap(), Some(st.clone()));
        assert_eq!(migrate(&from, &to).await.unwrap(), Migrated::AlreadyThere { serial: 7 });

        from.write(&with_serial(&st, 9)).await.unwrap();
        assert_eq!(migrate(&from, &to).await.unwrap(), Migrated::Advanced { from_serial: 7, serial: 9 });

        let other = with_serial(&State::new("web"), 1);
        let elsewhere = LocalBackend::new(dir.path().join("other.json"), "web");
        elsewhere.write(&other).await.unwrap();
        let e = migrate(&elsewhere, &to).await.unwrap_err();
        assert!(e.message.contains("already holds another state"), "{}", e.message);
        assert_eq!(to.read().await.unwrap().map(|s| s.serial), Some(9), "nothing was overwritten");
        assert!(
            to.current_lock().await.unwrap().is_none() && from.current_lock().await.unwrap().is_none(),
            "both locks released"
        );

        assert!(migrate(&to, &LocalBackend::new(dir.path().join("new.json"), "web"))
            .await
            .unwrap_err()
            .message
            .contains("already kept in"));
    }
}
