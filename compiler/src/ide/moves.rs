//! What a rename adds so the next plan moves the resources instead of replacing them: a
//! `moved { from = OLD  to = NEW }` after the renamed declaration (the state is never the
//! editor's to write, and the rename may never be committed), and the names AWS cannot
//! change (a firewall's security group name and description, a balancer's and its target
//! groups' names), written out where the source derived them from the old name.
//! A move already in the source that ends at the renamed address follows it instead, so
//! its `from` stays what the state holds.

use super::index::{Index, Symbol, SymbolId, SymbolKind};
use crate::analysis::Analysis;
use crate::compile::instances::host_address;
use crate::compile::network::{subnet_address, vpc_address};
use crate::compile::security_groups;
use crate::model::{certificate, load_balancer, target_group};
use crate::source::{FileId, Sources, Span};
use crate::syntax::cst::{Item, Term};

type Edit = (FileId, Span, String);

/// The address the symbol's declaration compiles to under `name`; `None` for one that
/// makes no resource a rename could replace (a `let`, a role, a secret, the stack).
fn address(index: &Index, sym: &Symbol, name: &str) -> Option<String> {
    let parent = || sym.parent.and_then(|p| index.symbol(p)).map(|p| p.name.as_str());
    Some(match sym.kind {
        SymbolKind::Hosts => format!("hosts.{name}"),
        SymbolKind::Host => host_address(name),
        SymbolKind::Network => vpc_address(name),
        SymbolKind::Subnet => subnet_address(parent()?, name),
        SymbolKind::Firewall => format!("firewall.{name}"),
        SymbolKind::Balancer => load_balancer::address(name),
        SymbolKind::BalancerTarget => target_group::address(parent()?, name),
        SymbolKind::HealthCheck => format!("healthcheck.{name}"),
        SymbolKind::Certificate => certificate::address(name),
        _ => return None,
    })
}

/// `address` with `from` replaced by `to` where it is `from` or under it.
fn under(address: &str, from: &str, to: &str) -> Option<String> {
    let rest = address.strip_prefix(from)?;
    (rest.is_empty() || rest.starts_with(['.', '[', '/'])).then(|| format!("{to}{rest}"))
}

/// The edits besides the renamed names.
pub fn edits(analysis: &Analysis, index: &Index, sources: &Sources, id: SymbolId, new_name: &str) -> Vec<Edit> {
    let Some(sym) = index.symbol(id) else { return Vec::new() };
    let (Some(old), Some(new)) = (address(index, sym, &sym.name), address(index, sym, new_name)) else {
        return Vec::new();
    };
    let text = |f: FileId| sources.files.get(f).map_or("", |s| s.text.as_str());
    let mut out = Vec::new();
    let mut followed = false;
    for m in &analysis.stack.moved {
        let (Some(from), Some(to)) = (&m.from, &m.to) else { continue };
        let Some(moved_to) = under(&to.value, &old, &new) else { continue };
        if to.value == old {
            followed = true;
            if from.value == new {
                // Renamed back: the state holds what the source declares again.
                out.push((m.file, whole_lines(text(m.file), &m.span), String::new()));
                continue;
            }
        }
        let quoted = text(m.file).get(to.span.clone()).is_some_and(|t| t.starts_with('"'));
        out.push((m.file, to.span.clone(), if quoted { format!("\"{moved_to}\"") } else { moved_to }));
    }
    // A subnet's or a target's move goes after the declaration that holds it.
    let top = match sym.parent.and_then(|p| index.symbol(p)) {
        Some(parent) => parent,
        None => sym,
    };
    let src = text(top.file);
    let indent = line_indent(src, top.span.start);
    if !followed {
        let at = line_end(src, top.span.end);
        let block = format!("\n\n{indent}moved {{\n{indent}  from = {old}\n{indent}  to   = {new}\n{indent}}}");
        out.push((top.file, at..at, block));
    }
    out.extend(keep_names(analysis, index, sources, sym, new_name));
    out
}

