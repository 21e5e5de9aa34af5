//! What `drove verify` prints: text (one line per drifted resource or wrong answer, then a
//! summary) or JSON (the schema is in `docs/verify.md`).

use super::dns::{Finding, Status};
use super::live::LiveReport;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Verdict {
    pub ok: bool,
    pub drift: usize,
    #[serde(rename = "match")]
    pub matches: usize,
    pub mismatch: usize,
    pub unknown: usize,
    pub not_checkable: usize,
    pub error: usize,
}

impl Verdict {
    pub fn of(live: Option<&LiveReport>, findings: Option<&[Finding]>) -> Verdict {
        let mut v = Verdict { drift: live.map(|l| l.drift.len()).unwrap_or(0), ..Default::default() };
        for f in findings.unwrap_or(&[]) {
            match f.status {
                Status::Match => v.matches += 1,
                Status::Mismatch => v.mismatch += 1,
                Status::Unknown => v.unknown += 1,
                Status::NotCheckable => v.not_checkable += 1,
                Status::Error => v.error += 1,
            }
        }
        v.ok = v.drift == 0 && v.mismatch == 0 && v.error == 0;
        v
    }

    /// 1 for drift or a wrong answer (even when some checks also failed), 2 when a check
    /// could not be made and nothing was found wrong, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.drift > 0 || self.mismatch > 0 {
            crate::exit::PROBLEMS
        } else if self.error > 0 {
            crate::exit::USAGE
        } else {
            crate::exit::OK
        }
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn expected_text(f: &Finding) -> String {
    let sets: Vec<String> = f
        .expected
        .iter()
        .map(|s| {
            let values = if s.values.is_empty() { "nothing".to_string() } else { s.values.join(", ") };
            match &s.set {
                Some(id) => format!("set \"{id}\": {values}"),
                None => values,
            }
        })
        .collect();
    if f.expected.len() > 1 {
        format!("one of {}", sets.join(" | "))
    } else {
        sets.join("")
    }
}

fn at(f: &Finding) -> String {
    if f.server.is_empty() {
        String::new()
    } else {
        format!(" at {}", f.server)
    }
}

pub fn text(live: Option<&LiveReport>, findings: Option<&[Finding]>) -> String {
    let mut out = String::new();
    if let Some(l) = live {
        for d in &l.drift {
            let _ = writeln!(out, "drift: {} ({}): {}", d.address, d.action.verb(), d.summary);
            for a in &d.attributes {
                let _ = writeln!(out, "  {}: expected {}, live {}", a.name, compact(&a.expected), compact(&a.live));
            }
            for n in &d.notes {
                let _ = writeln!(out, "  note: {n}");
            }
        }
    }
    if let Some(fs) = findings {
        for f in fs {
            let what = format!("{} {}{}", f.name, f.rtype, at(f));
            match f.status {
                Status::Match => {}
                Status::Mismatch => {
                    let got = if f.got.is_empty() { "nothing".to_string() } else { f.got.join(", ") };
                    let ttl = f.got_ttl.map(|t| format!(" (TTL {t})")).unwrap_or_default();
                    let _ =
                        writeln!(out, "mismatch: {what}: {}; expected {}; got {got}{ttl}", f.detail, expected_text(f));
                }
                Status::Error => {
                    let _ = writeln!(out, "error: {what}: {}", f.detail);
                }
                Status::Unknown | Status::NotCheckable => {
                    let _ = writeln!(out, "skipped: {what}: {}", f.detail);
                }
            }
        }
    }
    let v = Verdict::of(live, findings);
    if let Some(l) = live {
        let drifted = if l.drift.is_empty() { "no drift".to_string() } else { format!("{} drifted", l.drift.len()) };
        let _ =
            writeln!(out, "live: {} resource{} checked, {drifted}", l.checked, if l.checked == 1 { "" } else { "s" });
    }
    if let Some(fs) = findings {
        let _ = writeln!(
            out,
            "dns: {} answer{} checked: {} match, {} mismatch, {} unknown, {} not checkable, {} error{}",
            fs.len(),
            if fs.len() == 1 { "" } else { "s" },
            v.matches,
            v.mismatch,
            v.unknown,
            v.not_checkable,
            v.error,
            if v.error == 1 { "" } else { "s" }
        );
    }
    out
}

pub fn json(verdict: &Verdict, live: Option<&LiveReport>, findings: Option<&[Finding]>) -> String {
    let doc = json!({
        "format": 1,
        "ok": verdict.ok,
        "summary": verdict,
        "live": live,
        "dns": findings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
