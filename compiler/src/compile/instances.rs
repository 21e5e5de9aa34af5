//! `hosts` and `host` → `ec2.instance` resources.
//!
//! A `hosts NAME` with `count = N` becomes `hosts.NAME[0]` … `hosts.NAME[N-1]`, placed
//! round-robin over its `subnets` in the order given (the same
//! [`crate::check::hosts::placement`] the capacity check counts with); a `host NAME`
//! becomes `host.NAME`.
//!
//! # User data
//!
//! A role's `provision` block is rendered as one deterministic `#cloud-config` document.
//! cloud-init runs its modules in a fixed order, so the steps are grouped by module:
//! `packages` (with `package_update`), then `users` (the image's default user is kept),
//! then `write_files`, then `runcmd` holding `run` and `service` steps in the order written
//! (a service is `systemctl enable --now NAME`). Every file is written with
//! `defer: true`, i.e. after packages are installed and users exist, so a file may be
//! owned by a provisioned user and a package's default config is overwritten, not the
//! other way round. Scalars are written as double-quoted (JSON-escaped) strings, which
//! YAML reads verbatim.
//!
//! Content that compile cannot or must not put in clear is a marker the engine replaces
//! when it launches the instance, inside a `write_files` entry with `encoding: "b64"`:
//! `{{secret:NAME}}` becomes the base64 of the decrypted secret, `{{file:PATH}}` the
//! base64 of the repository file (relative to the stack directory). The attribute is then
//!
//! ```json
//! "user_data": {"cloud_config": "#cloud-config\n…", "secrets": ["db.yml"], "files": ["files/nginx.conf"]}
//! ```
//!
//! listing every marker so the engine never scans for them. Literal text that happens to
//! contain `{{` is itself written base64-encoded, so no text can pose as a marker. A secret
//! file without a `mode` gets `0600`. A role with no provisioning has `"user_data": null`.

use crate::check::hosts::placement;
use crate::hir::{FileContent, Host, Hosts, Image, Ref, Role, Stack, StepKind};
use crate::model::{reference, Resource};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// Root volume size when a role gives no `disk`.
pub const DEFAULT_DISK_GIB: u64 = 8;

/// The instances of a stack, `hosts` first, each in declaration order. References that do
/// not resolve (already reported by the checks) leave the instance out.
pub fn instances(stack: &Stack) -> Vec<Resource> {
    let mut out = Vec::new();
    for h in &stack.hosts {
        out.extend(expand_hosts(stack, h));
    }
    for h in &stack.host {
        out.extend(expand_host(stack, h));
    }
    out
}

fn expand_hosts(stack: &Stack, h: &Hosts) -> Vec<Resource> {
    let (Some(role), Some(count)) = (role_of(stack, &h.role), &h.count) else { return Vec::new() };
    let protect = h.protect.as_ref().is_some_and(|p| p.value);
    placement(&h.subnets, count.value)
        .filter_map(|(i, subnet)| {
            let address = format!("hosts.{}[{i}]", h.name.text);
            instance(stack, role, address, format!("{}-{i}", h.name.text), subnet, None, protect)
        })
        .collect()
}

fn expand_host(stack: &Stack, h: &Host) -> Option<Resource> {
    let role = role_of(stack, &h.role)?;
    let subnet = h.subnet.as_ref()?;
    let ip = h.ip.as_ref().map(|ip| ip.value.to_string());
    instance(stack, role, format!("host.{}", h.name.text), h.name.text.clone(), subnet, ip, h.protect.as_ref().is_some_and(|p| p.value))
}

fn role_of<'s>(stack: &'s Stack, r: &Option<Ref>) -> Option<&'s Role> {
    r.as_ref().and_then(|r| stack.role(&r.text))
}

