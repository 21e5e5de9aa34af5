//! Writing `secret "NAME" = "…"` declarations into a stack's files: replaced where they
//! stand, new ones appended to one file (the CLI picks `secrets.drove`).

use crate::hir;
use crate::source::Sources;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file's new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub path: PathBuf,
    pub text: String,
}

/// Whether a name can be written between the quotes of a declaration as it is: a string
/// of the language has escapes, and a name that needs them is more trouble than it is worth.
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a secret's name cannot be empty".into());
    }
    if name.len() > 255 {
        return Err("a secret's name is at most 255 bytes".into());
    }
    if let Some(c) = name.chars().find(|c| *c == '"' || *c == '\\' || c.is_control()) {
        return Err(format!("a secret's name cannot contain {c:?}"));
    }
    Ok(())
}

/// The one-line declaration, in the formatter's style.
pub fn declaration(name: &str, ciphertext: &str) -> String {
    format!("secret \"{name}\" = \"{ciphertext}\"")
}

/// The edits that set each `(name, ciphertext)`: an existing declaration is replaced in
/// place (the first, when a name is declared twice); a new one is appended to `new_file`,
/// which is created when the stack does not have it.
pub fn set_declarations(
    sources: &Sources,
    stack: &hir::Stack,
    values: &[(String, String)],
    new_file: &Path,
) -> Vec<Edit> {
    // Replacements per file, applied back to front so earlier spans stay valid.
    let mut replace: BTreeMap<usize, Vec<(std::ops::Range<usize>, String)>> = BTreeMap::new();
    let mut append = Vec::new();
    for (name, ciphertext) in values {
        match stack.secret(name) {
            Some(decl) => {
                replace.entry(decl.file).or_default().push((decl.span.clone(), declaration(name, ciphertext)))
            }
            None => append.push(declaration(name, ciphertext)),
        }
    }
    let target = sources.files.iter().position(|f| f.path == new_file);
    let mut edits = Vec::new();
    for (id, file) in sources.files.iter().enumerate() {
        let mut reps = replace.remove(&id).unwrap_or_default();
        let appending = target == Some(id) && !append.is_empty();
        if reps.is_empty() && !appending {
            continue;
        }
        reps.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        let mut text = file.text.clone();
        for (span, new) in reps {
            if text.get(span.clone()).is_some() {
                text.replace_range(span, &new);
            }
        }
        if appending {
            push_lines(&mut text, &append);
        }
        edits.push(Edit { path: file.path.clone(), text });
    }
    if target.is_none() && !append.is_empty() {
        let mut text = String::new();
        push_lines(&mut text, &append);
        edits.push(Edit { path: new_file.to_path_buf(), text });
    }
    edits
}

fn push_lines(text: &mut String, lines: &[String]) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(sources: &Sources) -> hir::Stack {
        crate::analyze(sources).stack
    }

    #[test]
    fn replaces_in_place_and_appends_new_ones() {
        let mut sources = Sources::default();
        sources.add(
            "/s/main.drove",
            "stack s { region = \"ap-northeast-1\" }\n# keep me\nsecret \"a\" = \"OLD\"  # and me\nlet x = 1\n",
        );
        let st = stack(&sources);
        let edits = set_declarations(
            &sources,
            &st,
            &[("a".into(), "NEW".into()), ("b".into(), "B".into())],
            Path::new("/s/secrets.drove"),
        );
        assert_eq!(
            edits,
            vec![
                Edit { path: "/s/main.drove".into(), text: "stack s { region = \"ap-northeast-1\" }\n# keep me\nsecret \"a\" = \"NEW\"  # and me\nlet x = 1\n".into() },
                Edit { path: "/s/secrets.drove".into(), text: "secret \"b\" = \"B\"\n".into() },
            ]
        );
    }

    #[test]
    fn appends_to_an_existing_secrets_file_and_the_result_is_formatted() {
        let mut sources = Sources::default();
        sources.add("/s/secrets.drove", "secret \"a\" = \"A\"");
        let st = stack(&sources);
        let edits = set_declarations(&sources, &st, &[("b".into(), "B".into())], Path::new("/s/secrets.drove"));
        let text = &edits[0].text;
        assert_eq!(text, "secret \"a\" = \"A\"\nsecret \"b\" = \"B\"\n");
        assert_eq!(crate::fmt::format(text).as_ref(), Ok(text));
    }

    #[test]
    fn names_that_need_escapes_are_refused() {
        assert!(valid_name("db.yml").is_ok());
        assert!(valid_name("").is_err());
        assert!(valid_name("a\"b").is_err());
        assert!(valid_name("a\nb").is_err());
        assert!(valid_name("a\\b").is_err());
    }
}
