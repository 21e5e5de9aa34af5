//! CST → HIR: gives the uniform syntax tree its meaning and reports structural mistakes
//! (E0050–E0099) and bad literals (E0200–E0210).
//!
//! # Reading a block's attributes
//!
//! Every declaration body is read with the same small API, so unknown, repeated and
//! missing attributes and wrong value shapes are reported the same way everywhere:
//!
//! ```ignore
//! use crate::lower::{Attrs, Cx};
//! // `items` is a `cst::Block`'s items; `name` the declaration's name (for messages and
//! // the position of "missing attribute").
//! let attrs = Attrs::read(cx, block, &["cidr", "zone", "public"], "subnet", &name);
//! attrs.require(cx, &["cidr"]);                     // E0052 for each missing one
//! let cidr = attrs.cidr(cx, "cidr");                // Option<Spanned<IpNet>>
//! let public = attrs.boolean(cx, "public");         // Option<Spanned<bool>>
//! ```
//!
//! - [`Attrs::read`] reports unknown attributes (E0051, with did-you-mean and a quick
//!   fix), repeated ones (E0053, "first set here") and statements in a block that only
//!   takes attributes (E0055). [`Attrs::read_with_statements`] hands the statements back
//!   instead, for blocks that mix both (a `network` with `subnet`s, a `zone` with records).
//! - The typed getters (`string`, `text`, `boolean`, `integer`, `cidr`, `address`,
//!   `duration`, `ttl`, `size_gib`, `share`, `reference`, `references`, `strings`,
//!   `string_map`) return `None` when the attribute is absent or its value is wrong; a
//!   wrong value is reported (E0054 for the wrong shape, the literal's own code for a bad
//!   literal). A bare name where a literal is expected is looked up among the `let`
//!   constants and replaced by its value (the use is recorded for the language server).
//! - The same getters exist as free functions over a single `cst::Expr` in [`value`],
//!   for values that are not attributes (record fields, call arguments).
//! - [`Cx`] carries the file being lowered, the diagnostics sink and the `let` table.
//!
//! Top-level dispatch is in [`lower`]; each declaration kind has its own module.

pub mod access;
mod attrs;
pub mod balancer;
pub mod certificate;
pub(crate) mod decl;
pub mod moved;
mod network;
mod provision;
mod stack;
pub(crate) use stack::STACK_ATTRS;
pub mod value;
mod workload;

pub use attrs::Attrs;

use crate::diag::{did_you_mean, Diagnostic, Sink};
use crate::hir::{self, Ident, NameUse};
use crate::source::FileId;
use crate::syntax::cst::{self, Expr, Item};
use std::collections::HashMap;

pub const E_UNKNOWN_DECLARATION: &str = "E0050";
pub const E_UNKNOWN_ATTRIBUTE: &str = "E0051";
pub const E_MISSING_ATTRIBUTE: &str = "E0052";
pub const E_DUPLICATE_ATTRIBUTE: &str = "E0053";
pub const E_WRONG_SHAPE: &str = "E0054";
pub const E_STATEMENT_NOT_ALLOWED: &str = "E0055";
pub const E_ATTRIBUTE_NOT_ALLOWED: &str = "E0056";
pub const E_BAD_HEADER: &str = "E0057";
pub const E_MISSING_BLOCK: &str = "E0058";
pub const E_UNKNOWN_STATEMENT: &str = "E0059";
pub const E_BAD_STATEMENT: &str = "E0060";

/// Top-level declaration keywords. `zone` and `healthcheck` are lowered by the DNS part.
pub const DECLARATIONS: [&str; 15] = [
    "stack",
    "let",
    "use",
    "network",
    "firewall",
    "role",
    "hosts",
    "host",
    "secret",
    "zone",
    "healthcheck",
    "environment",
    "balancer",
    "certificate",
    "moved",
];

/// What lowering needs while it reads one file: where diagnostics go and the `let`
/// constants of the whole stack (a file may use a constant declared in another).
pub struct Cx<'t> {
    pub file: FileId,
    pub sink: &'t mut Sink,
    lets: HashMap<&'t str, (FileId, &'t Expr)>,
    let_uses: Vec<NameUse>,
    /// Guards `let a = b` / `let b = a` chains.
    let_depth: u8,
    /// The attribute overrides of the environment being lowered (`hosts.app.count = 4`);
    /// empty outside one. See [`crate::environment`].
    overrides: Vec<&'t crate::environment::Override>,
    /// Which of `overrides` a block took.
    overrides_used: Vec<bool>,
    /// The path of every block that could take an override, for "did you mean".
    pub(crate) block_paths: Vec<String>,
    /// The path of the declaration whose nested blocks are being read (`network.main`).
    pub(crate) parent_path: Option<String>,
    in_environment: bool,
}

