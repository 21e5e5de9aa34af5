//! The repository around the opened files, indexed in the background: every stack's
//! declarations (for workspace symbols) and what it uses (for references across stacks).
//! Opening a file never waits for it; a saved file re-indexes its stack alone.

use crate::convert::range;
use drove_compiler::ide::SymbolKind;
use drove_compiler::repo::{self, DiskLoader};
use drove_compiler::source::Sources;
use drove_compiler::syntax::lexer::{lex, Token};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tower_lsp_server::ls_types::{Location, Range, Uri};

/// One declaration of an indexed stack.
pub struct Entry {
    pub kind: SymbolKind,
    /// As its own stack names it (`main.public-a`).
    pub name: String,
    pub uri: Uri,
    pub range: Range,
}

#[derive(Default)]
struct Indexed {
    entries: Vec<Entry>,
    /// Use name and the used stack's directory.
    uses: Vec<(String, PathBuf)>,
    files: Vec<PathBuf>,
}

#[derive(Default, Clone)]
pub struct RepoIndex {
    stacks: Arc<Mutex<BTreeMap<PathBuf, Indexed>>>,
}

impl RepoIndex {
    /// Indexes every stack of the repository holding `folder`, on a thread of its own.
    pub fn build_in_background(&self, folder: PathBuf) {
        let me = self.clone();
        let _ = std::thread::Builder::new().name("drove-repo-index".into()).spawn(move || {
            // Outside a repository there is nothing stacks could use, and a folder such as a
            // home directory could take minutes to walk: only a repository is indexed.
            let Some(root) = repo::root_of(&folder) else { return };
            let dirs = repo::stack_dirs(&root);
            let loader = DiskLoader::new();
            let indexed = repo::parallel_map(&dirs, |d| index(&loader, d));
            let mut stacks = me.stacks.lock().unwrap_or_else(|e| e.into_inner());
            for (dir, i) in dirs.into_iter().zip(indexed) {
                stacks.insert(dir, i);
            }
        });
    }

    /// Indexes one stack again (after a save), on a thread of its own.
    pub fn refresh(&self, dir: PathBuf) {
        let me = self.clone();
        let _ = std::thread::Builder::new().name("drove-repo-index".into()).spawn(move || {
            let i = index(&DiskLoader::new(), &dir);
            me.stacks.lock().unwrap_or_else(|e| e.into_inner()).insert(dir, i);
        });
    }

    /// Declarations of stacks other than `skip` whose name contains `query`.
    pub fn symbols(&self, query: &str, skip: &[PathBuf]) -> Vec<(SymbolKind, String, Location)> {
        let q = query.to_lowercase();
        let stacks = self.stacks.lock().unwrap_or_else(|e| e.into_inner());
        stacks
            .iter()
            .filter(|(d, _)| !skip.contains(d))
            .flat_map(|(_, i)| &i.entries)
            .filter(|e| e.name.to_lowercase().contains(&q))
            .map(|e| (e.kind, e.name.clone(), Location::new(e.uri.clone(), e.range)))
            .collect()
    }

    /// Where other stacks name the declaration `name` of kind `kind` of the stack in
    /// `dir`, through their `use` of it; `text` gives an open buffer's text.
    pub fn references(
        &self,
        dir: &Path,
        kind: SymbolKind,
        name: &str,
        text: &dyn Fn(&Path) -> Option<String>,
    ) -> Vec<Location> {
        let stacks = self.stacks.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for i in stacks.values() {
            for (use_name, used) in &i.uses {
                if used != dir {
                    continue;
                }
                for path in &i.files {
                    let Some(t) = text(path).or_else(|| std::fs::read_to_string(path).ok()) else { continue };
                    let Some(uri) = Uri::from_file_path(path) else { continue };
                    let mut src = Sources::default();
                    src.add(path.clone(), t.clone());
                    for span in occurrences(&t, use_name, kind, name) {
                        out.push(Location::new(uri.clone(), range(src.file(0), &span)));
                    }
                }
            }
        }
        out
    }
}