fn instance(stack: &Stack, role: &Role, address: String, name: String, subnet: &Ref, private_ip: Option<String>, protect: bool) -> Option<Resource> {
    let (network, sub) = crate::check::hosts::resolve_subnet(stack, subnet)?;
    let subnet_address = format!("network.{}.subnet.{}", network.name.text, sub.name.text);
    let groups: Vec<String> = role
        .firewalls
        .iter()
        .filter_map(|f| stack.firewall(&f.text))
        .map(|f| format!("firewall.{}", f.name.text))
        .collect();
    let image = match role.image.as_ref().map(|i| &i.value) {
        Some(Image::Pattern { pattern, owner }) => json!({ "pattern": pattern, "owner": owner }),
        Some(Image::Id(id)) => json!({ "id": id }),
        None => Value::Null,
    };
    let mut tags = Map::new();
    if let Some(info) = stack.info() {
        for t in &info.tags {
            tags.insert(t.key.value.clone(), Value::String(t.value.value.clone()));
        }
    }
    tags.insert("Name".into(), Value::String(name));
    tags.insert("drove:role".into(), Value::String(role.name.text.clone()));
    let attributes = json!({
        "role": role.name.text,
        "image": image,
        "instance_type": role.instance_type.as_ref().map(|t| t.value.clone()),
        "subnet": reference(&subnet_address, "id"),
        "security_groups": groups.iter().map(|g| reference(g, "id")).collect::<Vec<_>>(),
        "private_ip": private_ip,
        "associate_public_ip": role.public_ip.as_ref().is_some_and(|p| p.value),
        "root_volume": {
            "size_gib": role.disk_gib.as_ref().map_or(DEFAULT_DISK_GIB, |d| d.value),
            "encrypted": role.encrypted.as_ref().is_none_or(|e| e.value),
        },
        "imdsv2_required": role.imdsv2.as_ref().is_none_or(|i| i.value),
        "user_data": user_data(role),
        "tags": tags,
    });
    let mut depends_on = vec![subnet_address];
    depends_on.extend(groups);
    Some(Resource { address, kind: "ec2.instance".into(), attributes, depends_on, protect })
}

