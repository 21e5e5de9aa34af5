//! Plans for people: terminal text with Terraform's symbols, and Markdown for a pull
//! request comment. The JSON form is the `Plan` itself.

use super::unmanaged::{Disposition, UnmanagedRecord};
use super::{Action, Plan, PlannedChange};
use drove_compiler::model::{instance, parameter, Val};
use serde::Deserialize as _;
use serde_json::Value;
use std::fmt::Write;

/// A value as shown in a plan: unknowns and secrets by name, never their content.
pub fn show_value(v: &Value) -> String {
    if let Some(o) = v.as_object() {
        match Val::<Value>::deserialize(v) {
            Ok(Val::Ref(r)) if r.unknown => {
                // `{at} of {a}`: addresses may end in a dot (zones), so `{a}.{at}` misreads.
                return format!("(known after apply: {} of {})", r.attribute, r.address);
            }
            Ok(Val::Secret(s)) => return format!("(secret {})", s.secret),
            _ => {}
        }
        let inner: Vec<String> = o.iter().map(|(k, x)| format!("{k} = {}", show_value(x))).collect();
        return format!("{{ {} }}", inner.join(", "));
    }
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(show_value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// `scheme:` and the first 12 hex digits.
fn short_fingerprint(fp: &str) -> String {
    match fp.split_once(':') {
        Some((scheme, hex)) => format!("{scheme}:{}…", hex.get(..12).unwrap_or(hex)),
        None => fp.to_string(),
    }
}

/// An instance's user data is shown by its fingerprint and what it embeds: the document
/// is long, and its rendered form (with secrets) is never in a plan anyway.
fn show_attribute(kind: &str, name: &str, v: &Value) -> String {
    if kind == parameter::KIND && name == "value" {
        let sealed = parameter::Sealed::deserialize(v).unwrap_or_default();
        let fp = sealed.fingerprint.as_deref().unwrap_or("?");
        return format!("{} (secret {}, SecureString)", short_fingerprint(fp), sealed.secret);
    }
    let document =
        (kind == instance::KIND && name == "user_data").then(|| instance::UserData::deserialize(v).ok()).flatten();
    let Some(ud) = document else { return show_value(v) };
    let short = short_fingerprint(ud.fingerprint.as_deref().unwrap_or("?"));
    let mut parts = Vec::new();
    if let Some(doc) = &ud.cloud_config {
        parts.push(format!("cloud-config, {} lines", doc.lines().count()));
    }
    let (secrets, files) = (ud.secrets.unwrap_or_default(), ud.files.unwrap_or_default());
    if !secrets.is_empty() {
        parts.push(format!("secrets {}", secrets.join(", ")));
    }
    let parameters = ud.parameters.unwrap_or_default();
    if !parameters.is_empty() {
        parts.push(format!("reads {} from Parameter Store", parameters.join(", ")));
    }
    if !files.is_empty() {
        parts.push(format!("files {}", files.join(", ")));
    }
    if ud.encoding == Some(instance::Encoding::Gzip) {
        parts.push("gzip".into());
    }
    if parts.is_empty() {
        short
    } else {
        format!("{short} ({})", parts.join("; "))
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
                    lines.push(format!("{k} = {}", show_attribute(&c.kind, k, v)));
                }
            }
        }
        Action::Update | Action::Replace => {
            for d in &c.diffs {
                let mark = if d.forces_replacement { "  # forces replacement" } else { "" };
                lines.push(format!(
                    "{}: {} -> {}{mark}",
                    d.name,
                    show_attribute(&c.kind, &d.name, &d.before),
                    show_attribute(&c.kind, &d.name, &d.after)
                ));
            }
        }
        Action::Delete | Action::NoOp => {}
    }
    lines
}

pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    if plan.refresh_only {
        return match (s.update, s.delete) {
            (0, 0) => format!("No drift: {} resources are as drove left them.", s.no_op),
            (u, d) => format!("Drift: {u} changed and {d} deleted outside drove; nothing was changed."),
        };
    }
    if !plan.has_changes() {
        return format!("No changes: {} resources match the desired state.", s.no_op);
    }
    format!("Plan: {} to create, {} to update, {} to replace, {} to delete.", s.create, s.update, s.replace, s.delete)
}

fn verb_of(plan: &Plan, action: Action) -> String {
    match (plan.refresh_only, action) {
        (true, Action::Delete) => "deleted outside drove".into(),
        (true, _) => "changed outside drove".into(),
        (false, a) => format!("will be {}", a.verb()),
    }
}

