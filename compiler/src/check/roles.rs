//! Checks of `role` declarations: the instance type against the catalog, the image, the
//! root disk, the replacement settings, the provisioning steps, and the lint for a public
//! address that no firewall lets anyone reach.

use crate::catalog;
use crate::diag::{Diagnostic, Sink};
use crate::hir::{Direction, FileContent, Image, Peer, Role, Stack, StepKind};
use crate::syntax::cst::Expr;
use std::collections::HashMap;

pub const E_UNKNOWN_INSTANCE_TYPE: &str = "E0242";
pub const E_BAD_IMAGE: &str = "E0243";
pub const E_DISK_SIZE: &str = "E0244";
pub const E_FILE_PATH: &str = "E0253";
pub const E_EMPTY_NAME: &str = "E0254";
pub const E_DRAIN_TIMEOUT: &str = "E0255";
pub const E_BATCH: &str = "E0256";
pub const E_DUPLICATE_FILE: &str = "E0258";
pub const E_REPO_FILE: &str = "E0264";
pub const W_PUBLIC_IP_UNREACHABLE: &str = "W0010";

/// EBS gp3 volume size limits, in GiB.
pub const DISK_GIB: std::ops::RangeInclusive<u64> = 1..=16_384;
/// Longer than a day would stall an apply; zero would skip the drain check.
pub const DRAIN_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=86_400;

pub fn check(stack: &Stack, sink: &mut Sink) {
    for role in &stack.roles {
        instance_type(role, sink);
        image(role, sink);
        ranges(role, sink);
        provision(role, sink);
        repo_files(stack, role, sink);
        public_ip_reachable(stack, role, sink);
    }
}

/// Whether a value span holds a quoted string (`"t3.micro"`) rather than a word, so a
/// quick fix keeps the quotes.
fn quoted(span: &std::ops::Range<usize>, value: &str) -> bool {
    span.len() == value.len() + 2
}

