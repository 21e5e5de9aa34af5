//! HIR → the desired state (`crate::model`). Each area adds its resources here.
//!
//! [`compile`] takes the [`Analysis`] `drove check` makes and refuses it when it holds
//! errors, so no caller can compile what `drove check` would reject and no command checks
//! a stack twice. Resources come out in a fixed order (stack declarations in source
//! order, each area in turn) so the output is deterministic.

pub mod access;
pub mod balancers;
pub mod certificates;
pub mod cloud_config;
pub mod instance_roles;
pub mod instances;
pub mod network;
pub mod parameters;
pub mod security_groups;
pub mod ssm_agent;

use crate::analysis::Analysis;
use crate::diag::Diagnostic;
use crate::hir;
use crate::model::{DesiredState, Move, Resource, StackInfo, StateBackend, Tags, UsedState, Val};
use std::collections::BTreeMap;

pub const DEFAULT_STATE_PATH: &str = "drove.state.json";
pub const DEFAULT_MAX_DELETE: f64 = 0.25;
pub const DEFAULT_MAX_ZONE_DELETE: f64 = 0.5;

/// Why a stack was not compiled.
#[derive(Debug)]
pub enum CompileError {
    /// The checks found errors (warnings are not included).
    Invalid(Vec<Diagnostic>),
    /// A required value is missing; lowering reported it (compile the output of
    /// [`crate::analyze`] only when it has no errors).
    Incomplete(String),
    /// The stack declares environments and none was chosen, or one it does not declare
    /// (`declared` is empty when it declares none).
    Environment { chosen: Option<String>, declared: Vec<String> },
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Invalid(d) => write!(f, "the stack has {} error(s); run `drove check`", d.len()),
            CompileError::Incomplete(what) => write!(f, "the stack is incomplete: {what}"),
            CompileError::Environment { chosen: None, declared } => write!(
                f,
                "the stack declares the environments {}; choose one with `--env NAME`",
                declared.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            ),
            CompileError::Environment { chosen: Some(e), declared } if declared.is_empty() => {
                write!(f, "`--env {e}`: the stack declares no environments")
            }
            CompileError::Environment { chosen: Some(e), declared } => write!(
                f,
                "the stack declares no environment `{e}`; it declares {}",
                declared.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::error::Error for CompileError {}

/// Compiles an analysed stack. The analysis already ran every check, so they are not run
/// again: a stack with errors is refused with them.
pub fn compile(analysis: &Analysis) -> Result<DesiredState, CompileError> {
    compile_in(analysis, None)
}

/// Compiles an analysed stack in one of its environments (`None` for a stack that
/// declares none). Only the errors of that environment refuse it.
pub fn compile_in(analysis: &Analysis, environment: Option<&str>) -> Result<DesiredState, CompileError> {
    let (stack, diagnostics) = match environment {
        None if analysis.environments.is_empty() => (&analysis.stack, &analysis.diagnostics),
        chosen => {
            let found = chosen.and_then(|name| analysis.environment(name));
            let Some(env) = found else {
                return Err(CompileError::Environment {
                    chosen: chosen.map(str::to_string),
                    declared: analysis.environment_names().into_iter().map(str::to_string).collect(),
                });
            };
            (&env.stack, &env.diagnostics)
        }
    };
    let errors: Vec<Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        return Err(CompileError::Invalid(errors));
    }
    let info = stack_info(stack)?;
    let mut resources = Vec::new();
    resources.extend(network::resources(stack, &info)?);
    resources.extend(security_groups::resources(stack, &info)?);
    resources.extend(parameters::resources(stack, &info));
    resources.extend(instance_roles::resources(stack, &info));
    resources.extend(instances::instances(stack));
    resources.extend(balancers::resources(stack, &info));
    resources.extend(certificates::resources(stack, &info));
    resources.extend(crate::dns::compile::resources(stack));
    for r in &mut resources {
        fill_depends_on(r);
    }
    let moves = stack
        .moved
        .iter()
        .filter_map(|m| Some(Move { from: m.from.as_ref()?.value.clone(), to: m.to.as_ref()?.value.clone() }))
        .collect();
    let uses = stack
        .uses
        .iter()
        .filter_map(|u| {
            let used = u.target.as_ref()?;
            let info = stack_info(&used.stack).ok()?;
            Some(UsedState {
                path: used.path.clone(),
                dir: u.path.as_ref()?.value.clone(),
                name: info.name,
                region: info.region,
                state: info.state,
            })
        })
        .collect();
    Ok(DesiredState { stack: info, resources, moves, uses })
}

fn stack_info(stack: &hir::Stack) -> Result<StackInfo, CompileError> {
    let s = stack.info().ok_or_else(|| CompileError::Incomplete("no `stack` block".into()))?;
    let region =
        s.region.as_ref().ok_or_else(|| CompileError::Incomplete(format!("stack `{}` has no region", s.name.text)))?;
    let state = match s.state.as_ref().map(|st| &st.value) {
        None => StateBackend::Local { path: DEFAULT_STATE_PATH.into() },
        Some(hir::StateBackend::Local { path }) => StateBackend::Local { path: path.clone() },
        Some(hir::StateBackend::S3 { bucket, key }) => StateBackend::S3 { bucket: bucket.clone(), key: key.clone() },
    };
    Ok(StackInfo {
        name: s.name.text.clone(),
        region: region.value.clone(),
        state,
        tags: s.tags.iter().map(|t| (t.key.value.clone(), t.value.value.clone())).collect::<BTreeMap<_, _>>(),
        max_delete: s.max_delete.as_ref().map_or(DEFAULT_MAX_DELETE, |m| m.value),
        max_zone_delete: s.max_zone_delete.as_ref().map_or(DEFAULT_MAX_ZONE_DELETE, |m| m.value),
        recipients: s.recipients.iter().map(|r| r.value.clone()).collect(),
        ignore_tags: s.ignore_tags.iter().map(|k| k.value.clone()).collect(),
        environment: stack.environment.clone(),
    })
}

/// The stack's tags with `Name` set, for a taggable resource.
pub(crate) fn tags(info: &StackInfo, name: &str) -> Tags {
    let mut m: Tags = info.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    m.insert("Name".into(), name.to_string());
    m
}

/// The repository path of the used stack a dotted name starts with (`net.main`), or
/// `None` for this stack's own names; with the rest of the name.
pub(crate) fn across<'n>(stack: &'n crate::hir::Stack, name: &'n str) -> (Option<&'n str>, &'n str) {
    match stack.across(name) {
        Some((used, rest)) => (Some(used.path.as_str()), rest),
        None => (None, name),
    }
}

