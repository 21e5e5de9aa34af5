//! What a plan changes in what the internet can reach: the exposure of the live stack (its
//! refreshed state) against that of the source, both from `drove_compiler::reach`. A port
//! the plan opens to the internet is listed, with the path that opens it, so a reviewer
//! sees "newly reachable: host.jump 22/tcp" before anyone applies it, and
//! `--fail-on-exposure` stops CI on it.

use crate::state::State;
use drove_compiler::model::{DesiredState, Resource, Spec};
use drove_compiler::reach::{self, Exposure, Links, Model};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExposureDelta {
    /// Reachable from the internet after the plan, not before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opened: Vec<Exposed>,
    /// Reachable before, not after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<Exposed>,
}

impl ExposureDelta {
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.closed.is_empty()
    }
}

/// One instance or balancer port, and the path that exposes it (after the plan for what
/// it opens, before it for what it closes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposed {
    pub address: String,
    /// 0 with protocol `all`: every port.
    pub port: u16,
    pub protocol: String,
    pub path: String,
}

impl Exposed {
    pub fn port_text(&self) -> String {
        if self.port == 0 {
            "all ports".into()
        } else {
            format!("{}/{}", self.port, self.protocol)
        }
    }
}

/// The model of what the state holds: its resources with the ids they point at each
/// other by mapped back to addresses. A record that no longer fits its kind is left out.
fn of_state(state: &State) -> (Model, Links) {
    let links = Links { by_id: state.resources.iter().map(|(a, r)| (r.id.clone(), a.clone())).collect() };
    let resources: Vec<Resource> = state
        .resources
        .iter()
        .filter(|(a, _)| !a.ends_with("#deposed"))
        .filter_map(|(a, r)| {
            let spec = Spec::from_attributes(&r.kind, r.attributes.clone()).ok()?;
            Some(Resource { address: a.clone(), spec, depends_on: vec![], protect: false })
        })
        .collect();
    (Model::build(&resources, &links), links)
}

/// The delta between the live stack and the stack after the plan (`None`: destroyed).
pub fn delta(before: &State, after: Option<&DesiredState>) -> ExposureDelta {
    let (bm, bl) = of_state(before);
    let was = reach::exposed(&bm, &bl);
    let will = match after {
        Some(d) => {
            let (am, al) = reach::of_desired(d);
            reach::exposed(&am, &al)
        }
        None => Vec::new(),
    };
    let key = |e: &Exposure| (e.destination.clone(), e.port, e.protocol.clone());
    let was_keys: BTreeSet<_> = was.iter().map(key).collect();
    let will_keys: BTreeSet<_> = will.iter().map(key).collect();
    let item = |e: &Exposure| Exposed {
        address: e.destination.clone(),
        port: e.port,
        protocol: e.protocol.clone(),
        path: e.path.clone(),
    };
    ExposureDelta {
        opened: will.iter().filter(|e| !was_keys.contains(&key(e))).map(item).collect(),
        closed: was.iter().filter(|e| !will_keys.contains(&key(e))).map(item).collect(),
    }
}
