//! Environments: one stack, several deployments of it (`staging`, `production`).
//!
//! ```text
//! environment production {
//!   state  = s3("acme-drove-state", "production.json")   # default: the stack's, `.production` before the extension
//!   tags   = { env = "production" }                      # merged over the stack's tags
//!   region = "ap-northeast-3"                            # any other stack attribute replaces the stack's
//!   hosts.app.count = 4                                  # PATH.ATTRIBUTE replaces (or sets) one attribute
//!   network.main.subnet.public-a.cidr = 10.1.1.0/24
//!   let office = 198.51.100.0/24                         # a declaration replaces the stack's of that kind and name,
//!   zone "acme.example." { … }                           # or exists in this environment only
//! }
//! ```
//!
//! An override is read by the block it names with that attribute's own reader, so it is
//! typed exactly as the attribute is; the stack is lowered and checked once per
//! environment, and what only one environment gets wrong is reported with its name.
//!
//! An override's value is read inside another declaration, usually of another file, and
//! spans carry no file: the value's spans are *shifted* to a range no file reaches (from
//! `usize::MAX / 2` up, one slot per override), so whatever lowering or a check reports
//! about them is moved back to the override by [`Shifts::unshift`], in whichever file
//! the diagnostic named.
//!
//! An environment is part of the stack's identity ([`identity`]): the compiled stack's
//! name, so its `drove:stack` tags, the names derived from it and the state it is bound
//! to differ per environment, and staging's state cannot be used for production.

use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{self, Ident, StateBackend};
use crate::lower::{E_ATTRIBUTE_NOT_ALLOWED, E_BAD_HEADER, E_DUPLICATE_ATTRIBUTE, E_UNKNOWN_ATTRIBUTE};
use crate::source::{FileId, Span};
use crate::syntax::cst::{self, Attr, Expr, Item, Term, Word};

pub const E_DUPLICATE_ENVIRONMENT: &str = "E0120";
pub const E_UNKNOWN_OVERRIDE: &str = "E0121";
pub const E_SHARED_STATE: &str = "E0122";
pub const E_NOT_IN_ENVIRONMENT: &str = "E0123";

const FORM: &str = "environment NAME { … }";

/// The compiled stack's name in an environment: `shop` in `staging` is `shop-staging`.
/// Every name drove derives from the stack (tags, security groups, IAM roles, Parameter
/// Store paths) and the state's owner go through it.
pub fn identity(stack: &str, environment: &str) -> String {
    format!("{stack}-{environment}")
}

/// `environment NAME { … }`, lowered once for all environments.
#[derive(Debug)]
pub struct EnvDecl<'t> {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub overrides: Vec<Override>,
    /// Declarations that replace the stack's of the same kind and name in this environment,
    /// or exist only in it.
    pub statements: Vec<&'t Item>,
}

/// `PATH.ATTRIBUTE = VALUE` in an environment block (a plain `ATTRIBUTE` is `stack`'s).
#[derive(Debug, Clone)]
pub struct Override {
    /// The block it names: `hosts.app`, `network.main.subnet.public-a`, `stack`.
    pub path: String,
    /// The attribute as the block reads it: the key is the last segment, every span shifted.
    pub attr: Attr,
    /// The key as written, in the environment's file.
    pub file: FileId,
    pub key: Word,
}

/// Where shifted spans came from.
#[derive(Debug, Clone, Default)]
pub struct Shifts {
    /// `(shifted start, length, file, original start)`, by shifted start.
    slots: Vec<(usize, usize, FileId, usize)>,
}

const SHIFT_BASE: usize = usize::MAX / 2;

impl Shifts {
    fn next(&self) -> usize {
        self.slots.last().map_or(SHIFT_BASE, |(at, len, ..)| at + len + 1)
    }

    /// A copy of `attr` whose spans lie in a fresh slot, keyed by its last path segment.
    fn shift(&mut self, file: FileId, attr: &Attr, key_start: usize, attribute: &str) -> Attr {
        let at = self.next();
        let span = attr.span.clone();
        self.slots.push((at, span.len(), file, span.start));
        let d = |s: &Span| s.start - span.start + at..s.end - span.start + at;
        let mut value = attr.value.clone();
        shift_expr(&mut value, &d);
        let key_span = key_start..key_start + attribute.len();
        Attr { key: Word { text: attribute.into(), span: d(&key_span) }, value, span: d(&span) }
    }

