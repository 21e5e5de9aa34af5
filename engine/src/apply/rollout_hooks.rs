//! What an operation does for a rollout: the old instance steps aside to its deposed key
//! before its replacement is created, a rollout's intermediate update sees the old
//! instances still standing, a termination's drain check gets the instance's details, and
//! what must happen before a termination's call runs in `before_termination` (today the
//! drain check on the host; a load balancer's deregistration would go first there).

use super::events::{Event, Events};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Provider};
use crate::rollout;
use crate::state::{ResourceRecord, State};

/// Moves the instance at `address` to its deposed key while its replacement is created.
/// A deposed instance is no longer protected: its replacement was asked for.
pub(super) fn depose(st: &mut State, address: &str) -> Result<bool> {
    let key = rollout::deposed(address);
    if !st.resources.contains_key(address) {
        return Ok(false);
    }
    if st.resources.contains_key(&key) {
        return Err(EngineError::new(
            codes::INVALID_CHANGE,
            format!("{address} cannot be replaced while {key} is still in the state"),
        )
        .with_help("apply again: the next plan terminates the deposed instance first"));
    }
    let Some(mut rec) = st.resources.remove(address) else { return Ok(false) };
    rec.protect = false;
    st.resources.insert(key, rec);
    Ok(true)
}

/// The state as a rollout's intermediate updates see it: an address whose old instance is
/// deposed and whose new one is not created yet still stands for the old one.
pub(super) fn rollout_view(st: &State) -> State {
    let mut view = st.clone();
    for (key, rec) in &st.resources {
        let base = rollout::base(key);
        if base != key && !st.resources.contains_key(base) {
            view.resources.insert(base.to_string(), rec.clone());
        }
    }
    view
}

pub(super) fn drain_of(r: &rollout::Rollout, c: &Change, rec: Option<&ResourceRecord>, stack: &str) -> rollout::Drain {
    let out = |k: &str| rec.and_then(|r| r.outputs.get(k)).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let address = rollout::base(&c.address).to_string();
    let id = c.id.clone().unwrap_or_default();
    rollout::Drain {
        command: r.drain.clone().unwrap_or_default(),
        timeout: std::time::Duration::from_secs(r.drain_timeout),
        address: address.clone(),
        key: c.address.clone(),
        instance_id: id.clone(),
        has_profile: rec.map(|r| r.attributes.get("instance_profile").is_some_and(|p| !p.is_null())),
        env: vec![
            ("DROVE_INSTANCE_ID".into(), id),
            ("DROVE_PRIVATE_IP".into(), out("private_ip")),
            ("DROVE_PUBLIC_IP".into(), out("public_ip")),
            ("DROVE_ROLE".into(), r.role.clone()),
            ("DROVE_ADDRESS".into(), address),
            ("DROVE_STACK".into(), stack.to_string()),
        ],
    }
}

/// What runs before the call that terminates instances, in this order, for each instance it
/// terminates: the drain check, on the host through the provider, each attempt reported as
/// a note. (Taking it out of a load balancer's target group and waiting out the
/// deregistration delay belong here too, before the drain.) An error stops the
/// termination: the instance stays.
pub(super) async fn before_termination(
    drains: &[rollout::Drain],
    provider: &dyn Provider,
    events: Events<'_>,
) -> Result<()> {
    for d in drains {
        let report = |note: &str| events(&Event::Note { address: &d.key, note });
        rollout::run_drain(d, provider, &report).await?;
    }
    Ok(())
}