/// A YAML double-quoted scalar. JSON's escapes are a subset of YAML's; the characters
/// JSON leaves raw but YAML forbids unescaped (DEL, C1 controls, U+FFFE/U+FFFF) are
/// escaped as well.
fn q(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if matches!(c, '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}') {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// The `user_data` attribute of a role's instances (see the module documentation).
pub fn user_data(role: &Role) -> Value {
    if role.provision.is_empty() {
        return Value::Null;
    }
    let mut packages = Vec::new();
    let mut users = String::new();
    let mut files = String::new();
    let mut runcmd = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut repo_files: Vec<String> = Vec::new();
    // `write!` into a String cannot fail; the results are ignored for that reason.
    for step in &role.provision {
        match &step.kind {
            StepKind::Package { names } => packages.extend(names.iter().map(|n| q(&n.value))),
            StepKind::User { name, groups, shell } => {
                let _ = writeln!(users, "  - name: {}", q(&name.value));
                if !groups.is_empty() {
                    let list: Vec<String> = groups.iter().map(|g| q(&g.value)).collect();
                    let _ = writeln!(users, "    groups: [{}]", list.join(", "));
                }
                if let Some(sh) = shell {
                    let _ = writeln!(users, "    shell: {}", q(&sh.value));
                }
            }
            StepKind::File { path, owner, mode, content } => {
                let _ = writeln!(files, "  - path: {}", q(&path.value));
                if let Some(o) = owner {
                    let _ = writeln!(files, "    owner: {}", q(&o.value));
                }
                let is_secret = matches!(content.value, FileContent::Secret(_));
                match (mode, is_secret) {
                    (Some(m), _) => {
                        let _ = writeln!(files, "    permissions: {}", q(&format!("{:04o}", m.value)));
                    }
                    (None, true) => files.push_str("    permissions: \"0600\"\n"),
                    (None, false) => {}
                }
                match &content.value {
                    FileContent::Secret(name) => {
                        let _ = writeln!(files, "    encoding: \"b64\"\n    content: {}", q(&format!("{{{{secret:{}}}}}", name.text)));
                        if !secrets.contains(&name.text) {
                            secrets.push(name.text.clone());
                        }
                    }
                    FileContent::RepoFile(p) => {
                        let _ = writeln!(files, "    encoding: \"b64\"\n    content: {}", q(&format!("{{{{file:{p}}}}}")));
                        if !repo_files.contains(p) {
                            repo_files.push(p.clone());
                        }
                    }
                    FileContent::Text(t) if t.contains("{{") => {
                        let b64 = base64::engine::general_purpose::STANDARD.encode(t.as_bytes());
                        let _ = writeln!(files, "    encoding: \"b64\"\n    content: {}", q(&b64));
                    }
                    FileContent::Text(t) => {
                        let _ = writeln!(files, "    content: {}", q(t));
                    }
                }
                files.push_str("    defer: true\n");
            }
            StepKind::Run { command } => runcmd.push(q(&command.value)),
            StepKind::Service { names } => {
                runcmd.extend(names.iter().map(|n| format!("[\"systemctl\", \"enable\", \"--now\", {}]", q(&n.value))));
            }
        }
    }
    let mut doc = String::from("#cloud-config\n");
    if !packages.is_empty() {
        doc.push_str("package_update: true\npackages:\n");
        for p in &packages {
            let _ = writeln!(doc, "  - {p}");
        }
    }
    if !users.is_empty() {
        doc.push_str("users:\n  - default\n");
        doc.push_str(&users);
    }
    if !files.is_empty() {
        doc.push_str("write_files:\n");
        doc.push_str(&files);
    }
    if !runcmd.is_empty() {
        doc.push_str("runcmd:\n");
        for c in &runcmd {
            let _ = writeln!(doc, "  - {c}");
        }
    }
    json!({ "cloud_config": doc, "secrets": secrets, "files": repo_files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sink;

    fn stack(text: &str) -> Stack {
        let (file, diags) = crate::syntax::parse(0, text);
        assert!(diags.is_empty(), "{diags:#?}");
        let mut sink = Sink::default();
        let stack = crate::lower::lower(&[file], &mut sink);
        assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
        stack
    }

    const BASE: &str = r#"stack shop {
  region = "ap-northeast-1"
  tags = { service = "shop" }
}
network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet c { cidr = 10.0.2.0/24  zone = c  public = true }
  subnet db { cidr = 10.0.11.0/24  zone = a }
}
firewall web in main {
  allow tcp 443 from 0.0.0.0/0
}
role app {
  image = image("base-ruby-*", "123456789012")
  type = t3.medium
  firewall = [web]
  public_ip = true
  disk = 30GiB
  provision {
    package "nginx", "ruby"
    user "app" groups "www-data", "adm" shell "/bin/bash"
    file "/etc/app/db.yml" owner "app" = secret("db.yml")
    file "/etc/nginx/nginx.conf" mode 0644 = file("files/nginx.conf")
    file "/etc/motd" = "Managed by drove.\n"
    file "/etc/tpl" mode 0600 = "{{secret:db.yml}}"
    run "bundle install --deployment"
    service "nginx"
    run "echo done"
  }
}
role mysql { image = ami-0123456789abcdef0  type = r6g.large  imdsv2 = false  encrypted = false }
hosts app { role = app  count = 3  subnets = [main.a, main.c] }
host db { role = mysql  subnet = main.db  ip = 10.0.11.10  protect = true }
"#;

    #[test]
    fn hosts_expand_round_robin_and_host_is_one() {
        let r = instances(&stack(BASE));
        let addrs: Vec<&str> = r.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addrs, vec!["hosts.app[0]", "hosts.app[1]", "hosts.app[2]", "host.db"]);
        let subnets: Vec<&Value> = r.iter().map(|r| &r.attributes["subnet"]["ref"]).collect();
        assert_eq!(subnets, vec!["network.main.subnet.a", "network.main.subnet.c", "network.main.subnet.a", "network.main.subnet.db"]);
        assert!(r.iter().all(|r| r.kind == "ec2.instance"));
    }

    #[test]
    fn instance_attributes() {
        let r = instances(&stack(BASE));
        let app = &r[1].attributes;
        assert_eq!(app["role"], "app");
        assert_eq!(app["image"], json!({"pattern": "base-ruby-*", "owner": "123456789012"}));
        assert_eq!(app["instance_type"], "t3.medium");
        assert_eq!(app["security_groups"], json!([{"ref": "firewall.web", "attribute": "id"}]));
        assert_eq!(app["private_ip"], Value::Null);
        assert_eq!(app["associate_public_ip"], true);
        assert_eq!(app["root_volume"], json!({"size_gib": 30, "encrypted": true}));
        assert_eq!(app["imdsv2_required"], true);
        assert_eq!(app["tags"], json!({"service": "shop", "Name": "app-1", "drove:role": "app"}));
        assert_eq!(r[1].depends_on, vec!["network.main.subnet.c", "firewall.web"]);
        assert!(!r[1].protect);

        let db = &r[3];
        assert!(db.protect);
        assert_eq!(db.attributes["image"], json!({"id": "ami-0123456789abcdef0"}));
        assert_eq!(db.attributes["private_ip"], "10.0.11.10");
        assert_eq!(db.attributes["root_volume"], json!({"size_gib": 8, "encrypted": false}));
        assert_eq!(db.attributes["imdsv2_required"], false);
        assert_eq!(db.attributes["associate_public_ip"], false);
        assert_eq!(db.attributes["user_data"], Value::Null);
        assert_eq!(db.attributes["security_groups"], json!([]));
    }

    #[test]
    fn cloud_config_is_deterministic_and_keeps_secrets_out() {
        let s = stack(BASE);
        let ud = user_data(s.role("app").expect("role"));
        let tpl_b64 = base64::engine::general_purpose::STANDARD.encode("{{secret:db.yml}}");
        let expected = format!(
            r#"#cloud-config
package_update: true
packages:
  - "nginx"
  - "ruby"
users:
  - default
  - name: "app"
    groups: ["www-data", "adm"]
    shell: "/bin/bash"
write_files:
  - path: "/etc/app/db.yml"
    owner: "app"
    permissions: "0600"
    encoding: "b64"
    content: "{{{{secret:db.yml}}}}"
    defer: true
  - path: "/etc/nginx/nginx.conf"
    permissions: "0644"
    encoding: "b64"
    content: "{{{{file:files/nginx.conf}}}}"
    defer: true
  - path: "/etc/motd"
    content: "Managed by drove.\n"
    defer: true
  - path: "/etc/tpl"
    permissions: "0600"
    encoding: "b64"
    content: "{tpl_b64}"
    defer: true
runcmd:
  - "bundle install --deployment"
  - ["systemctl", "enable", "--now", "nginx"]
  - "echo done"
"#
        );
        assert_eq!(ud["cloud_config"].as_str(), Some(expected.as_str()));
        assert_eq!(ud["secrets"], json!(["db.yml"]));
        assert_eq!(ud["files"], json!(["files/nginx.conf"]));
        // The same input renders the same bytes.
        assert_eq!(ud, user_data(s.role("app").expect("role")));
    }

    #[test]
    fn yaml_scalars_escape_what_yaml_forbids() {
        assert_eq!(q("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(q("x\u{7f}y\u{85}"), r#""x\u007fy\u0085""#);
        assert_eq!(q("日本"), "\"日本\"");
    }

    #[test]
    fn unresolved_references_leave_instances_out() {
        let s = stack("hosts a { role = nope  count = 2  subnets = [main.x] }\nhost b { role = nope  subnet = main.x }\n");
        assert!(instances(&s).is_empty());
    }
}
