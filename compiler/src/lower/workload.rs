//! `role`, `hosts` and `host`.

use super::decl;
use super::network::unknown_statement;
use super::provision;
use super::value;
use super::{Attrs, Cx};
use crate::hir::{Host, Hosts, Image, Role, SecretDelivery, Spanned};
use crate::syntax::cst::{Expr, Stmt};

const ROLE_FORM: &str = "role NAME { image = image(\"…\")  type = t3.micro }";
pub const ROLE_ATTRS: [&str; 11] = [
    "image",
    "type",
    "firewall",
    "disk",
    "public_ip",
    "imdsv2",
    "encrypted",
    "drain",
    "drain_timeout",
    "batch",
    "secrets",
];
/// The blocks a role holds.
pub const ROLE_BLOCKS: [&str; 2] = ["provision", "access"];
/// An unknown value of a role's `secrets`.
pub const E_SECRET_DELIVERY: &str = "E0261";

pub fn lower_role(cx: &mut Cx, stmt: &Stmt) -> Option<Role> {
    let name = decl::name(cx, stmt, ROLE_FORM)?;
    decl::no_more_terms(cx, stmt, 2, ROLE_FORM);
    let block = decl::block(cx, stmt, ROLE_FORM)?;
    let a = Attrs::read_with_statements(cx, block, &ROLE_ATTRS, "role", &name);
    a.require(cx, &["image", "type"]);
    let mut steps = Vec::new();
    let mut access = Vec::new();
    let mut seen: [Option<&Stmt>; 2] = [None, None];
    for s in a.statements() {
        let slot = match s.head().text.as_str() {
            "provision" => 0,
            "access" => 1,
            _ => {
                unknown_statement(cx, s, &format!("role `{}`", name.text), &ROLE_BLOCKS);
                continue;
            }
        };
        if let Some(first) = seen[slot] {
            let block = ROLE_BLOCKS[slot];
            let d = crate::diag::Diagnostic::new(
                super::E_DUPLICATE_ATTRIBUTE,
                cx.file,
                s.head().span.clone(),
                format!("role `{}` has two `{block}` blocks", name.text),
            )
            .with_label("second block")
            .with_secondary(cx.file, first.head().span.clone(), "first block here")
            .with_help(format!("put all lines in one `{block}` block"));
            cx.report(d);
            continue;
        }
        seen[slot] = Some(s);
        if slot == 0 {
            steps = provision::lower_provision(cx, s);
        } else {
            access = super::access::lower_access(cx, s);
        }
    }
    let seen_provision = seen[0];
    Some(Role {
        file: cx.file,
        span: stmt.span.clone(),
        image: a.expr("image").and_then(|e| image(cx, e)),
        instance_type: a.text(cx, "type"),
        firewalls: a.references(cx, "firewall"),
        disk_gib: a.size_gib(cx, "disk"),
        public_ip: a.boolean(cx, "public_ip"),
        imdsv2: a.boolean(cx, "imdsv2"),
        encrypted: a.boolean(cx, "encrypted"),
        provision: steps,
        provision_at: seen_provision.map(|s| s.head().span.clone()),
        drain: a.string(cx, "drain"),
        drain_timeout: a.duration(cx, "drain_timeout"),
        batch: a.integer(cx, "batch"),
        secrets: secret_delivery(cx, &a),
        access,
        name,
    })
}

/// `secrets = parameter_store | user_data`.
fn secret_delivery(cx: &mut Cx, a: &Attrs) -> Option<Spanned<SecretDelivery>> {
    const WORDS: [&str; 2] = ["parameter_store", "user_data"];
    let t = a.text(cx, "secrets")?;
    let delivery = match t.value.as_str() {
        "parameter_store" => SecretDelivery::ParameterStore,
        "user_data" => SecretDelivery::UserData,
        other => {
            let mut d = crate::diag::Diagnostic::new(
                E_SECRET_DELIVERY,
                cx.file,
                t.span.clone(),
                format!("`{other}` is not a way to deliver a role's secrets"),
            )
            .with_label("expected `parameter_store` or `user_data`");
            d = match crate::diag::did_you_mean(other, WORDS) {
                Some(s) => d.with_replacement(cx.file, t.span, s),
                None => d.with_help(
                    "`parameter_store` (the default) writes them to SSM Parameter Store for the hosts to read at boot; `user_data` embeds them in the instances' user data",
                ),
            };
            cx.report(d);
            return None;
        }
    };
    Some(Spanned::new(delivery, t.span))
}

/// `image("PATTERN")`, `image("PATTERN", "OWNER")` or an AMI id.
fn image(cx: &mut Cx, e: &Expr) -> Option<Spanned<Image>> {
    const EXPECTED: &str = "`image(\"NAME-PATTERN\")` or an AMI id `ami-…`";
    match e {
        Expr::Word(w) if w.text.starts_with("ami-") => {
            Some(Spanned::new(Image::Id(w.text.to_string()), w.span.clone()))
        }
        Expr::Str(s) if s.value.starts_with("ami-") => Some(Spanned::new(Image::Id(s.value.clone()), s.span.clone())),
        Expr::Call(c) if c.name.text == "image" && (1..=2).contains(&c.args.len()) => {
            let pattern = value::string(cx, c.args.first()?)?;
            let owner = match c.args.get(1) {
                Some(o) => Some(value::string(cx, o)?.value),
                None => None,
            };
            Some(Spanned::new(Image::Pattern { pattern: pattern.value, owner }, c.span.clone()))
        }
        other => {
            value::wrong_shape(cx, other, EXPECTED);
            None
        }
    }
}

const HOSTS_FORM: &str = "hosts NAME { role = ROLE  count = N  subnets = [NETWORK.SUBNET] }";
pub const HOSTS_ATTRS: [&str; 4] = ["role", "count", "subnets", "protect"];

pub fn lower_hosts(cx: &mut Cx, stmt: &Stmt) -> Option<Hosts> {
    let name = decl::name(cx, stmt, HOSTS_FORM)?;
    decl::no_more_terms(cx, stmt, 2, HOSTS_FORM);
    let block = decl::block(cx, stmt, HOSTS_FORM)?;
    let a = Attrs::read(cx, block, &HOSTS_ATTRS, "hosts", &name);
    a.require(cx, &["role", "count", "subnets"]);
    Some(Hosts {
        file: cx.file,
        span: stmt.span.clone(),
        role: a.reference(cx, "role"),
        count: a.integer(cx, "count"),
        subnets: a.references(cx, "subnets"),
        subnets_span: a.expr("subnets").map(|e| e.span()),
        protect: a.boolean(cx, "protect"),
        name,
    })
}

const HOST_FORM: &str = "host NAME { role = ROLE  subnet = NETWORK.SUBNET }";
pub const HOST_ATTRS: [&str; 4] = ["role", "subnet", "ip", "protect"];

pub fn lower_host(cx: &mut Cx, stmt: &Stmt) -> Option<Host> {
    let name = decl::name(cx, stmt, HOST_FORM)?;
    decl::no_more_terms(cx, stmt, 2, HOST_FORM);
    let block = decl::block(cx, stmt, HOST_FORM)?;
    let a = Attrs::read(cx, block, &HOST_ATTRS, "host", &name);
    a.require(cx, &["role", "subnet"]);
    Some(Host {
        file: cx.file,
        span: stmt.span.clone(),
        role: a.reference(cx, "role"),
        subnet: a.reference(cx, "subnet"),
        ip: a.address(cx, "ip"),
        protect: a.boolean(cx, "protect"),
        name,
    })
}