pub fn text(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drove plan for stack {} ({}){}\n",
        plan.stack,
        plan.region,
        if plan.destroy {
            ", destroy"
        } else if plan.refresh_only {
            ", refresh only: what changed outside drove since the last apply"
        } else {
            ""
        }
    );
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let head = format!("{:>3} {}", c.action.symbol(), c.address);
        let _ = writeln!(
            out,
            "{}  {}",
            paint(color, action_color(c.action), &head),
            paint(color, "2", &format!("({}, {})", c.kind, verb_of(plan, c.action)))
        );
        for l in change_lines(c) {
            let _ = writeln!(out, "        {l}");
        }
    }
    let noted: Vec<&PlannedChange> =
        plan.changes.iter().filter(|c| c.action == Action::NoOp && !c.notes.is_empty()).collect();
    for c in noted {
        for n in &c.notes {
            let _ = writeln!(out, "    {}  # {n}", c.address);
        }
    }
    out.push_str(&crate::rollout::render::text(&plan.rollouts));
    out.push_str(&unmanaged_text(&plan.unmanaged));
    out.push_str(&exposure_text(&plan.exposure));
    if plan.has_changes() || !plan.unmanaged.is_empty() || !plan.exposure.is_empty() {
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
    let exposure = exposure_text(&plan.exposure);
    if !exposure.is_empty() {
        let _ = writeln!(out, "```{exposure}```\n");
    }
    let not_managed = unmanaged_text(&plan.unmanaged);
    if !not_managed.is_empty() {
        let _ = writeln!(out, "<details><summary>Not managed</summary>\n\n```{}```\n\n</details>\n", not_managed);
    }
    if !plan.has_changes() {
        return out;
    }
    let _ = writeln!(out, "| | resource | kind | action |\n|---|---|---|---|");
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let _ =
            writeln!(out, "| `{}` | `{}` | {} | {} |", c.action.symbol(), c.address, c.kind, verb_of(plan, c.action));
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
    out.push_str(&crate::rollout::render::markdown(&plan.rollouts));
    out
}

/// The records of the stack's zones that nothing declares, per zone: kept or deleted;
/// those an `ignore` rule leaves to another system only counted.
/// What the plan opens to the internet and closes, each with its path.
pub fn exposure_text(delta: &super::exposure::ExposureDelta) -> String {
    let mut out = String::new();
    if delta.is_empty() {
        return out;
    }
    out.push_str("\nReachable from the internet:\n");
    for e in &delta.opened {
        let _ = writeln!(
            out,
            "  + newly reachable: {} {}\n        {}",
            e.address,
            e.port_text(),
            e.path.replace("; ", "\n        ")
        );
    }
    for e in &delta.closed {
        let _ = writeln!(out, "  - no longer reachable: {} {}", e.address, e.port_text());
    }
    out
}

pub fn unmanaged_text(records: &[UnmanagedRecord]) -> String {
    let mut out = String::new();
    let shown: Vec<&UnmanagedRecord> = records.iter().filter(|r| r.action != Disposition::Ignored).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "\nNot managed (records of the stack's zones that nothing declares):");
    }
    let mut zone: Option<&str> = None;
    for r in &shown {
        if zone != Some(r.zone.as_str()) {
            zone = Some(&r.zone);
            let what = match r.action {
                Disposition::Delete => "unmanaged = delete: deleted by this plan",
                _ => "unmanaged = keep: left as they are",
            };
            let _ = writeln!(out, "  {} ({what})", r.zone);
        }
        let set = r.set_identifier.as_deref().map(|s| format!(" (set {s})")).unwrap_or_default();
        let mark = if r.action == Disposition::Delete { "-" } else { " " };
        let _ = writeln!(out, "    {mark} {} {}{set}", r.name, r.rtype);
    }
    let ignored = records.len() - shown.len();
    if ignored > 0 {
        let s = if ignored == 1 { "" } else { "s" };
        let _ =
            writeln!(out, "\n{ignored} record set{s} of the stack's zones left to other systems by `ignore` rules.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::show_attribute;
    use serde_json::json;

    #[test]
    fn user_data_is_shown_by_fingerprint_and_contents() {
        let v = json!({"cloud_config": "#cloud-config\nruncmd:\n  - \"true\"\n", "secrets": ["db.yml"], "files": [], "fingerprint": "hmac-sha256:0123456789abcdef0123"});
        assert_eq!(
            show_attribute("ec2.instance", "user_data", &v),
            "hmac-sha256:0123456789ab… (cloud-config, 3 lines; secrets db.yml)"
        );
        assert_eq!(show_attribute("ec2.instance", "user_data", &json!({"fingerprint": "sha256:abc"})), "sha256:abc…");
        assert_eq!(show_attribute("ec2.vpc", "user_data", &json!("x")), "\"x\"");
    }
}