    /// The file and span a possibly shifted span stands for.
    pub fn unshift(&self, file: FileId, span: &Span) -> (FileId, Span) {
        if span.start < SHIFT_BASE {
            return (file, span.clone());
        }
        let i = self.slots.partition_point(|(at, ..)| *at <= span.start);
        let Some((at, len, f, orig)) = i.checked_sub(1).and_then(|i| self.slots.get(i)) else {
            return (file, span.clone());
        };
        let start = span.start - at + orig;
        let end = if span.end >= *at && span.end <= at + len { span.end - at + orig } else { start };
        (*f, start..end.max(start))
    }

    /// Moves every label and fix of `d` that points into an override back to it.
    pub fn unshift_diagnostic(&self, mut d: Diagnostic) -> Diagnostic {
        if self.slots.is_empty() {
            return d;
        }
        for l in std::iter::once(&mut d.primary).chain(d.secondary.iter_mut()) {
            (l.file, l.span) = self.unshift(l.file, &l.span);
        }
        for f in &mut d.fixes {
            (f.file, f.span) = self.unshift(f.file, &f.span);
        }
        d
    }
}

fn shift_expr(e: &mut Expr, d: &impl Fn(&Span) -> Span) {
    match e {
        Expr::Word(w) => w.span = d(&w.span),
        Expr::Str(s) => s.span = d(&s.span),
        Expr::List(l) => {
            l.span = d(&l.span);
            l.items.iter_mut().for_each(|i| shift_expr(i, d));
        }
        Expr::Map(m) => {
            m.span = d(&m.span);
            for entry in &mut m.entries {
                entry.span = d(&entry.span);
                match &mut entry.key {
                    Term::Word(w) => w.span = d(&w.span),
                    Term::Str(s) => s.span = d(&s.span),
                    Term::Comma(s) => *s = d(s),
                }
                shift_expr(&mut entry.value, d);
            }
        }
        Expr::Call(c) => {
            c.span = d(&c.span);
            c.name.span = d(&c.name.span);
            c.args.iter_mut().for_each(|a| shift_expr(a, d));
        }
        Expr::Error(s) => *s = d(s),
    }
}

/// Whether an override's path names the block at `path` (a zone's name may be written
/// with or without its trailing dot).
pub(crate) fn same_path(written: &str, path: &str) -> bool {
    written == path || written.trim_end_matches('.') == path.trim_end_matches('.')
}

/// The environments a stack declares, in source order, with the shifts of their overrides.
#[derive(Debug, Default)]
pub struct Environments<'t> {
    pub list: Vec<EnvDecl<'t>>,
    pub shifts: Shifts,
}

/// Lowers every `environment` block once: its header, which of its attributes override
/// what, and its declarations (lowered later, per environment). Reports what is wrong
/// whatever the environment (E0120, E0123, E0051, E0053).
pub fn declared<'t>(files: &'t [cst::File], sink: &mut Sink) -> Environments<'t> {
    let mut out = Environments::default();
    for f in files {
        for item in &f.items {
            let Item::Stmt(stmt) = item else { continue };
            if !matches!(stmt.terms.first(), Some(Term::Word(w)) if w.text == "environment") {
                continue;
            }
            if let Some(env) = lower_environment(f.file, stmt, &mut out.shifts, sink) {
                if let Some(first) = out.list.iter().find(|e| e.name.text == env.name.text) {
                    sink.push(
                        Diagnostic::new(
                            E_DUPLICATE_ENVIRONMENT,
                            env.file,
                            env.name.span.clone(),
                            format!("environment `{}` is declared twice", env.name.text),
                        )
                        .with_label("declared again here")
                        .with_secondary(first.file, first.name.span.clone(), "first declared here")
                        .with_help("merge the two blocks into one, or rename one of them"),
                    );
                    continue;
                }
                out.list.push(env);
            }
        }
    }
    out
}

