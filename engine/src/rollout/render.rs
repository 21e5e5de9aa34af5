//! The rollout section of a plan, in terminal text and in Markdown.

use super::Rollout;
use std::fmt::Write;
use std::time::Duration;

fn drain_line(r: &Rollout) -> String {
    match &r.drain {
        Some(cmd) => format!(
            "drain check `{cmd}` on the host, through SSM, before each termination (retried for {})",
            humantime::format_duration(Duration::from_secs(r.drain_timeout))
        ),
        None => "no drain check (the role sets no `drain`)".to_string(),
    }
}

fn steps(r: &Rollout) -> Vec<String> {
    let mut out = Vec::new();
    for (i, b) in r.batches.iter().enumerate() {
        out.push(format!("batch {}: create {}; then drain and terminate the old ones", i + 1, b.join(", ")));
    }
    if !r.destroy_first.is_empty() {
        out.push(format!("drain, terminate, then create (fixed private address): {}", r.destroy_first.join(", ")));
    }
    let live: Vec<&str> = r.terminate.iter().filter(|t| !r.gone.contains(t)).map(String::as_str).collect();
    if !live.is_empty() {
        out.push(format!("drain and terminate: {}", live.join(", ")));
    }
    if !r.gone.is_empty() {
        out.push(format!("already gone, no drain check: {}", r.gone.join(", ")));
    }
    out
}

pub fn text(rollouts: &[Rollout]) -> String {
    let mut out = String::new();
    if rollouts.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nRollout (new instances first, old ones terminated after their drain check):");
    for r in rollouts {
        let _ = writeln!(out, "  role {}: {} at a time; {}", r.role, r.batch, drain_line(r));
        for s in steps(r) {
            let _ = writeln!(out, "    {s}");
        }
    }
    out
}

pub fn markdown(rollouts: &[Rollout]) -> String {
    let mut out = String::new();
    if rollouts.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n#### Rollout\n");
    for r in rollouts {
        let _ = writeln!(out, "- role `{}`: {} at a time; {}", r.role, r.batch, drain_line(r));
        for s in steps(r) {
            let _ = writeln!(out, "  - {s}");
        }
    }
    out
}
