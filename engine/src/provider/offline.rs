//! The editor's provider: AWS as the state last recorded it, without a single call. The
//! plan lens runs the planner against it on every edit, so what it shows is what `drove
//! plan` would show if nothing changed outside drove since the last apply; what only AWS
//! can answer (an image pattern's newest image, the types a zone offers) is assumed or
//! left to the real plan, and the lens says so.

use super::{Change, HostCommand, HostOutcome, Image, Known, Live, Provider, Wanted, ZoneRecord};
use crate::error::{codes, EngineError, Result};
use crate::state::State;
use async_trait::async_trait;
use drove_compiler::model::{record_set, schema_of};
use std::collections::BTreeSet;

pub struct StateProvider {
    state: State,
}

impl StateProvider {
    pub fn new(state: State) -> StateProvider {
        StateProvider { state }
    }
}

fn offline(what: &str) -> EngineError {
    EngineError::new(codes::INVALID_CHANGE, format!("{what} is known only when planning against AWS"))
}

#[async_trait]
impl Provider for StateProvider {
    async fn refresh(&self, known: &[Known]) -> Result<Vec<Option<Live>>> {
        let lineage = Some(self.state.lineage.clone());
        Ok(known
            .iter()
            .map(|k| {
                let rec = self.state.resources.get(&k.address)?;
                let owner = schema_of(&rec.kind).is_some_and(|s| s.tagged).then(|| lineage.clone()).flatten();
                Some(Live::new(rec.id.clone(), rec.attributes.clone(), rec.outputs.clone()).owned_by(owner))
            })
            .collect())
    }

    async fn adopt(&self, wanted: &[Wanted]) -> Result<Vec<Option<Live>>> {
        Ok(vec![None; wanted.len()])
    }

    /// The zone's record sets the state holds; records others wrote are not seen.
    async fn zone_records(&self, zone_id: &str) -> Result<Vec<ZoneRecord>> {
        Ok(self
            .state
            .resources
            .values()
            .filter(|r| r.kind == record_set::KIND && super::record_zone(&r.attributes).as_deref() == Some(zone_id))
            .filter_map(|r| Some(ZoneRecord { id: r.id.clone(), set: super::record_set(&r.attributes)? }))
            .collect())
    }

    async fn resolve_image(&self, pattern: &str, _owner: Option<&str>) -> Result<Image> {
        Err(offline(&format!("the newest image matching \"{pattern}\"")))
    }

    async fn resolve_certificate(&self, domain: &str) -> Result<String> {
        Err(offline(&format!("the certificate for \"{domain}\"")))
    }

    /// Every type is taken as offered: the real plan's pre-flight check asks EC2.
    async fn offered_types(&self, _zone: &str, types: &[String]) -> Result<BTreeSet<String>> {
        Ok(types.iter().cloned().collect())
    }

    async fn apply(&self, _changes: &[Change]) -> Result<Vec<Option<Live>>> {
        Err(offline("applying"))
    }

    async fn run_on_host(&self, _cmd: &HostCommand) -> Result<HostOutcome> {
        Err(offline("running a command on a host"))
    }
}
