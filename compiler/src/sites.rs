//! Where a compiled resource was declared. Errors found after compiling (the engine's
//! pre-flight checks at plan time) name a resource address and one of its model
//! attributes; this maps them back to the source, so they are reported as diagnostics
//! pointing at the declaration, like the checker's own.

use crate::diag::Diagnostic;
use crate::hir::{Role, Stack};
use crate::source::{FileId, Span};

/// An address's declaration and, where the attribute comes from the role, the role's
/// attribute (the place to fix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub file: FileId,
    pub span: Span,
    /// The role attribute behind the resource's attribute, with a label for it.
    pub cause: Option<(FileId, Span, String)>,
}

/// The site of an instance address (`hosts.NAME[i]`, `host.NAME`) and one of its model
/// attributes (`image`, `instance_type`, `root_volume`, `subnet`); `None` for other
/// addresses or names the stack no longer declares.
pub fn instance_site(stack: &Stack, address: &str, attribute: Option<&str>) -> Option<Site> {
    let (file, span, role, subnet) = if let Some(rest) = address.strip_prefix("hosts.") {
        let name = rest.split_once('[').map_or(rest, |(n, _)| n);
        let h = stack.hosts.iter().find(|h| h.name.text == name)?;
        (h.file, h.name.span.clone(), h.role.as_ref(), h.subnets_span.clone())
    } else if let Some(name) = address.strip_prefix("host.") {
        let h = stack.host.iter().find(|h| h.name.text == name)?;
        (h.file, h.name.span.clone(), h.role.as_ref(), h.subnet.as_ref().map(|s| s.span.clone()))
    } else {
        return None;
    };
    let role = role.and_then(|r| stack.role(&r.text));
    let cause = match (attribute, role) {
        (Some("subnet"), _) => subnet.map(|s| (file, s, "placed here".to_string())),
        (Some(attribute), Some(role)) => role_cause(role, attribute),
        _ => None,
    };
    Some(Site { file, span, cause })
}

/// The attribute an engine error names for a `moved` declaration, whose address is the
/// declaration's `from`.
pub const MOVED: &str = "moved";

/// The `moved` declaration whose `from` is `from`, at its `from` value.
pub fn moved_site(stack: &Stack, from: &str) -> Option<Site> {
    let m = stack.moved.iter().find(|m| m.from.as_ref().is_some_and(|f| f.value == from))?;
    let span = m.from.as_ref().map_or_else(|| m.keyword.clone(), |f| f.span.clone());
    Some(Site { file: m.file, span, cause: None })
}

fn role_cause(role: &Role, attribute: &str) -> Option<(FileId, Span, String)> {
    let name = &role.name.text;
    let (span, label) = match attribute {
        "image" => (role.image.as_ref()?.span.clone(), format!("the image of role `{name}`")),
        "instance_type" => (role.instance_type.as_ref()?.span.clone(), format!("the type of role `{name}`")),
        "root_volume" => match &role.disk_gib {
            Some(d) => (d.span.clone(), format!("the disk of role `{name}`")),
            None => (role.name.span.clone(), format!("role `{name}` has the default disk (8 GiB)")),
        },
        _ => return None,
    };
    Some((role.file, span, label))
}

/// A diagnostic at the declaration of `address`, or `None` when the stack does not
/// declare it.
pub fn diagnostic(
    stack: &Stack,
    code: &'static str,
    message: &str,
    help: Option<&str>,
    address: &str,
    attribute: Option<&str>,
) -> Option<Diagnostic> {
    let site = match attribute {
        Some(MOVED) => moved_site(stack, address)?,
        _ => instance_site(stack, address, attribute)?,
    };
    let mut d = Diagnostic::new(code, site.file, site.span, message).with_label(address);
    if let Some((file, span, label)) = site.cause {
        d = d.with_secondary(file, span, label);
    }
    if let Some(h) = help {
        d = d.with_help(h);
    }
    Some(d)
}

/// Every declaration a compiled address can come from, keyed by the address of the
/// declaration itself (`hosts.web`, `network.main.subnet.a`, a record set's address):
/// built once per analysis so that mapping every resource of a large plan back to the
/// source stays linear.
#[derive(Debug, Default)]
pub struct Declarations {
    by_address: std::collections::HashMap<String, (FileId, Span)>,
}