fn lower_environment<'t>(
    file: FileId,
    stmt: &'t cst::Stmt,
    shifts: &mut Shifts,
    sink: &mut Sink,
) -> Option<EnvDecl<'t>> {
    let head = stmt.head();
    let bad = |span: Span, message: String| {
        Diagnostic::new(E_BAD_HEADER, file, span, message).with_help(format!("write `{FORM}`"))
    };
    let name = match stmt.terms.get(1) {
        Some(Term::Word(w)) if crate::lower::decl::valid_name(&w.text) => {
            Ident { text: w.text.to_string(), span: w.span.clone() }
        }
        Some(t) => {
            sink.push(bad(t.span(), "expected the environment's name: letters, digits, `-` and `_`".into()));
            return None;
        }
        None => {
            sink.push(bad(head.span.clone(), "`environment` needs a name".into()).with_label("name missing"));
            return None;
        }
    };
    if let Some(extra) = stmt.terms.get(2) {
        sink.push(bad(extra.span(), "unexpected term in `environment` declaration".into()));
    }
    if let Some(v) = &stmt.value {
        sink.push(bad(v.span(), "`environment` takes a block, not `= value`".into()));
    }
    let Some(block) = &stmt.block else {
        sink.push(
            Diagnostic::new(
                crate::lower::E_MISSING_BLOCK,
                file,
                name.span.clone(),
                "`environment` needs a `{ … }` block",
            )
            .with_label("block expected after this")
            .with_help(format!("write `{FORM}`")),
        );
        return None;
    };
    let mut env = EnvDecl { file, name, span: stmt.span.clone(), overrides: Vec::new(), statements: Vec::new() };
    let mut seen: Vec<&Word> = Vec::new();
    for item in &block.items {
        match item {
            Item::Error(_) => {}
            Item::Stmt(s) => {
                let h = s.head();
                if h.text == "stack" || h.text == "environment" {
                    let help = if h.text == "stack" {
                        "set the stack's attributes directly in the environment block: `region = \"…\"`"
                    } else {
                        "environments are declared at the top level, next to each other"
                    };
                    sink.push(
                        Diagnostic::new(
                            E_NOT_IN_ENVIRONMENT,
                            file,
                            h.span.clone(),
                            format!("`{}` cannot be declared inside environment `{}`", h.text, env.name.text),
                        )
                        .with_label("not allowed in an environment")
                        .with_help(help),
                    );
                } else {
                    env.statements.push(item);
                }
            }
            Item::Attr(a) => {
                if let Some(first) = seen.iter().find(|w| w.text == a.key.text) {
                    sink.push(
                        Diagnostic::new(
                            E_DUPLICATE_ATTRIBUTE,
                            file,
                            a.key.span.clone(),
                            format!("`{}` is set twice in environment `{}`", a.key.text, env.name.text),
                        )
                        .with_label("set again here")
                        .with_secondary(file, first.span.clone(), "first set here")
                        .with_help("remove one of them")
                        .with_fix("remove this one", file, a.span.clone(), ""),
                    );
                    continue;
                }
                seen.push(&a.key);
                if let Some(o) = override_of(file, a, &env.name.text, shifts, sink) {
                    env.overrides.push(o);
                }
            }
        }
    }
    Some(env)
}

