//! Telling a saved plan from a stack's source by what the file holds, not by its name:
//! Terraform users write `-out=tfplan`, and a plan parsed as drove source would only be
//! answered with "this stack has no `stack` block".

use serde_json::Value;
use std::path::Path;

/// What `drove apply PATH` was given.
#[derive(Debug, PartialEq)]
pub enum Input {
    /// A stack directory or a source file: loaded and checked as usual.
    Source,
    /// A plan saved by `drove plan --out`, with its text.
    Plan(String),
}

/// Reads `path` just far enough to know what it is. A file that is neither a plan nor
/// source is refused with what it looked like instead.
pub fn classify(path: &Path) -> Result<Input, String> {
    if !path.is_file() {
        return Ok(Input::Source);
    }
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(format!(
            "{shown} is a zip archive, as Terraform saves its plans, not a drove plan or drove source"
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(format!("{shown} is neither a drove plan (JSON) nor drove source: it is not UTF-8 text"));
    };
    if text.trim_start().starts_with('{') {
        return json(&text, &shown.to_string()).map(|()| Input::Plan(text));
    }
    let is_drove = path.extension().is_some_and(|e| e == "drove");
    if is_drove || declares_something(&text) {
        return Ok(Input::Source);
    }
    Err(format!(
        "{shown} is neither a drove plan (it is not JSON) nor drove source (it does not parse as drove, and is not named *.drove)"
    ))
}

/// A JSON file is a plan when it has a plan's two fields; otherwise say what it looks like.
fn json(text: &str, shown: &str) -> Result<(), String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // Truncated or edited plans get the plan parser's own error, with its position.
        Err(_) => return Ok(()),
    };
    let has = |k: &str| value.get(k).is_some();
    if has("format") && has("changes") {
        return Ok(());
    }
    let looks_like = if has("lineage") && has("resources") && has("serial") {
        "a drove state, not a plan"
    } else if has("terraform_version") || has("format_version") {
        "Terraform's JSON (from `terraform show -json`), not a drove plan"
    } else {
        "JSON without a plan's `format` and `changes`"
    };
    Err(format!("{shown} is {looks_like}"))
}

/// Parses cleanly and every top-level statement starts with a declaration keyword (the
/// grammar alone takes any words as a statement, prose included).
fn declares_something(text: &str) -> bool {
    use drove_compiler::syntax::cst::{Item, Term};
    let (file, diags) = drove_compiler::syntax::parse(0, text);
    let declaration = |item: &Item| match item {
        Item::Stmt(s) => {
            matches!(s.terms.first(), Some(Term::Word(w)) if drove_compiler::lower::DECLARATIONS.contains(&w.text.as_str()))
        }
        _ => false,
    };
    diags.is_empty() && !file.items.is_empty() && file.items.iter().all(declaration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_text(name: &str, body: &[u8]) -> Result<Input, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        classify(&path)
    }

    #[test]
    fn a_plan_is_known_whatever_its_name() {
        let plan = br#"{"format": 2, "stack": "x", "changes": []}"#;
        for name in ["tfplan", "plan.out", "plan.json", "plan"] {
            assert!(matches!(classify_text(name, plan), Ok(Input::Plan(_))), "{name}");
        }
    }

    #[test]
    fn source_is_known_by_extension_or_by_parsing() {
        assert_eq!(classify_text("main.drove", b"stack \"x\" {\n"), Ok(Input::Source));
        assert_eq!(classify_text("stackfile", b"stack \"x\" { region = \"eu-west-1\" }\n"), Ok(Input::Source));
        assert_eq!(classify(Path::new(".")), Ok(Input::Source));
    }

    #[test]
    fn other_files_say_what_they_looked_like() {
        let zip = classify_text("tfplan", b"PK\x03\x04rest").unwrap_err();
        assert!(zip.contains("zip archive"), "{zip}");
        let state = classify_text("st", br#"{"lineage": "a", "serial": 3, "resources": {}}"#).unwrap_err();
        assert!(state.contains("a drove state"), "{state}");
        let tf = classify_text("p", br#"{"format_version": "1.2", "terraform_version": "1.9.0"}"#).unwrap_err();
        assert!(tf.contains("Terraform"), "{tf}");
        let prose = classify_text("notes.txt", b"apply this on Friday, after lunch\n").unwrap_err();
        assert!(prose.contains("neither a drove plan"), "{prose}");
        let binary = classify_text("blob", &[0xff, 0xfe, 0x00]).unwrap_err();
        assert!(binary.contains("not UTF-8"), "{binary}");
    }
}
