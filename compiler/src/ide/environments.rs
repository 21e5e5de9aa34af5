//! Hover on an attribute that environments set: its value in the stack and in each
//! environment, whether the cursor is on the declaration's attribute
//! (`count = 2` in `hosts app`) or on an environment's override (`hosts.app.count = 4`).

use crate::source::{FileId, Sources, Span};
use crate::syntax::cst::{self, Attr, Item, Stmt, Term};
use std::fmt::Write;

/// The hover for the attribute at `offset`, when the stack declares environments.
pub fn environment_hover(
    files: &[cst::File],
    sources: &Sources,
    file: FileId,
    offset: usize,
) -> Option<(Span, String)> {
    let envs: Vec<(FileId, &Stmt)> = files
        .iter()
        .flat_map(|f| f.items.iter().map(move |i| (f.file, i)))
        .filter_map(|(file, i)| match i {
            Item::Stmt(s) if s.head().text == "environment" && s.block.is_some() => Some((file, s)),
            _ => None,
        })
        .collect();
    if envs.is_empty() {
        return None;
    }
    let tree = files.iter().find(|f| f.file == file)?;
    let (key, span) = key_at(&tree.items, offset)?;
    let text =
        |file: FileId, a: &Attr| sources.files.get(file).and_then(|f| f.text.get(a.value.span())).map(str::to_string);
    let (path, attribute) = key.rsplit_once('.').unwrap_or(("stack", key.as_str()));
    let mut md = format!("```drove\n{key}\n```\n\n| environment | value |\n|---|---|\n");
    let own = files.iter().find_map(|f| find(&f.items, path, attribute).map(|a| (f.file, a)));
    let shown =
        |v: Option<String>| v.map_or("—".to_string(), |v| format!("`{}`", v.replace('|', "\\|").replace('\n', " ")));
    let _ = writeln!(md, "| *the stack* | {} |", shown(own.and_then(|(f, a)| text(f, a))));
    let mut any = false;
    for (file, env) in &envs {
        let name = env.terms.get(1).map_or("?", |t| match t {
            Term::Word(w) => w.text.as_str(),
            _ => "?",
        });
        let set = env.block.as_ref()?.items.iter().find_map(|i| match i {
            Item::Attr(a) if a.key.text == key => Some(a.as_ref()),
            _ => None,
        });
        any |= set.is_some();
        let value = set.and_then(|a| text(*file, a));
        let _ = writeln!(md, "| {name} | {} |", if value.is_some() { shown(value) } else { "*as the stack*".into() });
    }
    any.then_some((span, md))
}

/// The override key of the attribute at `offset` (`hosts.app.count`) and the key's span:
/// an environment block's key as written, or a declaration's attribute with its path.
fn key_at(items: &[Item], offset: usize) -> Option<(String, Span)> {
    for item in items {
        let Item::Stmt(s) = item else { continue };
        if !(s.span.start <= offset && offset <= s.span.end) {
            continue;
        }
        let block = s.block.as_ref()?;
        let head = s.head().text.as_str();
        let name = match s.terms.get(1) {
            Some(Term::Word(w)) => w.text.to_string(),
            Some(Term::Str(st)) => st.value.clone(),
            _ => String::new(),
        };
        let prefix = match head {
            "environment" => None,
            "stack" => Some("stack".to_string()),
            _ => Some(format!("{head}.{name}")),
        };
        for inner in &block.items {
            match inner {
                Item::Attr(a) if a.key.span.start <= offset && offset <= a.key.span.end => {
                    let key = match (&prefix, head) {
                        (_, "stack") => a.key.text.to_string(),
                        (Some(p), _) => format!("{p}.{}", a.key.text),
                        (None, _) => a.key.text.to_string(),
                    };
                    return Some((key, a.key.span.clone()));
                }
                Item::Stmt(sub) if head == "network" && sub.head().text == "subnet" => {
                    let Some(Term::Word(n)) = sub.terms.get(1) else { continue };
                    for a in sub.block.iter().flat_map(|b| &b.items) {
                        if let Item::Attr(a) = a {
                            if a.key.span.start <= offset && offset <= a.key.span.end {
                                return Some((
                                    format!("network.{name}.subnet.{}.{}", n.text, a.key.text),
                                    a.key.span.clone(),
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    None
}

/// The declaration's own attribute at `path`.`attribute`.
fn find<'t>(items: &'t [Item], path: &str, attribute: &str) -> Option<&'t Attr> {
    let block_of = |s: &'t Stmt| s.block.as_ref().map(|b| b.items.as_slice());
    let attr_in = |items: &'t [Item]| {
        items.iter().find_map(|i| match i {
            Item::Attr(a) if a.key.text == attribute => Some(a.as_ref()),
            _ => None,
        })
    };
    let name_of = |s: &Stmt| match s.terms.get(1) {
        Some(Term::Word(w)) => w.text.to_string(),
        Some(Term::Str(st)) => st.value.clone(),
        _ => String::new(),
    };
    for item in items {
        let Item::Stmt(s) = item else { continue };
        let head = s.head().text.as_str();
        if path == "stack" && head == "stack" {
            return attr_in(block_of(s)?);
        }
        let Some(rest) = path.strip_prefix(head).and_then(|r| r.strip_prefix('.')) else { continue };
        let name = name_of(s);
        if crate::environment::same_path(rest, &name) {
            return attr_in(block_of(s)?);
        }
        if let Some(sub) = rest.strip_prefix(&format!("{name}.subnet.")) {
            for i in block_of(s)? {
                if let Item::Stmt(st) = i {
                    if st.head().text == "subnet" && name_of(st) == sub {
                        return attr_in(block_of(st)?);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_shows_the_value_of_every_environment() {
        let text = "stack s { region = \"ap-northeast-1\" }\nhosts app { role = app  count = 2  subnets = [main.a] }\n\
                    environment staging { hosts.app.count = 1 }\nenvironment production {}\n";
        let sources = Sources::single("t.drove", text);
        let a = crate::analyze(&sources);
        let at = text.find("count = 2").unwrap();
        let (span, md) = environment_hover(&a.files, &sources, 0, at + 1).unwrap();
        assert_eq!(span, at..at + 5);
        assert!(md.contains("| *the stack* | `2` |") && md.contains("| staging | `1` |"), "{md}");
        assert!(md.contains("| production | *as the stack* |"), "{md}");
        let at = text.find("hosts.app.count = 1").unwrap();
        let (_, md2) = environment_hover(&a.files, &sources, 0, at + 3).unwrap();
        assert_eq!(md, md2);
        let at = text.find("role = app").unwrap();
        assert!(environment_hover(&a.files, &sources, 0, at).is_none());
    }
}
