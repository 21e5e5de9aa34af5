//! `hosts` and `host` → `ec2.instance` resources.
//!
//! A `hosts NAME` with `count = N` becomes `hosts.NAME[0]` … `hosts.NAME[N-1]`, placed
//! round-robin over its `subnets` in the order given (the same
//! [`crate::check::hosts::placement`] the capacity check counts with); a `host NAME`
//! becomes `host.NAME`.
//!
//! Each instance's `user_data` is its role's provisioning as cloud-init user data
//! ([`super::cloud_config`]), rendered once per role.

use super::cloud_config;
use crate::check::hosts::placement;
use crate::hir::{Host, Hosts, Image, Ref, Role, Stack};
use crate::model::instance::{self as model, Instance, RootVolume, UserData};
use crate::model::{Resource, Tags, Val};
use std::collections::{HashMap, HashSet};

/// Root volume size when a role gives no `disk`.
pub const DEFAULT_DISK_GIB: u64 = 8;
/// Instances replaced at a time when a role gives no `batch`.
pub const DEFAULT_BATCH: u64 = 1;
/// How long a drain check is retried when a role gives no `drain_timeout` (5 minutes).
pub const DEFAULT_DRAIN_TIMEOUT_SECS: u64 = 300;

/// The instances of a stack, `hosts` first, each in declaration order. References that do
/// not resolve (already reported by the checks) leave the instance out.
pub fn instances(stack: &Stack) -> Vec<Resource> {
    let cx = Cx {
        stack,
        user_data: stack.roles.iter().map(|r| (r.name.text.as_str(), cloud_config::user_data(stack, r))).collect(),
        with_profile: super::instance_roles::roles_with_instance_role(stack).map(|r| r.name.text.as_str()).collect(),
    };
    let mut out = Vec::new();
    for h in &stack.hosts {
        out.extend(expand_hosts(&cx, h));
    }
    for h in &stack.host {
        out.extend(expand_host(&cx, h));
    }
    out
}

/// The stack, with each role's user data rendered once for all its instances.
struct Cx<'s> {
    stack: &'s Stack,
    user_data: HashMap<&'s str, Option<UserData>>,
    /// Roles whose instances launch with their role's instance profile.
    with_profile: HashSet<&'s str>,
}

/// The address of instance `index` of the `hosts` group `group`: `hosts.app[0]`.
pub fn group_address(group: &str, index: u64) -> String {
    format!("hosts.{group}[{index}]")
}

/// The address of the pet `host`: `host.db`.
pub fn host_address(host: &str) -> String {
    format!("host.{host}")
}

/// The addresses of every instance of the `hosts` group `group`, in index order.
pub fn group_addresses(stack: &Stack, group: &str) -> Vec<String> {
    let count = stack.hosts.iter().find(|h| h.name.text == group).and_then(|h| h.count.as_ref()).map_or(0, |c| c.value);
    (0..count).map(|i| group_address(group, i)).collect()
}

fn expand_hosts(cx: &Cx, h: &Hosts) -> Vec<Resource> {
    let stack = cx.stack;
    let (Some(role), Some(count)) = (role_of(stack, &h.role), &h.count) else { return Vec::new() };
    let protect = h.protect.as_ref().is_some_and(|p| p.value);
    placement(&h.subnets, count.value)
        .filter_map(|(i, subnet)| {
            let address = group_address(&h.name.text, i);
            instance(cx, role, address, format!("{}-{i}", h.name.text), subnet, None, protect)
        })
        .collect()
}

fn expand_host(cx: &Cx, h: &Host) -> Option<Resource> {
    let role = role_of(cx.stack, &h.role)?;
    let subnet = h.subnet.as_ref()?;
    let ip = h.ip.as_ref().map(|ip| ip.value.to_string());
    instance(
        cx,
        role,
        host_address(&h.name.text),
        h.name.text.clone(),
        subnet,
        ip,
        h.protect.as_ref().is_some_and(|p| p.value),
    )
}

fn role_of<'s>(stack: &'s Stack, r: &Option<Ref>) -> Option<&'s Role> {
    r.as_ref().and_then(|r| stack.role(&r.text))
}