fn instance_type(role: &Role, sink: &mut Sink) {
    let Some(t) = &role.instance_type else { return };
    if catalog::instance_type(&t.value).is_some() {
        return;
    }
    let mut d = Diagnostic::new(
        E_UNKNOWN_INSTANCE_TYPE,
        role.file,
        t.span.clone(),
        format!("unknown instance type `{}` in role `{}`", t.value, role.name.text),
    )
    .with_label("not an EC2 instance type");
    let candidates = catalog::instance_types::suggest(&t.value);
    match candidates.as_slice() {
        [best, rest @ ..] => {
            let more = if rest.is_empty() {
                String::new()
            } else {
                format!(" (or {})", rest.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
            };
            let replacement = if quoted(&t.span, &t.value) { format!("\"{best}\"") } else { best.to_string() };
            d = d.with_help(format!("did you mean `{best}`?{more}")).with_fix(
                format!("replace with `{best}`"),
                role.file,
                t.span.clone(),
                replacement,
            );
        }
        [] => {
            d = d.with_help("write a type such as `t3.micro` or `m7g.large`; drove knows the types in `compiler/data/instance_types.tsv`");
        }
    }
    sink.push(d);
}

/// AMI ids are `ami-` and 8 (older) or 17 hex digits.
fn is_ami_id(id: &str) -> bool {
    id.strip_prefix("ami-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// An AMI owner is an account id (12 digits) or an alias AWS accepts.
fn is_owner(owner: &str) -> bool {
    (owner.len() == 12 && owner.bytes().all(|b| b.is_ascii_digit()))
        || matches!(owner, "self" | "amazon" | "aws-marketplace" | "aws-backup-vault")
}

fn image(role: &Role, sink: &mut Sink) {
    let Some(img) = &role.image else { return };
    let problem = match &img.value {
        Image::Pattern { pattern, .. } if pattern.trim().is_empty() => Some((
            "`image(…)` needs a non-empty AMI name pattern".to_string(),
            "write the name pattern your image builder uses, e.g. `image(\"base-ruby-*\")`".to_string(),
        )),
        Image::Pattern { owner: Some(o), .. } if !is_owner(o) => Some((
            format!("`{o}` is not an AMI owner"),
            "an owner is a 12-digit account id or `self`, `amazon`, `aws-marketplace`".to_string(),
        )),
        Image::Id(id) if !is_ami_id(id) => Some((
            format!("`{id}` is not an AMI id"),
            "an AMI id is `ami-` and 17 hexadecimal digits (8 for old AMIs), e.g. `ami-0123456789abcdef0`".to_string(),
        )),
        _ => None,
    };
    if let Some((msg, help)) = problem {
        sink.push(
            Diagnostic::new(E_BAD_IMAGE, role.file, img.span.clone(), format!("{msg} (role `{}`)", role.name.text))
                .with_help(help),
        );
    }
}

fn ranges(role: &Role, sink: &mut Sink) {
    if let Some(disk) = &role.disk_gib {
        if !DISK_GIB.contains(&disk.value) {
            sink.push(
                Diagnostic::new(
                    E_DISK_SIZE,
                    role.file,
                    disk.span.clone(),
                    format!("disk of {} GiB is out of range", disk.value),
                )
                .with_label(format!("must be {}–{} GiB", DISK_GIB.start(), DISK_GIB.end()))
                .with_help("a root volume is 1 GiB to 16384 GiB; most AMIs need at least 8 GiB"),
            );
        }
    }
    if let Some(t) = &role.drain_timeout {
        if !DRAIN_TIMEOUT_SECS.contains(&t.value) {
            sink.push(
                Diagnostic::new(
                    E_DRAIN_TIMEOUT,
                    role.file,
                    t.span.clone(),
                    format!("`drain_timeout` of {} seconds is out of range", t.value),
                )
                .with_label("must be from 1s to 24h")
                .with_help("the default is `5m`; `0s` would skip the drain check"),
            );
        }
    }
    if let Some(b) = &role.batch {
        if b.value == 0 {
            sink.push(
                Diagnostic::new(E_BATCH, role.file, b.span.clone(), "`batch = 0` would never replace an instance")
                    .with_label("must be at least 1")
                    .with_help("replace one instance at a time with `batch = 1`")
                    .with_fix("replace with `1`", role.file, b.span.clone(), "1"),
            );
        }
    }
}

fn provision(role: &Role, sink: &mut Sink) {
    let mut files: HashMap<&str, &std::ops::Range<usize>> = HashMap::new();
    for step in &role.provision {
        let (what, names): (&str, Vec<&crate::hir::Spanned<String>>) = match &step.kind {
            StepKind::Package { names } => ("package", names.iter().collect()),
            StepKind::Service { names } => ("service", names.iter().collect()),
            StepKind::User { name, groups, .. } => {
                empty_names(role, "user", [name].into_iter(), sink);
                ("group", groups.iter().collect())
            }
            StepKind::File { path, .. } => {
                file_path(role, path, sink);
                if let Some(first) = files.get(path.value.as_str()) {
                    sink.push(
                        Diagnostic::new(
                            E_DUPLICATE_FILE,
                            role.file,
                            path.span.clone(),
                            format!("`{}` is provisioned twice in role `{}`", path.value, role.name.text),
                        )
                        .with_label("written again here")
                        .with_secondary(role.file, (*first).clone(), "first written here")
                        .with_help("keep one `file` step per path"),
                    );
                } else {
                    files.insert(path.value.as_str(), &path.span);
                }
                continue;
            }
            StepKind::Run { .. } => continue,
        };
        empty_names(role, what, names.into_iter(), sink);
    }
}

/// A `file("path")` the engine would fail to read when it launches an instance: found
/// while typing rather than in the middle of an apply. Paths are relative to the stack's
/// directory, as the engine reads them; without a directory (a buffer never saved) there
/// is nothing to look in.
fn repo_files(stack: &Stack, role: &Role, sink: &mut Sink) {
    let Some(dir) = stack.dir.as_deref() else { return };
    for step in &role.provision {
        let StepKind::File { content, .. } = &step.kind else { continue };
        let FileContent::RepoFile(path) = &content.value else { continue };
        let full = dir.join(path);
        let problem = match std::fs::metadata(&full) {
            Ok(m) if m.is_file() => continue,
            Ok(_) => "is not a regular file",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
            Err(_) => "cannot be read",
        };
        let mut d = Diagnostic::new(
            E_REPO_FILE,
            role.file,
            content.span.clone(),
            format!("`{path}` {problem} (looked for {})", full.display()),
        )
        .with_label("no such file beside the stack");
        d = match nearby_file(&full) {
            Some(near) => {
                let fixed = match path.rsplit_once('/') {
                    Some((parent, _)) => format!("{parent}/{near}"),
                    None => near,
                };
                let call = format!("file({})", serde_json::Value::String(fixed.clone()));
                d.with_help(format!("did you mean `{fixed}`? paths in `file(…)` are relative to the stack's directory"))
                    .with_fix(format!("use `{fixed}`"), role.file, content.span.clone(), call)
            }
            None if problem == "does not exist" => d
                .with_help("paths in `file(…)` are relative to the stack's directory; add the file to the repository or fix the path")
                .with_new_file(format!("create `{path}`"), role.file, content.span.clone(), full.clone()),
            None => d.with_help("paths in `file(…)` are relative to the stack's directory; add the file to the repository or fix the path"),
        };
        sink.push(d);
    }
}

/// The closest name among the files in the wanted file's directory.
fn nearby_file(full: &std::path::Path) -> Option<String> {
    let wanted = full.file_name()?.to_str()?;
    let names: Vec<String> = std::fs::read_dir(full.parent()?)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let best = *crate::catalog::closest(wanted, names.iter().map(String::as_str), 1).first()?;
    Some(best.to_string())
}

fn empty_names<'a>(
    role: &Role,
    what: &str,
    names: impl Iterator<Item = &'a crate::hir::Spanned<String>>,
    sink: &mut Sink,
) {
    for n in names {
        if n.value.trim().is_empty() {
            sink.push(
                Diagnostic::new(
                    E_EMPTY_NAME,
                    role.file,
                    n.span.clone(),
                    format!("empty {what} name in role `{}`", role.name.text),
                )
                .with_label("empty name")
                .with_help(format!("write the {what}'s name or remove it")),
            );
        }
    }
}

fn file_path(role: &Role, path: &crate::hir::Spanned<String>, sink: &mut Sink) {
    let p = path.value.as_str();
    let problem = if !p.starts_with('/') {
        Some("is not absolute")
    } else if p.ends_with('/') {
        Some("names a directory, not a file")
    } else if p.split('/').any(|seg| seg == "..") {
        Some("goes up with `..`")
    } else if p.contains('\0') {
        Some("contains a NUL byte")
    } else {
        None
    };
    let Some(problem) = problem else { return };
    let mut d = Diagnostic::new(E_FILE_PATH, role.file, path.span.clone(), format!("file path `{p}` {problem}"))
        .with_label("expected an absolute file path")
        .with_help("write the full path of the file on the instance, e.g. `\"/etc/app/config.yml\"`");
    if !p.starts_with('/') && !p.is_empty() && !p.split('/').any(|s| s == "..") {
        let fixed = format!("/{p}");
        d = d.with_fix(format!("replace with `{fixed}`"), role.file, path.span.clone(), format!("\"{fixed}\""));
    }
    sink.push(d);
}

/// Whether a peer is the whole internet (`0.0.0.0/0`, `::/0`), directly or through a
/// `let` constant.
fn peer_is_world(stack: &Stack, peer: &Peer) -> bool {
    match peer {
        Peer::Cidr(c) => c.value.prefix_len() == 0,
        Peer::Name(r) => stack.let_decl(&r.text).is_some_and(|l| expr_has_world(&l.value)),
    }
}

fn expr_has_world(e: &Expr) -> bool {
    match e {
        Expr::Word(w) => crate::literal::cidr(&w.text).is_ok_and(|c| c.prefix_len() == 0),
        Expr::List(l) => l.items.iter().any(expr_has_world),
        _ => false,
    }
}

fn public_ip_reachable(stack: &Stack, role: &Role, sink: &mut Sink) {
    let Some(p) = role.public_ip.as_ref().filter(|p| p.value) else { return };
    let mut open = false;
    for r in &role.firewalls {
        // An unknown firewall is reported by the names pass; without its rules the lint
        // cannot know, so it stays quiet.
        let Some(fw) = stack.firewall(&r.text) else { return };
        open |= fw.rules.iter().any(|rule| {
            rule.direction.value == Direction::Ingress && rule.peers.iter().any(|p| peer_is_world(stack, p))
        });
    }
    if open {
        return;
    }
    let mut d = Diagnostic::new(
        W_PUBLIC_IP_UNREACHABLE,
        role.file,
        p.span.clone(),
        format!("role `{}` gets a public address, but its firewalls allow nothing from the internet", role.name.text),
    )
    .with_label("public address nobody can reach")
    .with_help("remove `public_ip = true`, or allow the traffic it is for (e.g. `allow tcp 443 from 0.0.0.0/0`)");
    for r in &role.firewalls {
        if let Some(fw) = stack.firewall(&r.text) {
            d = d.with_secondary(fw.file, fw.name.span.clone(), "no rule from 0.0.0.0/0 or ::/0 here");
        }
    }
    sink.push(d);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{codes, primary_text, run};
    use super::check;

    const NET: &str = "stack s { region = \"ap-northeast-1\" }\nnetwork main {\n  cidr = 10.0.0.0/16\n  subnet a { cidr = 10.0.1.0/24  zone = a  public = true }\n}\n";

    fn role(body: &str) -> String {
        format!("{NET}role app {{\n  image = image(\"base-*\")\n  type = t3.micro\n{body}\n}}\n")
    }

    #[test]
    fn repository_files_must_exist_beside_the_stack() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("files")).expect("mkdir");
        std::fs::write(dir.path().join("files/nginx.conf"), "events {}\n").expect("write");
        let src = role("  provision {\n    file \"/etc/nginx/nginx.conf\" = file(\"files/nginx.conf\")\n    file \"/etc/a\" = file(\"files/ngnix.conf\")\n    file \"/etc/b\" = file(\"files\")\n    file \"/etc/c\" = file(\"nothing/here\")\n  }");
        let stack_file = dir.path().join("main.drove");
        let a = crate::analysis::analyze(&crate::source::Sources::single(&stack_file, src.clone()));
        let d: Vec<_> = a.diagnostics.iter().filter(|d| d.code == "E0264").collect();
        assert_eq!(d.len(), 3, "{d:#?}");
        assert_eq!(primary_text(&src, d[0]), "file(\"files/ngnix.conf\")");
        assert!(d[0].message.contains("does not exist"), "{}", d[0].message);
        assert_eq!(d[0].fixes[0].replacement, "file(\"files/nginx.conf\")");
        assert!(d[1].message.contains("`files` is not a regular file"), "{}", d[1].message);
        assert!(d[2].help.as_deref().is_some_and(|h| h.contains("relative to the stack's directory")));
        // Nothing close by: the fix creates the file the source names.
        assert_eq!(d[2].fixes.len(), 1);
        assert!(d[2].fixes[0].create.as_ref().is_some_and(|p| p.ends_with("nothing/here")), "{:?}", d[2].fixes);
        assert!(d[1].fixes.iter().all(|f| f.create.is_none()), "a directory is not replaced by a file");
        // A buffer with no directory has nothing to look in.
        assert!(codes(&run(&src, check)).is_empty());
    }

    #[test]
    fn valid_role_is_quiet() {
        let src = format!(
            "{NET}firewall web in main {{\n  allow tcp 443 from 0.0.0.0/0\n}}\nrole app {{\n  image = image(\"base-*\", \"self\")\n  type = m7g.large\n  firewall = [web]\n  public_ip = true\n  disk = 30GiB\n  drain_timeout = 5m\n  batch = 2\n  provision {{\n    package \"nginx\", \"ruby\"\n    user \"app\" groups \"www-data\"\n    file \"/etc/motd\" mode 0644 = \"hi\"\n    run \"true\"\n    service \"nginx\"\n  }}\n}}\n"
        );
        assert_eq!(codes(&run(&src, check)), Vec::<&str>::new());
    }

    #[test]
    fn unknown_type_suggests_and_fixes() {
        let src = format!("{NET}role app {{\n  image = image(\"base-*\")\n  type = t3.mediun\n}}\n");
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0242"]);
        assert_eq!(primary_text(&src, &d[0]), "t3.mediun");
        assert!(d[0].help.as_deref().is_some_and(|h| h.starts_with("did you mean `t3.medium`?")), "{:?}", d[0].help);
        assert_eq!(d[0].fixes.first().map(|f| f.replacement.as_str()), Some("t3.medium"));
    }

    #[test]
    fn quoted_type_fix_keeps_quotes() {
        let src = format!("{NET}role app {{\n  image = image(\"base-*\")\n  type = \"m5.larg\"\n}}\n");
        let d = run(&src, check);
        assert_eq!(d.first().and_then(|d| d.fixes.first()).map(|f| f.replacement.as_str()), Some("\"m5.large\""));
    }

    #[test]
    fn images() {
        for (img, ok) in [
            ("image(\"\")", false),
            ("image(\"base-*\", \"12345\")", false),
            ("image(\"base-*\", \"123456789012\")", true),
            ("ami-0123456789abcdef0", true),
            ("ami-12345678", true),
            ("ami-xyz", false),
            ("\"ami-0123456789ABCDEF0\"", false),
        ] {
            let src = format!("{NET}role app {{\n  image = {img}\n  type = t3.micro\n}}\n");
            let expected: Vec<&str> = if ok { vec![] } else { vec!["E0243"] };
            assert_eq!(codes(&run(&src, check)), expected, "{img}");
        }
    }

    #[test]
    fn ranges() {
        let d = run(&role("  disk = 0GiB\n  drain_timeout = 0s\n  batch = 0"), check);
        assert_eq!(codes(&d), vec!["E0244", "E0255", "E0256"]);
        let d = run(&role("  disk = 16385GiB\n  drain_timeout = 2d"), check);
        assert_eq!(codes(&d), vec!["E0244", "E0255"]);
        let d = run(&role("  disk = 16384GiB\n  drain_timeout = 24h\n  batch = 1"), check);
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn provisioning_steps() {
        let src = role("  provision {\n    package \"nginx\", \"\"\n    service \"\"\n    user \"\"\n    file \"etc/motd\" = \"x\"\n    file \"/etc/\" = \"x\"\n    file \"/a/../b\" = \"x\"\n    file \"/etc/x\" = \"1\"\n    file \"/etc/x\" = \"2\"\n  }");
        let d = run(&src, check);
        assert_eq!(codes(&d), vec!["E0254", "E0254", "E0254", "E0253", "E0253", "E0253", "E0258"]);
        let rel = d.iter().find(|d| d.code == "E0253").expect("relative path");
        assert_eq!(primary_text(&src, rel), "\"etc/motd\"");
        assert_eq!(rel.fixes.first().map(|f| f.replacement.as_str()), Some("\"/etc/motd\""));
        let dup = d.iter().find(|d| d.code == "E0258").expect("duplicate");
        assert_eq!(dup.secondary.len(), 1);
    }

    #[test]
    fn public_ip_without_world_ingress_is_linted() {
        let closed = format!("{NET}firewall app in main {{\n  allow tcp 8080 from 10.0.0.0/16\n  allow all to 0.0.0.0/0\n}}\nrole app {{\n  image = image(\"b\")\n  type = t3.micro\n  firewall = [app]\n  public_ip = true\n}}\n");
        let d = run(&closed, check);
        assert_eq!(codes(&d), vec!["W0010"]);
        assert_eq!(primary_text(&closed, &d[0]), "true");
        assert_eq!(d[0].secondary.len(), 1);
        let no_firewall = role("  public_ip = true");
        assert_eq!(codes(&run(&no_firewall, check)), vec!["W0010"]);
        let via_let = format!("let world = [0.0.0.0/0]\n{NET}firewall app in main {{\n  allow tcp 80 from world\n}}\nrole app {{\n  image = image(\"b\")\n  type = t3.micro\n  firewall = [app]\n  public_ip = true\n}}\n");
        assert!(run(&via_let, check).is_empty());
        let v6 = format!("{NET}firewall app in main {{\n  allow tcp 80 from ::/0\n}}\nrole app {{\n  image = image(\"b\")\n  type = t3.micro\n  firewall = [app]\n  public_ip = true\n}}\n");
        assert!(run(&v6, check).is_empty());
    }
}