impl<'t> Cx<'t> {
    pub fn new(sink: &'t mut Sink, files: &'t [cst::File]) -> Self {
        let mut lets = HashMap::new();
        for f in files {
            for item in &f.items {
                if let Item::Stmt(s) = item {
                    if let (Some(cst::Term::Word(kw)), Some(cst::Term::Word(name)), Some(v)) =
                        (s.terms.first(), s.terms.get(1), s.value.as_deref())
                    {
                        if kw.text == "let" {
                            lets.entry(name.text.as_str()).or_insert((f.file, v));
                        }
                    }
                }
            }
        }
        Cx {
            file: 0,
            sink,
            lets,
            let_uses: Vec::new(),
            let_depth: 0,
            overrides: Vec::new(),
            overrides_used: Vec::new(),
            block_paths: Vec::new(),
            parent_path: None,
            in_environment: false,
        }
    }

    /// Lowers as the environment `env` sees the stack: its `let`s replace the stack's of
    /// the same name, and its attribute overrides replace (or add) attributes of blocks.
    pub(crate) fn enter_environment(&mut self, env: &'t crate::environment::EnvDecl<'t>) {
        for item in &env.statements {
            let Item::Stmt(s) = item else { continue };
            if let (Some(cst::Term::Word(kw)), Some(cst::Term::Word(name)), Some(v)) =
                (s.terms.first(), s.terms.get(1), s.value.as_deref())
            {
                if kw.text == "let" {
                    self.lets.insert(name.text.as_str(), (env.file, v));
                }
            }
        }
        self.in_environment = true;
        self.overrides = env.overrides.iter().collect();
        self.overrides_used = vec![false; self.overrides.len()];
    }

    /// Whether an environment is being lowered (its overrides may apply).
    pub(crate) fn in_environment(&self) -> bool {
        self.in_environment
    }

    /// The overrides of the block at `path`, marked as taken.
    pub(crate) fn take_overrides(&mut self, path: &str) -> Vec<&'t crate::environment::Override> {
        self.block_paths.push(path.to_string());
        let mut out = Vec::new();
        for (i, o) in self.overrides.iter().enumerate() {
            if crate::environment::same_path(&o.path, path) {
                self.overrides_used[i] = true;
                out.push(*o);
            }
        }
        out
    }

    /// The overrides no block took: their path names nothing the stack declares.
    pub(crate) fn unused_overrides(&self) -> Vec<&'t crate::environment::Override> {
        self.overrides.iter().zip(&self.overrides_used).filter(|(_, used)| !**used).map(|(o, _)| *o).collect()
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.sink.push(d);
    }

    /// The value of `let NAME`, if declared.
    pub(crate) fn let_value(&self, name: &str) -> Option<(FileId, &'t Expr)> {
        self.lets.get(name).copied()
    }

    /// Whether the value being read is a `let` constant's, substituted at a use.
    pub(crate) fn in_let_value(&self) -> bool {
        self.let_depth > 0
    }

    /// Evaluates `f` in the file of a `let` constant, recording the use at `span`.
    pub(crate) fn in_let<T>(
        &mut self,
        use_word: &cst::Word,
        let_file: FileId,
        f: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        if self.let_depth >= 8 {
            return None;
        }
        self.let_uses.push(NameUse {
            file: self.file,
            name: Ident { text: use_word.text.to_string(), span: use_word.span.clone() },
        });
        let saved = self.file;
        self.file = let_file;
        self.let_depth += 1;
        let out = f(self);
        self.let_depth -= 1;
        self.file = saved;
        out
    }
}

/// Lowers all files of a stack into one [`hir::Stack`].
pub fn lower(files: &[cst::File], sink: &mut Sink) -> hir::Stack {
    lower_in(files, None, sink)
}