/// What AWS cannot rename, written out as the old name derived it: a firewall's security
/// group name and description, a balancer's and its target groups' names. A name that
/// holds the stack's identity is, with environments, an override in each environment
/// that derives it (a target group's has no override path, and is left to the author).
fn keep_names(analysis: &Analysis, index: &Index, sources: &Sources, sym: &Symbol, new_name: &str) -> Vec<Edit> {
    let stack = &analysis.stack;
    let identity = |s: &crate::hir::Stack| s.info().map_or(String::new(), |i| i.name.text.clone());
    let envs = &analysis.environments;
    let mut out = Vec::new();
    match sym.kind {
        SymbolKind::Firewall => {
            let Some(f) = stack.firewall(&sym.name) else { return out };
            let mut pins = Vec::new();
            if envs.is_empty() && f.group_name.is_none() {
                pins.push(("group_name", security_groups::group_name(&identity(stack), f)));
            }
            for env in envs {
                let Some(ef) = env.stack.firewall(&sym.name).filter(|ef| ef.group_name.is_none()) else { continue };
                let key = format!("firewall.{new_name}.group_name");
                let value = security_groups::group_name(&identity(&env.stack), ef);
                out.extend(override_line(analysis, sources, &env.name, &key, &value));
            }
            if f.description.is_none() {
                pins.push(("description", security_groups::description(f)));
            }
            out.extend(pin(sources, sym.file, &sym.name_span, &sym.span, &pins));
        }
        SymbolKind::Balancer => {
            let Some(b) = stack.balancers.iter().find(|b| b.name.text == sym.name) else { return out };
            if envs.is_empty() {
                let id = identity(stack);
                if b.aws_name.is_none() {
                    let pins = [("name", load_balancer::name(&id, &sym.name))];
                    out.extend(pin(sources, b.file, &b.name.span, &b.span, &pins));
                }
                for t in b.targets.iter().filter(|t| t.aws_name.is_none()) {
                    let pins = [("name", load_balancer::name(&id, &format!("{}-{}", sym.name, t.name.text)))];
                    out.extend(pin(sources, b.file, &t.name.span, &t.span, &pins));
                }
            }
            for env in envs {
                let Some(eb) = env.stack.balancers.iter().find(|eb| eb.name.text == sym.name) else { continue };
                if eb.aws_name.is_none() {
                    let key = format!("balancer.{new_name}.name");
                    let value = load_balancer::name(&identity(&env.stack), &sym.name);
                    out.extend(override_line(analysis, sources, &env.name, &key, &value));
                }
            }
        }
        SymbolKind::BalancerTarget if envs.is_empty() => {
            let Some(parent) = sym.parent.and_then(|p| index.symbol(p)) else { return out };
            let Some(b) = stack.balancers.iter().find(|b| b.name.text == parent.name) else { return out };
            let Some(t) = b.targets.iter().find(|t| t.name.text == sym.name && t.aws_name.is_none()) else {
                return out;
            };
            let pins = [("name", load_balancer::name(&identity(stack), &format!("{}-{}", b.name.text, sym.name)))];
            out.extend(pin(sources, b.file, &t.name.span, &t.span, &pins));
        }
        _ => {}
    }
    out
}

/// `KEY = "VALUE"` lines put first into the block of the declaration named at `name`:
/// after the line of its `{` when nothing else is on it, else right after the brace.
fn pin(sources: &Sources, file: FileId, name: &Span, decl: &Span, pins: &[(&str, String)]) -> Option<Edit> {
    if pins.is_empty() {
        return None;
    }
    let src = sources.files.get(file)?.text.as_str();
    let open = name.end + src.get(name.end..decl.end)?.find('{')?;
    let indent = format!("{}  ", line_indent(src, decl.start));
    let width = pins.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let lines: String = pins.iter().map(|(k, v)| format!("\n{indent}{k:width$} = {}", crate::fmt::quote(v))).collect();
    let rest = &src[open + 1..line_end(src, open + 1)];
    if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
        let at = line_end(src, open + 1);
        Some((file, at..at, lines))
    } else {
        let blank = rest.len() - rest.trim_start().len();
        Some((file, open + 1..open + 1 + blank, format!("{lines}\n{indent}")))
    }
}

/// `KEY = VALUE` added to the environment block `env`, before its closing brace.
fn override_line(analysis: &Analysis, sources: &Sources, env: &str, key: &str, value: &str) -> Option<Edit> {
    let (file, block) = analysis.files.iter().find_map(|f| {
        f.items.iter().find_map(|i| match i {
            Item::Stmt(s)
                if s.head().text == "environment" && matches!(s.terms.get(1), Some(Term::Word(w)) if w.text == env) =>
            {
                s.block.as_deref().map(|b| (f.file, b))
            }
            _ => None,
        })
    })?;
    let src = sources.files.get(file)?.text.as_str();
    let close = block.span.end.checked_sub(1)?;
    let indent = line_indent(src, block.span.start);
    let line = format!("{indent}  {key} = {}", crate::fmt::quote(value));
    let start = line_start(src, close);
    if src[start..close].trim().is_empty() {
        Some((file, start..start, format!("{line}\n")))
    } else {
        Some((file, close..close, format!("\n{line}\n{indent}")))
    }
}

