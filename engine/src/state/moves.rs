//! `drove state mv OLD NEW`: a resource (and everything under it) takes a new address in
//! the state, so a rename in the source is not a delete and a create. The move is kept in
//! the state until the next apply, so the plan in between says "moved".
//!
//! The source's `moved { from = … to = … }` declarations make the same moves, on the copy
//! of the state a plan reads ([`apply_declared`]); the apply then makes them in the state
//! it writes ([`apply_planned`]), so an editor's rename never writes the state itself.

use super::State;
use crate::error::{codes, EngineError, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: String,
    pub to: String,
}

/// `address` with `from` replaced by `to` where `from` is the address itself or one it
/// holds: `hosts.app` → `hosts.app[0]`, `firewall.web` → `firewall.web.rules`, and the
/// instance part of a registration, `balancer.b.target.t/hosts.app[0]`.
fn renamed(address: &str, from: &str, to: &str) -> Option<String> {
    let under = |rest: &str| rest.is_empty() || rest.starts_with(['.', '[', '#', '/']);
    if let Some(rest) = address.strip_prefix(from).filter(|r| under(r)) {
        return Some(format!("{to}{rest}"));
    }
    let (head, tail) = address.split_once('/')?;
    let rest = tail.strip_prefix(from).filter(|r| under(r))?;
    Some(format!("{head}/{to}{rest}"))
}

/// Whether the state holds `address` or anything under it.
pub fn holds(state: &State, address: &str) -> bool {
    state.resources.keys().any(|a| renamed(a, address, address).is_some())
}

/// Applies the stack's `moved` declarations to `state` (a plan's copy): the pairs of
/// addresses moved. A move whose `to` the state holds already was applied before and is
/// left alone; one whose `from` and `to` the state lacks both has nothing to move (E0316,
/// at the declaration). More specific moves go first, so a subnet's `from` and its
/// network's both name what the state holds.
pub fn apply_declared(state: &mut State, declared: &[drove_compiler::model::Move]) -> Result<Vec<(String, String)>> {
    let mut ordered: Vec<&drove_compiler::model::Move> = declared.iter().collect();
    ordered.sort_by_key(|m| std::cmp::Reverse(m.from.len()));
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    for m in ordered {
        let at = |e: EngineError| EngineError { code: codes::MOVE, ..e }.at(m.from.clone(), Some(MOVED));
        if holds(state, &m.from) {
            match move_addresses(state, &m.from, &m.to) {
                Ok(moved) => pairs.extend(moved),
                Err(e) => errors.push(at(e)),
            }
        } else if !holds(state, &m.to) {
            let mut e = EngineError::new(
                codes::MOVE,
                format!("moved from {}: the state holds neither {} nor {}", m.from, m.from, m.to),
            );
            e.help =
                Some(match drove_compiler::diag::did_you_mean(&m.from, state.resources.keys().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "nothing is there to move: remove the `moved` declaration".to_string(),
                });
            errors.push(at(e));
        }
    }
    match EngineError::all(errors) {
        Some(e) => Err(e),
        None => Ok(pairs),
    }
}

/// The attribute an error about a `moved` declaration names, so the CLI points at the
/// declaration whose `from` is the error's address.
const MOVED: &str = drove_compiler::sites::MOVED;

/// Makes a plan's moves in the state an apply writes: those whose old address the state
/// still holds (a `moved` declaration's; `drove state mv` made its own already).
pub fn apply_planned(state: &mut State, moves: &[Move]) -> Result<()> {
    for m in moves {
        if state.resources.contains_key(&m.from) {
            move_addresses(state, &m.from, &m.to)?;
        }
    }
    Ok(())
}

/// Moves `from` and everything under it to `to`; the pairs of addresses moved.
pub fn move_addresses(state: &mut State, from: &str, to: &str) -> Result<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> =
        state.resources.keys().filter_map(|a| renamed(a, from, to).map(|n| (a.clone(), n))).collect();
    if pairs.is_empty() {
        let mut e = EngineError::new(codes::UNKNOWN_TARGET, format!("the state has no resource {from}"));
        if let Some(s) = drove_compiler::diag::did_you_mean(from, state.resources.keys().map(String::as_str)) {
            e = e.with_help(format!("did you mean `{s}`?"));
        }
        return Err(e);
    }
    if let Some((_, taken)) =
        pairs.iter().find(|(_, n)| state.resources.contains_key(n) && !pairs.iter().any(|(o, _)| o == n))
    {
        return Err(EngineError::new(
            codes::UNKNOWN_TARGET,
            format!("the state holds {taken} already: moving {from} to {to} would overwrite it"),
        ));
    }
    let moved: Vec<_> = pairs.iter().filter_map(|(o, n)| state.resources.remove(o).map(|r| (n.clone(), r))).collect();
    state.resources.extend(moved);
    for r in state.resources.values_mut() {
        for d in &mut r.depends_on {
            if let Some(n) = renamed(d, from, to) {
                *d = n;
            }
        }
    }
    for (old, new) in &pairs {
        // A second move of the same resource before an apply: one move from where it was.
        match state.moves.iter_mut().find(|m| &m.to == old) {
            Some(m) => m.to = new.clone(),
            None => state.moves.push(Move { from: old.clone(), to: new.clone() }),
        }
    }
    state.moves.retain(|m| m.from != m.to);
    state.serial += 1;
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceRecord;

    fn record(depends_on: &[&str]) -> ResourceRecord {
        ResourceRecord {
            kind: "ec2.instance".into(),
            id: "i-1".into(),
            attributes: serde_json::Value::Null,
            outputs: Default::default(),
            depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
            protect: false,
        }
    }

    #[test]
    fn a_group_moves_with_what_it_holds_and_nothing_else() {
        let mut s = State::new("shop");
        for a in ["hosts.app[0]", "hosts.app[1]", "hosts.apple[0]", "firewall.app", "firewall.app.rules"] {
            s.resources.insert(a.into(), record(&[]));
        }
        s.resources.insert("balancer.b.target.t/hosts.app[1]".into(), record(&["hosts.app[1]"]));
        let moved = move_addresses(&mut s, "hosts.app", "hosts.web").expect("moved");
        assert_eq!(moved.len(), 3);
        let keys: Vec<&str> = s.resources.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "balancer.b.target.t/hosts.web[1]",
                "firewall.app",
                "firewall.app.rules",
                "hosts.apple[0]",
                "hosts.web[0]",
                "hosts.web[1]"
            ]
        );
        assert_eq!(s.resources["balancer.b.target.t/hosts.web[1]"].depends_on, ["hosts.web[1]"]);
        move_addresses(&mut s, "hosts.web", "hosts.front").expect("moved again");
        assert!(s.moves.iter().any(|m| m.from == "hosts.app[0]" && m.to == "hosts.front[0]"), "{:?}", s.moves);
    }

    #[test]
    fn an_unknown_or_taken_address_is_refused() {
        let mut s = State::new("shop");
        s.resources.insert("firewall.web".into(), record(&[]));
        s.resources.insert("firewall.db".into(), record(&[]));
        let e = move_addresses(&mut s, "firewall.wbe", "firewall.x").unwrap_err();
        assert!(e.help.as_deref().unwrap_or("").contains("firewall.web"), "{e:?}");
        assert!(move_addresses(&mut s, "firewall.web", "firewall.db").is_err());
        assert_eq!(s.serial, 0, "nothing moved");
    }
}