/// Lowers all files of a stack as `env` sees them (see [`crate::environment`]): with its
/// overrides and its declarations, which replace the stack's of the same kind and name.
/// Without one, the stack as written.
pub fn lower_in(files: &[cst::File], env: Option<&crate::environment::EnvDecl>, sink: &mut Sink) -> hir::Stack {
    let mut stack = hir::Stack::default();
    let mut cx = Cx::new(sink, files);
    if let Some(env) = env {
        cx.enter_environment(env);
    }
    for f in files {
        cx.file = f.file;
        for item in &f.items {
            lower_top_item(&mut cx, item, &mut stack);
        }
    }
    if let Some(env) = env {
        let mut own = hir::Stack::default();
        cx.file = env.file;
        for item in &env.statements {
            lower_top_item(&mut cx, item, &mut own);
        }
        crate::environment::merge(&mut stack, own);
        let unused = cx.unused_overrides();
        let paths = std::mem::take(&mut cx.block_paths);
        crate::environment::report_unused(&unused, &paths, cx.sink);
        crate::environment::apply(&mut stack, env);
    }
    stack.let_uses = std::mem::take(&mut cx.let_uses);
    stack
}

/// The declarations of environment blocks, lowered as they are written (for the editor).
pub fn lower_declarations(files: &[cst::File], env: &crate::environment::EnvDecl, sink: &mut Sink) -> hir::Stack {
    let mut own = hir::Stack::default();
    let mut cx = Cx::new(sink, files);
    cx.file = env.file;
    for item in &env.statements {
        lower_top_item(&mut cx, item, &mut own);
    }
    own.let_uses = std::mem::take(&mut cx.let_uses);
    own
}

pub(crate) fn lower_top_item(cx: &mut Cx, item: &Item, stack: &mut hir::Stack) {
    let stmt = match item {
        Item::Stmt(s) => s,
        Item::Error(_) => return,
        Item::Attr(a) => {
            let d = Diagnostic::new(
                E_ATTRIBUTE_NOT_ALLOWED,
                cx.file,
                a.key.span.clone(),
                format!("`{} = …` at the top level: only declarations are allowed here", a.key.text),
            )
            .with_label("expected a declaration")
            .with_help("attributes go inside a declaration's `{ … }`; a named constant is `let NAME = VALUE`");
            cx.report(d.with_fix("make it a `let` constant", cx.file, a.key.span.start..a.key.span.start, "let "));
            return;
        }
    };
    let Some(cst::Term::Word(head)) = stmt.terms.first() else { return };
    match head.text.as_str() {
        "stack" => stack.stacks.extend(stack::lower_stack(cx, stmt)),
        "let" => stack.lets.extend(stack::lower_let(cx, stmt)),
        "use" => stack.uses.extend(stack::lower_use(cx, stmt)),
        "secret" => stack.secrets.extend(stack::lower_secret(cx, stmt)),
        "network" => stack.networks.extend(network::lower_network(cx, stmt)),
        "firewall" => stack.firewalls.extend(network::lower_firewall(cx, stmt)),
        "role" => stack.roles.extend(workload::lower_role(cx, stmt)),
        "hosts" => stack.hosts.extend(workload::lower_hosts(cx, stmt)),
        "host" => stack.host.extend(workload::lower_host(cx, stmt)),
        "zone" => stack.zones.extend(crate::dns::lower::lower_zone(cx, stmt)),
        "healthcheck" => stack.healthchecks.extend(crate::dns::lower::lower_healthcheck(cx, stmt)),
        "balancer" => stack.balancers.extend(balancer::lower_balancer(cx, stmt)),
        "certificate" => stack.certificates.extend(certificate::lower_certificate(cx, stmt)),
        "moved" => stack.moved.extend(moved::lower_moved(cx, stmt)),
        // Lowered by `crate::environment`, once for all and then once per environment.
        "environment" => {}
        other => {
            let mut d = Diagnostic::new(
                E_UNKNOWN_DECLARATION,
                cx.file,
                head.span.clone(),
                format!("unknown declaration `{other}`"),
            )
            .with_label("not a declaration keyword");
            if let Some(s) = did_you_mean(other, DECLARATIONS) {
                d = d.with_replacement(cx.file, head.span.clone(), s);
            } else {
                d = d.with_help(format!("declarations are {}", DECLARATIONS.map(|k| format!("`{k}`")).join(", ")));
            }
            cx.report(d);
        }
    }
}