fn line_start(src: &str, at: usize) -> usize {
    src.get(..at).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1)
}

/// Where the line holding `at` ends (its `\n`, or the end of the text).
fn line_end(src: &str, at: usize) -> usize {
    let at = at.min(src.len());
    src.get(at..).and_then(|s| s.find('\n')).map_or(src.len(), |i| at + i)
}

fn line_indent(src: &str, at: usize) -> String {
    let start = line_start(src, at);
    src.get(start..).map_or(String::new(), |l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect())
}

/// The lines `span` stands on, with their line break and a blank line before them.
fn whole_lines(src: &str, span: &Span) -> Span {
    let mut start = line_start(src, span.start);
    let end = (line_end(src, span.end) + 1).min(src.len());
    if start >= 2 && src.get(start - 2..start) == Some("\n\n") {
        start -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use crate::analysis::{analyze, Analysis};
    use crate::ide::{Index, RenameError};
    use crate::source::Sources;

    const STACK: &str = "stack shop { region = \"ap-northeast-1\" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}
firewall web in main {  # the front
  allow tcp 443 from 0.0.0.0/0
}
firewall ssh in main { allow tcp 22 from office }
let office = 203.0.113.0/24
role app { image = image(\"base-*\")  type = t3.micro  firewall = [web, ssh] }
hosts app { role = app  count = 2  subnets = [main.public-a] }
";

    /// The stack after renaming the `nth` `needle` of file 0 to `new`, applying every edit.
    fn renamed(texts: &[&str], needle: &str, nth: usize, new: &str) -> Result<Vec<String>, RenameError> {
        let mut sources = Sources::default();
        for (i, t) in texts.iter().enumerate() {
            sources.add(format!("f{i}.drove"), *t);
        }
        let a = analyze(&sources);
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        let index = Index::build(&a.stack);
        let offset = texts[0].match_indices(needle).nth(nth).map(|(i, _)| i).expect("needle");
        let edits = index.rename_in(&a, &sources, 0, offset, new)?;
        let mut out: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        for (f, span, text) in edits.iter().rev() {
            out[*f].replace_range(span.clone(), text);
        }
        Ok(out)
    }

    fn analysed(texts: &[String]) -> Analysis {
        let mut sources = Sources::default();
        for (i, t) in texts.iter().enumerate() {
            sources.add(format!("f{i}.drove"), t.as_str());
        }
        let a = analyze(&sources);
        assert!(!a.has_errors(), "{:?}\n{}", a.diagnostics, texts.join("\n---\n"));
        a
    }

    fn moves(a: &Analysis, env: Option<&str>) -> Vec<(String, String)> {
        let d = crate::compile::compile_in(a, env).expect("compiles");
        d.moves.into_iter().map(|m| (m.from, m.to)).collect()
    }

    fn group(a: &Analysis, env: Option<&str>, address: &str) -> (String, String) {
        let d = crate::compile::compile_in(a, env).expect("compiles");
        let r = d.resources.iter().find(|r| r.address == address).expect("declared");
        let v = r.attributes();
        (v["name"].as_str().unwrap_or("").to_string(), v["description"].as_str().unwrap_or("").to_string())
    }

    #[test]
    fn a_renamed_firewall_keeps_its_group_and_moves() {
        let out = renamed(&[STACK], "web", 0, "front").expect("renamed");
        let a = analysed(&out);
        assert_eq!(moves(&a, None), [("firewall.web".to_string(), "firewall.front".to_string())]);
        assert_eq!(group(&a, None, "firewall.front"), ("shop-web".into(), "drove firewall web".into()));
        assert!(out[0].contains(
            "firewall front in main {  # the front\n  group_name  = \"shop-web\"\n  description = \"drove firewall web\"\n"
        ));
        assert!(out[0].contains("}\n\nmoved {\n  from = firewall.web\n  to   = firewall.front\n}\n"), "{}", out[0]);
        // A block on one line is opened up.
        let out = renamed(&[STACK], "ssh", 0, "admin").expect("renamed");
        assert_eq!(group(&analysed(&out), None, "firewall.admin"), ("shop-ssh".into(), "drove firewall ssh".into()));
    }

    #[test]
    fn renamed_groups_hosts_networks_and_subnets_move_what_they_hold() {
        for (needle, nth, new, from, to) in [
            ("app", 1, "worker", "hosts.app", "hosts.worker"),
            ("main", 0, "office", "network.main", "network.office"),
            ("public-a", 0, "front", "network.main.subnet.public-a", "network.main.subnet.front"),
        ] {
            let out = renamed(&[STACK], needle, nth, new).expect("renamed");
            assert_eq!(moves(&analysed(&out), None), [(from.to_string(), to.to_string())], "{}", out[0]);
        }
        // A second rename follows the first move, so its `from` stays what the state holds;
        // renaming back takes the move away.
        let once = renamed(&[STACK], "app", 1, "worker").expect("renamed");
        let twice = renamed(&[&once[0]], "worker", 0, "front").expect("renamed");
        assert_eq!(moves(&analysed(&twice), None), [("hosts.app".to_string(), "hosts.front".to_string())]);
        let back = renamed(&[&twice[0]], "front {", 0, "app").expect("renamed");
        assert_eq!(back[0], STACK);
        // A network renamed after its subnet: the subnet's move follows into the new network.
        let sub = renamed(&[STACK], "public-a", 0, "front").expect("renamed");
        let net = renamed(&[&sub[0]], "main", 0, "office").expect("renamed");
        let got = moves(&analysed(&net), None);
        assert!(
            got.contains(&("network.main.subnet.public-a".into(), "network.office.subnet.front".into())),
            "{got:?}"
        );
        assert!(got.contains(&("network.main".into(), "network.office".into())), "{got:?}");
    }

    #[test]
    fn what_makes_no_resource_adds_nothing_and_refusals_stay() {
        let out = renamed(&[STACK], "office", 0, "home").expect("renamed");
        assert!(!out[0].contains("moved"), "{}", out[0]);
        let out = renamed(&[STACK], "app { image", 0, "web-role").expect("renamed");
        assert!(!out[0].contains("moved"));
        let zone = format!("{STACK}zone \"acme.example.\" {{ www A 192.0.2.1 }}\n");
        assert_eq!(renamed(&[&zone], "acme", 0, "x"), Err(RenameError::Zone));
        assert!(matches!(renamed(&[STACK], "web", 0, "ssh"), Err(RenameError::Taken { .. })));
    }

    #[test]
    fn with_environments_the_group_name_is_kept_in_each() {
        let envs = format!(
            "{STACK}environment staging {{\n  hosts.app.count = 1\n}}\nenvironment production {{ hosts.app.count = 3 }}\n"
        );
        let out = renamed(&[&envs], "web", 0, "front").expect("renamed");
        let a = analysed(&out);
        assert_eq!(group(&a, Some("staging"), "firewall.front").0, "shop-staging-web");
        assert_eq!(moves(&a, Some("staging")), [("firewall.web".to_string(), "firewall.front".to_string())]);
        assert_eq!(group(&a, Some("production"), "firewall.front").0, "shop-production-web");
        assert!(
            out[0].contains("  hosts.app.count = 1\n  firewall.front.group_name = \"shop-staging-web\"\n}"),
            "{}",
            out[0]
        );
    }

    #[test]
    fn a_renamed_balancer_keeps_its_names() {
        let two = "  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }\n";
        let stack =
            STACK.replace(two, &format!("{two}  subnet public-c {{ cidr = 10.0.2.0/24  zone = c  public = true }}\n"));
        let lb = format!(
            "{stack}balancer web in main {{\n  subnets = [main.public-a, main.public-c]\n  listen 80 http forward app\n  target app {{ hosts = [app]  port = 443 }}\n}}\n"
        );
        let names = |a: &Analysis| -> Vec<(String, String)> {
            let d = crate::compile::compile(a).expect("compiles");
            d.resources
                .iter()
                .filter(|r| r.kind().starts_with("elbv2.load") || r.kind().starts_with("elbv2.target_group"))
                .map(|r| (r.address.clone(), r.attributes()["name"].as_str().unwrap_or("").to_string()))
                .collect()
        };
        let before = names(&analysed(std::slice::from_ref(&lb)));
        let out = renamed(&[&lb], "web in main {\n  subnets", 0, "front").expect("renamed");
        let a = analysed(&out);
        let after = names(&a);
        assert_eq!(before.iter().map(|n| &n.1).collect::<Vec<_>>(), after.iter().map(|n| &n.1).collect::<Vec<_>>());
        assert_eq!(moves(&a, None), [("balancer.web".to_string(), "balancer.front".to_string())]);
        let out = renamed(&[&lb], "app { hosts", 0, "api").expect("renamed");
        let a = analysed(&out);
        assert_eq!(before.iter().map(|n| &n.1).collect::<Vec<_>>(), names(&a).iter().map(|n| &n.1).collect::<Vec<_>>());
        assert_eq!(moves(&a, None), [("balancer.web.target.app".to_string(), "balancer.web.target.api".to_string())]);
    }
}