fn instance(
    cx: &Cx,
    role: &Role,
    address: String,
    name: String,
    subnet: &Ref,
    private_ip: Option<String>,
    protect: bool,
) -> Option<Resource> {
    let stack = cx.stack;
    let (network, sub) = crate::check::hosts::resolve_subnet(stack, subnet)?;
    let subnet_address = format!("network.{}.subnet.{}", network.name.text, sub.name.text);
    let subnet_stack = super::across(stack, &subnet.text).0;
    let groups: Vec<(Option<&str>, String)> = role
        .firewalls
        .iter()
        .filter_map(|f| Some((super::across(stack, &f.text).0, stack.firewall(&f.text)?)))
        .map(|(used, f)| (used, format!("firewall.{}", f.name.text)))
        .collect();
    let image = match role.image.as_ref().map(|i| &i.value) {
        Some(Image::Pattern { pattern, owner }) => {
            Some(model::Image::Pattern { pattern: pattern.clone(), owner: owner.clone() })
        }
        Some(Image::Id(id)) => Some(model::Image::Id { id: id.clone() }),
        None => None,
    };
    let mut tags = Tags::new();
    if let Some(info) = stack.info() {
        for t in &info.tags {
            tags.insert(t.key.value.clone(), t.value.value.clone());
        }
    }
    tags.insert("Name".into(), name);
    tags.insert("drove:role".into(), role.name.text.clone());
    let spec = Instance {
        role: role.name.text.clone(),
        image,
        instance_type: role.instance_type.as_ref().map(|t| t.value.clone()),
        subnet: Val::across(subnet_stack, &subnet_address, "id"),
        security_groups: groups.iter().map(|(used, g)| Val::across(*used, g, "id")).collect(),
        private_ip,
        associate_public_ip: role.public_ip.as_ref().is_some_and(|p| p.value),
        root_volume: Some(RootVolume {
            size_gib: role.disk_gib.as_ref().map_or(DEFAULT_DISK_GIB, |d| d.value),
            encrypted: role.encrypted.as_ref().is_none_or(|e| e.value),
        }),
        imdsv2_required: role.imdsv2.as_ref().is_none_or(|i| i.value),
        user_data: cx.user_data.get(role.name.text.as_str()).cloned().flatten(),
        instance_profile: cx
            .with_profile
            .contains(role.name.text.as_str())
            .then(|| Val::reference(crate::model::instance_role::address(&role.name.text), "profile_arn")),
        tags,
        rollout: Some(rollout(role)),
    };
    // A used stack's resources are applied already; only this stack's order the apply.
    let mut depends_on: Vec<String> = subnet_stack.is_none().then_some(subnet_address).into_iter().collect();
    depends_on.extend(groups.into_iter().filter(|(used, _)| used.is_none()).map(|(_, g)| g));
    Some(Resource { address, spec: spec.into(), depends_on, protect })
}

pub fn rollout(role: &Role) -> model::Rollout {
    model::Rollout {
        batch: role.batch.as_ref().map_or(DEFAULT_BATCH, |b| b.value),
        drain: role.drain.as_ref().map(|d| d.value.clone()),
        drain_timeout: role.drain_timeout.as_ref().map_or(DEFAULT_DRAIN_TIMEOUT_SECS, |t| t.value),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sink;
    use serde_json::{json, Value};

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
        let subnets: Vec<Value> = r.iter().map(|r| r.attributes()["subnet"]["ref"].clone()).collect();
        assert_eq!(
            subnets,
            vec!["network.main.subnet.a", "network.main.subnet.c", "network.main.subnet.a", "network.main.subnet.db"]
        );
        assert!(r.iter().all(|r| r.kind() == "ec2.instance"));
    }

    #[test]
    fn instance_attributes() {
        let r = instances(&stack(BASE));
        let app = &r[1].attributes();
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
        assert_eq!(db.attributes()["image"], json!({"id": "ami-0123456789abcdef0"}));
        assert_eq!(db.attributes()["private_ip"], "10.0.11.10");
        assert_eq!(db.attributes()["root_volume"], json!({"size_gib": 8, "encrypted": false}));
        assert_eq!(db.attributes()["imdsv2_required"], false);
        assert_eq!(db.attributes()["associate_public_ip"], false);
        assert_eq!(db.attributes()["user_data"], Value::Null);
        assert_eq!(db.attributes()["security_groups"], json!([]));
    }

    #[test]
    fn each_instance_carries_its_roles_user_data() {
        let s = stack(BASE);
        let r = instances(&s);
        let expected = serde_json::to_value(cloud_config::user_data(&s, s.role("app").expect("role"))).unwrap();
        assert_eq!(expected["encoding"], "plain");
        assert!(r[..3].iter().all(|i| i.attributes()["user_data"] == expected));
    }

    #[test]
    fn lowering_count_drops_the_highest_indexes_and_keeps_the_spread_even() {
        let app = |count: u32| -> Vec<(String, Value)> {
            instances(&stack(&BASE.replace("count = 3", &format!("count = {count}"))))
                .into_iter()
                .filter(|r| r.address.starts_with("hosts."))
                .map(|r| (r.address.clone(), r.attributes()["subnet"]["ref"].clone()))
                .collect()
        };
        let five = app(5);
        for n in (1..5).rev() {
            let fewer = app(n);
            // The same instances in the same subnets, less the highest indexes.
            assert_eq!(fewer[..], five[..n as usize]);
            let in_a = fewer.iter().filter(|(_, s)| s == "network.main.subnet.a").count();
            assert!(in_a.abs_diff(fewer.len() - in_a) <= 1, "{fewer:?}");
        }
    }

    #[test]
    fn rollout_settings_reach_each_instance() {
        let r = instances(&stack(&BASE.replace(
            "  disk = 30GiB",
            "  disk = 30GiB\n  drain = \"test -e /ok\"\n  drain_timeout = 90s\n  batch = 2",
        )));
        assert_eq!(r[0].attributes()["rollout"], json!({"batch": 2, "drain": "test -e /ok", "drain_timeout": 90}));
        assert_eq!(r[3].attributes()["rollout"], json!({"batch": 1, "drain": null, "drain_timeout": 300}));
    }

    #[test]
    fn unresolved_references_leave_instances_out() {
        let s =
            stack("hosts a { role = nope  count = 2  subnets = [main.x] }\nhost b { role = nope  subnet = main.x }\n");
        assert!(instances(&s).is_empty());
    }
}