fn index(loader: &DiskLoader, dir: &Path) -> Indexed {
    let Ok(sources) = loader.sources(dir) else { return Indexed::default() };
    let (stack, _) = drove_compiler::analysis::lower_only(&sources, None);
    let mut sink = drove_compiler::diag::Sink::default();
    let symbols = drove_compiler::names::Symbols::build(&stack, &mut sink);
    let entries = symbols
        .all()
        .iter()
        .filter_map(|s| {
            let f = sources.files.get(s.file)?;
            Some(Entry {
                kind: s.kind,
                name: s.name.clone(),
                uri: Uri::from_file_path(&f.path)?,
                range: range(f, &s.span),
            })
        })
        .collect();
    let uses = stack
        .uses
        .iter()
        .filter_map(|u| {
            let p = u.path.as_ref()?;
            Some((
                u.name.text.clone(),
                drove_compiler::uses::normalize(&drove_compiler::uses::absolute(dir).join(&p.value)),
            ))
        })
        .collect();
    Indexed { entries, uses, files: sources.files.iter().map(|f| f.path.clone()).collect() }
}

/// The spans of `name` in the words of `text` that name it through `use_name`: `U.NAME`
/// for a network, firewall or role (and `U.NAME.SUBNET` for a network), `U.NET.SUB` for a
/// subnet (`name` is `NET.SUB`; the span is `SUB`), `U.hosts.NAME.…`, `U.host.NAME.…`,
/// `U.balancer.NAME`. Words only: comments and strings never match.
pub fn occurrences(text: &str, use_name: &str, kind: SymbolKind, name: &str) -> Vec<std::ops::Range<usize>> {
    let prefix = match kind {
        SymbolKind::Hosts => format!("{use_name}.hosts."),
        SymbolKind::Host => format!("{use_name}.host."),
        SymbolKind::Balancer => format!("{use_name}.balancer."),
        _ => format!("{use_name}."),
    };
    let mut out = Vec::new();
    for (tok, span) in lex(text) {
        let Token::Word(w) = tok else { continue };
        // `alias U.balancer.NAME` is one word after `alias`; records and lists hold words too.
        let Some(rest) = w.strip_prefix(&prefix) else { continue };
        let (start, len) = match kind {
            SymbolKind::Subnet => {
                if rest != name {
                    continue;
                }
                let sub = name.rsplit_once('.').map_or(name, |(_, s)| s);
                (prefix.len() + name.len() - sub.len(), sub.len())
            }
            SymbolKind::Network if rest == name || rest.starts_with(&format!("{name}.")) => (prefix.len(), name.len()),
            SymbolKind::Hosts | SymbolKind::Host if rest.starts_with(&format!("{name}.")) => (prefix.len(), name.len()),
            SymbolKind::Firewall | SymbolKind::Role | SymbolKind::Balancer | SymbolKind::Let if rest == name => {
                (prefix.len(), name.len())
            }
            _ => continue,
        };
        out.push(span.start + start..span.start + start + len);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_find_the_name_in_words_only() {
        let text = "# net.main.public-a\nhosts a { subnets = [net.main.public-a, net.main.public-c] }\nfirewall w in net.main {}\nx A net2.hosts.web.public_ip\ny A net.hosts.web.public_ip\n";
        let subs = occurrences(text, "net", SymbolKind::Subnet, "main.public-a");
        assert_eq!(subs.iter().map(|s| &text[s.clone()]).collect::<Vec<_>>(), ["public-a"]);
        let nets = occurrences(text, "net", SymbolKind::Network, "main");
        assert_eq!(nets.len(), 3);
        let hosts = occurrences(text, "net", SymbolKind::Hosts, "web");
        assert_eq!(hosts.len(), 1);
        assert_eq!(&text[hosts[0].clone()], "web");
    }
}