/// The `id` of the resource `address` makes of a name of this stack or of a used one
/// (`net.main` → `network.main` of the stack at the use's path).
pub(crate) fn id_across(stack: &crate::hir::Stack, name: &str, address: impl FnOnce(&str) -> String) -> Val<String> {
    let (used, name) = across(stack, name);
    Val::across(used, address(name), "id")
}

/// Adds every `{"ref"}` of the attributes to `depends_on`, keeping the order of first
/// appearance (what the area listed first, then the refs in attribute order).
fn fill_depends_on(r: &mut Resource) {
    for a in r.references() {
        if a != r.address && !r.depends_on.contains(&a) {
            r.depends_on.push(a);
        }
    }
}

fn missing(what: String) -> CompileError {
    CompileError::Incomplete(what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;
    use serde_json::{json, Value};

    fn compiled(text: &str) -> Result<DesiredState, CompileError> {
        let a = crate::analyze(&Sources::single("t.drove", text));
        compile(&a)
    }

    const STACK: &str = r#"
stack shop {
  region = "ap-northeast-1"
  state  = s3("acme-state", "shop.json")
  tags   = { team = "ops" }
  max_delete = 10%
}
let office = [203.0.113.0/24, 2001:db8::/32]
network main {
  cidr = 10.0.0.0/16
  subnet public-a  { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet private-c { cidr = 10.0.2.0/24  zone = ap-northeast-1c }
}
network back { cidr = 10.1.0.0/16  subnet x { cidr = 10.1.0.0/24  zone = d } }
firewall web in main {
  allow tcp 80, 8000-8080 from 0.0.0.0/0
  allow tcp 22 from office
  allow icmp from web
}
firewall out in main { allow udp 53 to 10.0.0.2/32 }
role app { image = image("base-*")  type = t3.micro  firewall = [web, out] }
"#;

    #[test]
    fn stack_info_and_defaults() {
        let s = compiled(STACK).unwrap().stack;
        assert_eq!(s.name, "shop");
        assert_eq!(s.state, StateBackend::S3 { bucket: "acme-state".into(), key: "shop.json".into() });
        assert_eq!((s.max_delete, s.max_zone_delete), (0.1, DEFAULT_MAX_ZONE_DELETE));
        let d = compiled("stack x { region = \"ap-northeast-1\" }").unwrap().stack;
        assert_eq!(d.state, StateBackend::Local { path: DEFAULT_STATE_PATH.into() });
        assert_eq!(d.max_delete, DEFAULT_MAX_DELETE);
    }

    #[test]
    fn adopted_names_and_foreign_tags_are_left_as_their_owners_set_them() {
        let text = STACK
            .replace(
                "  tags   = { team = \"ops\" }\n",
                "  tags   = { team = \"ops\" }\n  ignore_tags = [\"Owner\", \"cost:*\"]\n",
            )
            .replace("firewall web in main {", "firewall web in main {\n  group_name = \"legacy-web\"");
        let st = compiled(&text).unwrap();
        assert_eq!(st.stack.ignore_tags, ["Owner", "cost:*"]);
        for (key, ignored) in
            [("Owner", true), ("cost:center", true), ("aws:cloudformation:stack-name", true), ("team", false)]
        {
            assert_eq!(st.stack.ignores_tag(key), ignored, "{key}");
        }
        let web = st.resources.iter().find(|r| r.address == "firewall.web").unwrap();
        assert_eq!(web.attributes()["name"], "legacy-web");
        let plain = compiled(STACK).unwrap();
        assert!(
            serde_json::to_value(&plain.stack).unwrap().get("ignore_tags").is_none(),
            "default left out of the JSON"
        );
    }

    #[test]
    fn network_resources_in_order_with_derived_gateway() {
        let st = compiled(STACK).unwrap();
        let addrs: Vec<&str> = st.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "network.main",
                "network.main.subnet.public-a",
                "network.main.subnet.private-c",
                "network.main.internet_gateway",
                "network.main.route_table.public",
                "network.main.subnet.public-a.route_table",
                "network.back",
                "network.back.subnet.x",
                "firewall.web",
                "firewall.web.rules",
                "firewall.out",
                "firewall.out.rules",
            ]
        );
        let r = |a: &str| st.resources.iter().find(|r| r.address == a).unwrap();
        assert_eq!(r("network.main").attributes()["tags"], json!({"team": "ops", "Name": "main"}));
        let sub = r("network.main.subnet.private-c");
        assert_eq!(sub.attributes()["availability_zone"], "ap-northeast-1c");
        assert_eq!(sub.attributes()["map_public_ip_on_launch"], false);
        assert_eq!(sub.depends_on, ["network.main"]);
        assert_eq!(r("network.main.subnet.public-a").attributes()["availability_zone"], "ap-northeast-1a");
        assert_eq!(r("network.main.route_table.public").depends_on, ["network.main", "network.main.internet_gateway"]);
        assert_eq!(
            r("network.main.subnet.public-a.route_table").depends_on,
            ["network.main.subnet.public-a", "network.main.route_table.public"]
        );
    }

    #[test]
    fn security_group_rules() {
        let st = compiled(STACK).unwrap();
        let r = |a: &str| st.resources.iter().find(|r| r.address == a).unwrap();
        let sg = r("firewall.web");
        assert_eq!(sg.attributes()["name"], "shop-web");
        assert_eq!(sg.attributes()["vpc"], json!({"ref": "network.main", "attribute": "id"}));
        let rules = &r("firewall.web.rules").attributes();
        assert_eq!(rules["egress"], Value::Null);
        assert_eq!(
            rules["ingress"],
            json!([
                {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr": "0.0.0.0/0"},
                {"protocol": "tcp", "from_port": 8000, "to_port": 8080, "cidr": "0.0.0.0/0"},
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "203.0.113.0/24"},
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr": "2001:db8::/32"},
                {"protocol": "icmp", "from_port": -1, "to_port": -1, "group": {"ref": "firewall.web", "attribute": "id"}},
            ])
        );
        // A self-reference is not a dependency.
        assert_eq!(r("firewall.web.rules").depends_on, ["firewall.web"]);
        let out = &r("firewall.out.rules").attributes();
        assert_eq!(out["ingress"], json!([]));
        assert_eq!(out["egress"], json!([{"protocol": "udp", "from_port": 53, "to_port": 53, "cidr": "10.0.0.2/32"}]));
    }

    #[test]
    fn no_gateway_without_public_subnets_and_deterministic() {
        let text = "stack x { region = \"ap-northeast-1\" }\nnetwork n { cidr = 10.0.0.0/16  subnet a { cidr = 10.0.0.0/24  zone = a } }\n";
        let a = compiled(text).unwrap();
        assert!(a
            .resources
            .iter()
            .all(|r| !r.kind().contains("internet_gateway") && !r.kind().contains("route_table")));
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&compiled(text).unwrap()).unwrap());
    }

    #[test]
    fn refuses_stacks_with_errors() {
        let err = compiled("stack x { region = \"ap-northeast-1\" }\nnetwork n { cidr = 10.0.0.0/8 }\n").unwrap_err();
        assert!(matches!(&err, CompileError::Invalid(d) if d.iter().any(|d| d.code == "E0211")), "{err:?}");
        assert!(matches!(compiled("network n { cidr = 10.0.0.0/16 }").unwrap_err(), CompileError::Invalid(_)));
        // Lowering errors leave holes; the analysis holds them, so compile refuses instead of
        // emitting a partial state.
        let holes = compiled("stack x { region = \"ap-northeast-1\" }\nnetwork n { }\n").unwrap_err();
        assert!(matches!(&holes, CompileError::Invalid(d) if !d.is_empty()), "{holes:?}");
    }
}