/// What the attribute `a` of an environment block overrides.
fn override_of(file: FileId, a: &Attr, env: &str, shifts: &mut Shifts, sink: &mut Sink) -> Option<Override> {
    let key = a.key.text.as_str();
    let (path, attribute) = match key.rsplit_once('.') {
        Some((path, attribute)) => (path.to_string(), attribute),
        None => ("stack".to_string(), key),
    };
    if !key.contains('.') && !crate::lower::STACK_ATTRS.contains(&key) {
        let mut d = Diagnostic::new(
            E_UNKNOWN_ATTRIBUTE,
            file,
            a.key.span.clone(),
            format!("unknown attribute `{key}` in environment `{env}`"),
        )
        .with_label("neither a stack attribute nor a path");
        if let Some(s) = did_you_mean(key, crate::lower::STACK_ATTRS) {
            d = d.with_replacement(file, a.key.span.clone(), s);
        } else {
            d = d.with_help(
                "an environment sets the stack's attributes (`state`, `tags`, `region`, …) and overrides others by \
                 path: `hosts.app.count = 4`, `role.web.type = t3.large`",
            );
        }
        sink.push(d);
        return None;
    }
    let first = path.split('.').next().unwrap_or("");
    if attribute.is_empty()
        || path.is_empty()
        || !crate::lower::DECLARATIONS.contains(&first)
        || ["let", "use"].contains(&first)
    {
        let why = if first == "let" {
            "a constant is replaced by declaring it again inside the environment: `let NAME = VALUE`".to_string()
        } else {
            "an override is `KIND.NAME.ATTRIBUTE = VALUE`, such as `hosts.app.count = 4`, `role.web.type = t3.large` \
             or `network.main.subnet.public-a.cidr = 10.1.1.0/24`"
                .to_string()
        };
        sink.push(
            Diagnostic::new(
                if first == "let" { E_ATTRIBUTE_NOT_ALLOWED } else { E_UNKNOWN_OVERRIDE },
                file,
                a.key.span.clone(),
                format!("`{key}` names no attribute of a declaration"),
            )
            .with_label("not an override path")
            .with_help(why),
        );
        return None;
    }
    let key_start = a.key.span.end - attribute.len();
    let attr = shifts.shift(file, a, key_start, attribute);
    Some(Override { path, attr, file, key: a.key.clone() })
}

/// Reports the overrides whose path names no block of the stack (E0121), suggesting the
/// closest path that does.
pub(crate) fn report_unused(unused: &[&Override], paths: &[String], sink: &mut Sink) {
    for o in unused {
        let mut d = Diagnostic::new(
            E_UNKNOWN_OVERRIDE,
            o.file,
            o.key.span.start..o.key.span.start + o.path.len(),
            format!("`{}` names no declaration of the stack", o.path),
        )
        .with_label("nothing to override here");
        if let Some(s) = did_you_mean(&o.path, paths.iter().map(String::as_str)) {
            d = d.with_replacement(o.file, o.key.span.start..o.key.span.start + o.path.len(), s);
        } else {
            d = d.with_help("an override's path is a declaration's kind and name (`hosts.app`, `role.web`), or `network.NAME.subnet.NAME` for a subnet");
        }
        sink.push(d);
    }
}

/// Replaces the stack's declarations by the environment's of the same kind and name, and
/// adds the others.
pub(crate) fn merge(stack: &mut hir::Stack, own: hir::Stack) {
    fn replace<T>(base: &mut Vec<T>, own: Vec<T>, key: impl Fn(&T) -> String) {
        for d in own {
            let k = key(&d);
            base.retain(|b| key(b) != k);
            base.push(d);
        }
    }
    // Taken apart field by field, so a new kind of declaration cannot be forgotten here.
    let hir::Stack {
        stacks: _,
        lets,
        networks,
        firewalls,
        roles,
        hosts,
        host,
        secrets,
        zones,
        healthchecks,
        balancers,
        certificates,
        moved,
        uses,
        let_uses: _,
        dir: _,
        environment: _,
    } = own;
    replace(&mut stack.lets, lets, |d| d.name.text.clone());
    replace(&mut stack.networks, networks, |d| d.name.text.clone());
    replace(&mut stack.firewalls, firewalls, |d| d.name.text.clone());
    replace(&mut stack.roles, roles, |d| d.name.text.clone());
    replace(&mut stack.hosts, hosts, |d| d.name.text.clone());
    replace(&mut stack.host, host, |d| d.name.text.clone());
    replace(&mut stack.secrets, secrets, |d| d.name.text.clone());
    replace(&mut stack.zones, zones, |d| format!("{}{}", d.ident.text.trim_end_matches('.'), d.is_private()));
    replace(&mut stack.healthchecks, healthchecks, |d| d.name.text.clone());
    replace(&mut stack.balancers, balancers, |d| d.name.text.clone());
    replace(&mut stack.certificates, certificates, |d| d.name.text.clone());
    // An environment may use another stack under a name the stack uses (its own network).
    replace(&mut stack.uses, uses, |d| d.name.text.clone());
    // An environment's move of the same address is the one it applies.
    replace(&mut stack.moved, moved, |d| d.from.as_ref().map(|f| f.value.clone()).unwrap_or_default());
}

