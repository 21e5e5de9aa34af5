//! Plans for people: terminal text with Terraform's symbols, and Markdown for a pull
//! request comment. The JSON form is the `Plan` itself.

use super::{Action, Plan, PlannedChange};
use serde_json::Value;
use std::fmt::Write;

/// A value as shown in a plan: unknowns and secrets by name, never their content.
pub fn show_value(v: &Value) -> String {
    if let Some(o) = v.as_object() {
        if o.get("unknown") == Some(&Value::Bool(true)) {
            let a = o.get("ref").and_then(Value::as_str).unwrap_or("?");
            let at = o.get("attribute").and_then(Value::as_str).unwrap_or("?");
            // `{at} of {a}`: addresses may end in a dot (zones), so `{a}.{at}` misreads.
            return format!("(known after apply: {at} of {a})");
        }
        if let Some(name) = o.get("secret").and_then(Value::as_str) {
            return format!("(secret {name})");
        }
        let inner: Vec<String> = o.iter().map(|(k, x)| format!("{k} = {}", show_value(x))).collect();
        return format!("{{ {} }}", inner.join(", "));
    }
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(show_value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn action_color(a: Action) -> &'static str {
    match a {
        Action::Create => "32",
        Action::Update => "33",
        Action::Replace => "35",
        Action::Delete => "31",
        Action::NoOp => "0",
    }
}

fn change_lines(c: &PlannedChange) -> Vec<String> {
    let mut lines = Vec::new();
    for n in &c.notes {
        lines.push(format!("# {n}"));
    }
    match c.action {
        Action::Create => {
            if let Some(o) = c.after.as_object() {
                for (k, v) in o.iter().filter(|(_, v)| !v.is_null()) {
                    lines.push(format!("{k} = {}", show_value(v)));
                }
            }
        }
        Action::Update | Action::Replace => {
            for d in &c.diffs {
                let mark = if d.forces_replacement { "  # forces replacement" } else { "" };
                lines.push(format!("{}: {} -> {}{mark}", d.name, show_value(&d.before), show_value(&d.after)));
            }
        }
        Action::Delete | Action::NoOp => {}
    }
    lines
}

pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    if !plan.has_changes() {
        return format!("No changes: {} resources match the desired state.", s.no_op);
    }
    format!("Plan: {} to create, {} to update, {} to replace, {} to delete.", s.create, s.update, s.replace, s.delete)
}

pub fn text(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "drove plan for stack {} ({}){}\n", plan.stack, plan.region, if plan.destroy { ", destroy" } else { "" });
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let head = format!("{:>3} {}", c.action.symbol(), c.address);
        let _ = writeln!(
            out,
            "{}  {}",
            paint(color, action_color(c.action), &head),
            paint(color, "2", &format!("({}, will be {})", c.kind, c.action.verb()))
        );
        for l in change_lines(c) {
            let _ = writeln!(out, "        {l}");
        }
    }
    let noted: Vec<&PlannedChange> = plan.changes.iter().filter(|c| c.action == Action::NoOp && !c.notes.is_empty()).collect();
    for c in noted {
        for n in &c.notes {
            let _ = writeln!(out, "    {}  # {n}", c.address);
        }
    }
    if plan.has_changes() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(plan));
    if let Some(c) = &plan.cost {
        let _ = writeln!(out, "{}", c.line());
    }
    out
}

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### drove plan: `{}` ({})\n", plan.stack, plan.region);
    let _ = writeln!(out, "**{}**\n", summary_line(plan));
    if let Some(c) = &plan.cost {
        let _ = writeln!(out, "{}\n", c.line());
    }
    if !plan.has_changes() {
        return out;
    }
    let _ = writeln!(out, "| | resource | kind | action |\n|---|---|---|---|");
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let _ = writeln!(out, "| `{}` | `{}` | {} | {} |", c.action.symbol(), c.address, c.kind, c.action.verb());
    }
    let _ = writeln!(out, "\n<details><summary>Details</summary>\n\n```diff");
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let sym = match c.action {
            Action::Create => "+",
            Action::Delete => "-",
            _ => "!",
        };
        let _ = writeln!(out, "{sym} {} ({})", c.address, c.kind);
        for l in change_lines(c) {
            let _ = writeln!(out, "{sym}     {l}");
        }
    }
    let _ = writeln!(out, "```\n\n</details>");
    out
}