impl Declarations {
    pub fn of(stack: &Stack) -> Declarations {
        let mut d = Declarations::default();
        let mut put = |address: String, file: FileId, span: &Span| {
            d.by_address.entry(address).or_insert((file, span.clone()));
        };
        for n in &stack.networks {
            put(format!("network.{}", n.name.text), n.file, &n.name.span);
            for s in &n.subnets {
                put(format!("network.{}.subnet.{}", n.name.text, s.name.text), n.file, &s.name.span);
            }
        }
        // Declarations whose address is their keyword and name.
        let flat = (stack.firewalls.iter().map(|f| ("firewall", &f.name, f.file)))
            .chain(stack.roles.iter().map(|r| ("role", &r.name, r.file)))
            .chain(stack.hosts.iter().map(|h| ("hosts", &h.name, h.file)))
            .chain(stack.host.iter().map(|h| ("host", &h.name, h.file)))
            .chain(stack.certificates.iter().map(|c| ("certificate", &c.name, c.file)))
            .chain(stack.healthchecks.iter().map(|h| ("healthcheck", &h.name, h.file)));
        for (keyword, name, file) in flat {
            put(format!("{keyword}.{}", name.text), file, &name.span);
        }
        for s in &stack.secrets {
            put(crate::model::parameter::address(&s.name.text), s.file, &s.name.span);
        }
        for b in &stack.balancers {
            put(format!("balancer.{}", b.name.text), b.file, &b.name.span);
            for t in &b.targets {
                put(format!("balancer.{}.target.{}", b.name.text, t.name.text), b.file, &t.name.span);
            }
        }
        for z in &stack.zones {
            let Some(name) = &z.name else { continue };
            put(crate::dns::compile::zone_address(stack, z, name), z.file, &z.ident.span);
            let suffix = crate::dns::compile::zone_suffix(stack, z, name);
            for r in &z.records {
                put(crate::dns::compile::record_address(r, &suffix), z.file, &r.span);
            }
        }
        d
    }

    /// The declaration `address` comes from: itself, or the nearest declaration holding
    /// it (`hosts.web[0]` → `hosts.web`, `balancer.b.target.t/hosts.web[0]` → the target).
    pub fn find(&self, address: &str) -> Option<(FileId, Span)> {
        self.find_declaration(address).map(|(_, file, span)| (file, span))
    }

    /// `find`, with the declaration's own address (a prefix of `address`).
    pub fn find_declaration<'a>(&self, address: &'a str) -> Option<(&'a str, FileId, Span)> {
        let mut end = address.len();
        loop {
            if let Some((file, span)) = self.by_address.get(&address[..end]) {
                return Some((&address[..end], *file, span.clone()));
            }
            end = address[..end].rfind(['.', '[', '/', '#'])?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::source::Sources;

    const STACK: &str = "stack s { region = \"ap-northeast-1\" }
network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a }
}
role app { image = image(\"base-*\")  type = r6g.large }
role db { image = image(\"db-*\")  type = t3.micro  disk = 4GiB }
hosts app { role = app  count = 2  subnets = [main.a] }
host pet { role = db  subnet = main.a }
";

    fn text_at(span: &Span) -> &'static str {
        &STACK[span.clone()]
    }

    #[test]
    fn instance_addresses_point_at_their_declaration_and_the_role_attribute() {
        let a = analyze(&Sources::single("main.drove", STACK));
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        let s = instance_site(&a.stack, "hosts.app[1]", Some("image")).expect("declared");
        assert_eq!(text_at(&s.span), "app");
        assert_eq!(s.cause.as_ref().map(|c| text_at(&c.1)), Some("image(\"base-*\")"));
        let s = instance_site(&a.stack, "hosts.app[0]", Some("root_volume")).expect("declared");
        assert_eq!(s.cause.map(|c| c.2), Some("role `app` has the default disk (8 GiB)".to_string()));
        let s = instance_site(&a.stack, "host.pet", Some("root_volume")).expect("declared");
        assert_eq!(text_at(&s.span), "pet");
        assert_eq!(s.cause.as_ref().map(|c| text_at(&c.1)), Some("4GiB"));
        let s = instance_site(&a.stack, "host.pet", Some("instance_type")).expect("declared");
        assert_eq!(s.cause.as_ref().map(|c| text_at(&c.1)), Some("t3.micro"));
        assert_eq!(instance_site(&a.stack, "host.gone", None), None);
        assert_eq!(instance_site(&a.stack, "network.main", None), None);
        // Any code: the engine's are not the front end's to name.
        let code = crate::compile::cloud_config::size::E_USER_DATA_TOO_BIG;
        let d = diagnostic(&a.stack, code, "m", Some("h"), "hosts.app[0]", Some("image")).expect("declared");
        assert_eq!((d.code, d.secondary.len(), d.help.as_deref()), (code, 1, Some("h")));
    }

    #[test]
    fn a_move_points_at_its_declaration() {
        let text = format!("{STACK}moved {{\n  from = host.old\n  to = host.pet\n}}\n");
        let a = analyze(&Sources::single("main.drove", text.as_str()));
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        let s = moved_site(&a.stack, "host.old").expect("declared");
        assert_eq!(&text[s.span], "host.old");
        let code = crate::compile::cloud_config::size::E_USER_DATA_TOO_BIG;
        assert!(diagnostic(&a.stack, code, "m", None, "host.old", Some(MOVED)).is_some());
        assert_eq!(moved_site(&a.stack, "host.pet"), None);
    }
}
