//! `drove inventory [PATH] [--format json|ansible]`: the stack's live instances by role,
//! found by the tags drove puts on them (`drove:stack`, `drove:role`, `drove:address`),
//! so Ansible playbooks keep working during a migration. `ansible` prints what an Ansible
//! dynamic-inventory script prints for `--list`.

use crate::engine_run::{report, runtime};
use crate::output::{fail, write, Stream};
use drove_engine::aws::discover::{running_instances, RunningInstance};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Hosts by role with their ids, addresses, subnets and zones
    Json,
    /// The JSON of an Ansible dynamic inventory script (groups by role, `_meta.hostvars`)
    Ansible,
}

/// Instances without a `drove:role` tag (tagged for the stack by hand) are listed here.
const NO_ROLE: &str = "ungrouped";

fn role_of(i: &RunningInstance) -> &str {
    i.tags.get("drove:role").map(String::as_str).filter(|r| !r.is_empty()).unwrap_or(NO_ROLE)
}

/// The host's name for Ansible: its `Name` tag (`app-0`, `db`), else its instance id. A
/// drove address such as `hosts.app[0]` would read as a host pattern with a subscript.
fn host_name(i: &RunningInstance) -> String {
    i.tags.get("Name").filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| i.id.clone())
}

fn host_json(i: &RunningInstance) -> Value {
    json!({
        "address": i.tags.get("drove:address"),
        "name": host_name(i),
        "id": i.id,
        "state": i.state,
        "instance_type": i.instance_type,
        "private_ip": i.private_ip,
        "public_ip": i.public_ip,
        "subnet": i.subnet,
        "availability_zone": i.availability_zone,
    })
}

pub fn by_role(instances: &[RunningInstance]) -> BTreeMap<String, Vec<&RunningInstance>> {
    let mut roles: BTreeMap<String, Vec<&RunningInstance>> = BTreeMap::new();
    for i in instances {
        roles.entry(role_of(i).to_string()).or_default().push(i);
    }
    for hosts in roles.values_mut() {
        hosts.sort_by(|a, b| host_name(a).cmp(&host_name(b)).then(a.id.cmp(&b.id)));
    }
    roles
}

pub fn json_inventory(stack: &str, region: &str, instances: &[RunningInstance]) -> Value {
    let roles: Map<String, Value> = by_role(instances)
        .into_iter()
        .map(|(role, hosts)| (role, Value::Array(hosts.into_iter().map(host_json).collect())))
        .collect();
    json!({ "stack": stack, "region": region, "roles": roles })
}

pub fn ansible_inventory(instances: &[RunningInstance]) -> Value {
    let mut out = Map::new();
    let mut hostvars = Map::new();
    let roles = by_role(instances);
    for (role, hosts) in &roles {
        let names: Vec<String> = hosts.iter().map(|i| host_name(i)).collect();
        out.insert(role.clone(), json!({ "hosts": names }));
        for i in hosts {
            let mut vars = Map::new();
            // Public first: the machine running Ansible is usually outside the VPC.
            if let Some(ip) = i.public_ip.as_ref().or(i.private_ip.as_ref()) {
                vars.insert("ansible_host".into(), json!(ip));
            }
            vars.insert("drove_role".into(), json!(role));
            if let Value::Object(h) = host_json(i) {
                for (k, v) in h {
                    if !v.is_null() && k != "name" {
                        vars.insert(format!("drove_{k}"), v);
                    }
                }
            }
            hostvars.insert(host_name(i), Value::Object(vars));
        }
    }
    out.insert("all".into(), json!({ "children": roles.keys().collect::<Vec<_>>() }));
    out.insert("_meta".into(), json!({ "hostvars": hostvars }));
    Value::Object(out)
}

pub fn run(path: &Path, format: Format) -> u8 {
    let desired = match crate::compile::desired_state(path, "inventoried") {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let stack = desired.stack.name.clone();
    let region = desired.stack.region.clone();
    let found = rt.block_on(async {
        let conf = drove_engine::aws::load_config(&region).await;
        let ec2 = drove_engine::aws::aws_sdk_ec2::Client::new(&conf);
        running_instances(&ec2, &[("drove:stack".to_string(), stack.clone())]).await
    });
    let instances = match found {
        Ok(i) => i,
        Err(e) => return report(&e),
    };
    let doc = match format {
        Format::Json => json_inventory(&stack, &region, &instances),
        Format::Ansible => ansible_inventory(&instances),
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => {
            write(Stream::Stdout, &format!("{text}\n"));
            crate::exit::OK
        }
        Err(e) => fail(format!("cannot serialise the inventory: {e}")),
    }
}