/// Adds the environment's declarations beside the stack's, for the editor's index of
/// every declaration whatever the environment.
pub(crate) fn append(stack: &mut hir::Stack, own: hir::Stack) {
    stack.lets.extend(own.lets);
    stack.networks.extend(own.networks);
    stack.firewalls.extend(own.firewalls);
    stack.roles.extend(own.roles);
    stack.hosts.extend(own.hosts);
    stack.host.extend(own.host);
    stack.secrets.extend(own.secrets);
    stack.zones.extend(own.zones);
    stack.healthchecks.extend(own.healthchecks);
    stack.balancers.extend(own.balancers);
    stack.certificates.extend(own.certificates);
    stack.moved.extend(own.moved);
    stack.let_uses.extend(own.let_uses);
}

/// Makes the lowered stack the environment's: its identity, its state (the stack's with
/// `.ENV` before the extension unless the environment gives one).
pub(crate) fn apply(stack: &mut hir::Stack, env: &EnvDecl) {
    let overrides_state = env.overrides.iter().any(|o| o.path == "stack" && o.attr.key.text == "state");
    stack.environment = Some(env.name.text.clone());
    let Some(decl) = stack.stacks.first_mut() else { return };
    decl.name.text = identity(&decl.name.text, &env.name.text);
    if !overrides_state {
        let backend = match decl.state.as_ref().map(|s| &s.value) {
            None => StateBackend::Local { path: derived(crate::compile::DEFAULT_STATE_PATH, &env.name.text) },
            Some(StateBackend::Local { path }) => StateBackend::Local { path: derived(path, &env.name.text) },
            Some(StateBackend::S3 { bucket, key }) => {
                StateBackend::S3 { bucket: bucket.clone(), key: derived(key, &env.name.text) }
            }
        };
        let span = decl.state.as_ref().map_or_else(|| decl.name.span.clone(), |s| s.span.clone());
        decl.state = Some(hir::Spanned::new(backend, span));
    }
}

/// `toreta.json` → `toreta.staging.json`; `state` → `state.staging`.
fn derived(path: &str, env: &str) -> String {
    let (dir, file) = path.rsplit_once('/').map_or(("", path), |(d, f)| (d, f));
    let file = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{env}.{ext}"),
        _ => format!("{file}.{env}"),
    };
    if dir.is_empty() && !path.starts_with('/') {
        file
    } else {
        format!("{dir}/{file}")
    }
}

/// E0122: two environments that keep their state in one place would each plan the
/// other's resources away.
pub(crate) fn check_states(stacks: &[(&EnvDecl, &hir::Stack)], sink: &mut Sink) {
    for (i, (env, stack)) in stacks.iter().enumerate() {
        let Some(decl) = stack.info() else { continue };
        let Some(state) = &decl.state else { continue };
        let earlier = stacks[..i]
            .iter()
            .find(|(_, s)| s.info().and_then(|d| d.state.as_ref()).map(|s| &s.value) == Some(&state.value));
        if let Some((other, _)) = earlier {
            sink.push(
                Diagnostic::new(
                    E_SHARED_STATE,
                    // An environment's own `state`, or its name when it keeps the default.
                    if state.span.start >= SHIFT_BASE { decl.file } else { env.file },
                    if state.span.start >= SHIFT_BASE { state.span.clone() } else { env.name.span.clone() },
                    format!("environments `{}` and `{}` keep their state in the same place", other.name.text, env.name.text),
                )
                .with_label(format!("the state of environment `{}`", env.name.text))
                .with_secondary(other.file, other.name.span.clone(), format!("environment `{}`", other.name.text))
                .with_help("give each environment its own `state`, or leave it out: the default is the stack's with `.ENV` before the extension"),
            );
        }
    }
}

/// Merges the diagnostics of every environment: one found in all of them is reported
/// once as it is; one found in some is reported once, naming them.
pub(crate) fn merge_diagnostics(per_env: &[(&str, &[Diagnostic])]) -> Vec<Diagnostic> {
    let mut all: Vec<(&Diagnostic, usize)> =
        per_env.iter().enumerate().flat_map(|(i, (_, ds))| ds.iter().map(move |d| (d, i))).collect();
    all.sort_by(|(a, i), (b, j)| {
        (a.primary.file, a.primary.span.start, a.primary.span.end, a.code, &a.message, i).cmp(&(
            b.primary.file,
            b.primary.span.start,
            b.primary.span.end,
            b.code,
            &b.message,
            j,
        ))
    });
    let mut groups: Vec<(Diagnostic, Vec<usize>)> = Vec::new();
    let mut run_start = 0;
    for (d, i) in all {
        let same_run = groups.get(run_start).is_some_and(|(g, _)| {
            (g.primary.file, g.primary.span.start, g.code, &g.message)
                == (d.primary.file, d.primary.span.start, d.code, &d.message)
        });
        if !same_run {
            run_start = groups.len();
        }
        match groups[run_start..].iter_mut().find(|(g, _)| g == d) {
            Some((_, envs)) => {
                if !envs.contains(&i) {
                    envs.push(i);
                }
            }
            None => groups.push((d.clone(), vec![i])),
        }
    }
    groups
        .into_iter()
        .map(|(mut d, envs)| {
            if envs.len() < per_env.len() {
                let names: Vec<&str> = envs.iter().map(|&i| per_env[i].0).collect();
                let s = if names.len() == 1 { "" } else { "s" };
                d.message = format!("{} (in environment{s} {})", d.message, names.join(", "));
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_states_insert_the_environment_before_the_extension() {
        assert_eq!(derived("toreta.json", "staging"), "toreta.staging.json");
        assert_eq!(derived("states/app.json", "prod"), "states/app.prod.json");
        assert_eq!(derived("state", "prod"), "state.prod");
        assert_eq!(derived(".state", "prod"), ".state.prod");
        assert_eq!(derived("/abs/x.json", "a"), "/abs/x.a.json");
    }

    #[test]
    fn unshift_maps_back_to_the_override() {
        let mut shifts = Shifts::default();
        let attr = Attr {
            key: Word { text: "hosts.app.count".into(), span: 100..115 },
            value: Expr::Word(Word { text: "4".into(), span: 118..119 }),
            span: 100..119,
        };
        let shifted = shifts.shift(7, &attr, 110, "count");
        assert_eq!(shifted.key.text, "count");
        assert_eq!(shifts.unshift(0, &shifted.key.span), (7, 110..115));
        assert_eq!(shifts.unshift(0, &shifted.value.span()), (7, 118..119));
        assert_eq!(shifts.unshift(3, &(5..9)), (3, 5..9));
    }
}

#[cfg(test)]
mod analysis_tests {
    use crate::analysis::analyze;
    use crate::compile::{compile, compile_in, CompileError};
    use crate::source::Sources;

    const STACK: &str = r#"stack shop {
  region = "ap-northeast-1"
  state  = s3("acme-state", "shop.json")
  tags   = { team = "ops" }
}
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
}
firewall web in main { allow tcp 80 from 0.0.0.0/0 }
role app { image = image("base-*")  type = t3.micro  firewall = [web] }
hosts app { role = app  count = 2  subnets = [main.public-a] }
environment staging {
  tags = { env = "staging" }
}
environment production {
  state = s3("acme-state", "production.json")
  tags  = { env = "production", team = "sre" }
  hosts.app.count = 4
  role.app.type   = t3.large
  network.main.subnet.public-a.cidr = 10.0.2.0/24
}
"#;

    fn messages(text: &str) -> Vec<String> {
        let a = analyze(&Sources::single("t.drove", text));
        a.diagnostics.iter().map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message)).collect()
    }

    #[test]
    fn each_environment_compiles_with_its_values_and_identity() {
        let a = analyze(&Sources::single("t.drove", STACK));
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        assert_eq!(a.environment_names(), ["staging", "production"]);
        let staging = compile_in(&a, Some("staging")).unwrap();
        let production = compile_in(&a, Some("production")).unwrap();
        assert_eq!(staging.stack.name, "shop-staging");
        assert_eq!(production.stack.name, "shop-production");
        assert_eq!(staging.stack.environment.as_deref(), Some("staging"));
        let json = |d: &crate::model::DesiredState| serde_json::to_value(d).unwrap();
        let (s, p) = (json(&staging), json(&production));
        assert_eq!(s["stack"]["state"]["key"], "shop.staging.json");
        assert_eq!(p["stack"]["state"]["key"], "production.json");
        assert_eq!(s["stack"]["tags"], serde_json::json!({"env": "staging", "team": "ops"}));
        assert_eq!(p["stack"]["tags"], serde_json::json!({"env": "production", "team": "sre"}));
        let count = |v: &serde_json::Value| {
            v["resources"].as_array().unwrap().iter().filter(|r| r["kind"] == "ec2.instance").count()
        };
        assert_eq!((count(&s), count(&p)), (2, 4));
        let typ = |v: &serde_json::Value| {
            v["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "ec2.instance").unwrap()["attributes"]
                ["instance_type"]
                .clone()
        };
        assert_eq!((typ(&s), typ(&p)), (serde_json::json!("t3.micro"), serde_json::json!("t3.large")));
        assert!(matches!(compile(&a), Err(CompileError::Environment { chosen: None, .. })));
        assert!(matches!(compile_in(&a, Some("dev")), Err(CompileError::Environment { chosen: Some(_), .. })));
    }

    #[test]
    fn an_error_of_one_environment_names_it_and_points_at_the_override() {
        let text = STACK.replace("hosts.app.count = 4", "hosts.app.count = 0");
        let m = messages(&text);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].ends_with("(in environment production)"), "{m:?}");
        let at = text.find("hosts.app.count = 0").unwrap() + "hosts.app.count = ".len();
        assert!(m[0].contains(&format!("{:?}", at..at + 1)), "{m:?} at {at}");
    }

    #[test]
    fn a_wrong_type_is_the_attribute_s_own_error() {
        let text = STACK.replace("hosts.app.count = 4", "hosts.app.count = \"four\"");
        let m = messages(&text);
        assert!(m.len() == 1 && m[0].starts_with("E0054") && m[0].contains("production"), "{m:?}");
    }

    #[test]
    fn an_override_of_no_attribute_or_no_declaration_is_reported_with_a_fix() {
        let text = STACK.replace("hosts.app.count = 4", "hosts.app.cuont = 4\n  hosts.ap.count = 4");
        let a = analyze(&Sources::single("t.drove", &text));
        let codes: Vec<_> = a.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0051", "E0121"], "{:?}", a.diagnostics);
        let at = text.find("cuont").unwrap();
        assert_eq!(a.diagnostics[0].primary.span, at..at + 5);
        assert_eq!(a.diagnostics[0].fixes[0].replacement, "count");
        assert_eq!(a.diagnostics[1].fixes[0].replacement, "hosts.app");
    }

    #[test]
    fn duplicates_and_shared_states_are_reported_once() {
        let text = format!(
            "{STACK}environment staging {{ }}\nenvironment qa {{ state = s3(\"acme-state\", \"production.json\") }}\n"
        );
        let m = messages(&text);
        let codes: Vec<_> = m.iter().map(|m| &m[..5]).collect();
        assert_eq!(codes, ["E0120", "E0122"], "{m:?}");
        let at = text.rfind("s3(\"acme-state\", \"production.json\")").unwrap();
        assert!(m[1].contains(&format!("{:?}", at..at + "s3(\"acme-state\", \"production.json\")".len())), "{m:?}");
        assert!(!m[1].contains("(in environment"), "{m:?}");
    }

    #[test]
    fn declarations_in_an_environment_replace_the_stack_s() {
        let text = STACK.replace(
            "environment staging {",
            "environment staging {\n  hosts app { role = app  count = 1  subnets = [main.public-a] }\n  let extra = 1\n",
        );
        let a = analyze(&Sources::single("t.drove", &text));
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        let s = compile_in(&a, Some("staging")).unwrap();
        assert_eq!(s.resources.iter().filter(|r| r.kind() == "ec2.instance").count(), 1);
    }

    #[test]
    fn a_stack_without_environments_is_compiled_as_before() {
        let text = &STACK[..STACK.find("environment staging").unwrap()];
        let a = analyze(&Sources::single("t.drove", text));
        let d = compile(&a).unwrap();
        assert_eq!(d.stack.name, "shop");
        assert!(!serde_json::to_string(&d).unwrap().contains("environment"));
        assert!(
            matches!(compile_in(&a, Some("x")), Err(CompileError::Environment { declared, .. }) if declared.is_empty())
        );
    }
}
