//! `drove inventory` against moto: instances started straight through the SDK with
//! drove's tags are listed by role (running and pending only, this stack's only), as JSON
//! and as an Ansible dynamic inventory that real `ansible-inventory` reads.

mod support;

use drove_engine::aws::aws_sdk_ec2 as ec2;
use ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::moto::Moto;
use support::{drove, runtime, REGION};

async fn any_image(client: &ec2::Client) -> String {
    let images = client.describe_images().send().await.unwrap();
    images.images().iter().find_map(|i| i.image_id()).expect("moto ships AMIs").to_string()
}

async fn launch(client: &ec2::Client, image: &str, tags: &[(&str, &str)]) -> String {
    let mut spec = TagSpecification::builder().resource_type(ResourceType::Instance);
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(*k).value(*v).build());
    }
    let out = client
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .tag_specifications(spec.build())
        .send()
        .await
        .unwrap();
    out.instances()[0].instance_id().unwrap().to_string()
}

fn stack_dir(tmp: &Path) -> PathBuf {
    let dir = tmp.join("shop");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.drove"), format!("stack shop {{ region = \"{REGION}\" }}\n")).unwrap();
    dir
}

fn ansible_inventory_bin() -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/ansible-inventory");
    if bin.exists() {
        return Some(bin);
    }
    if std::env::var_os("CI").is_some() {
        panic!("ansible-inventory is not installed ({}); pip install -r tests/requirements.txt", bin.display());
    }
    eprintln!("\n*** SKIPPED the ansible-inventory check: {} is missing ***\n", bin.display());
    None
}

#[test]
fn instances_by_role_as_json_and_ansible() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let client = ec2::Client::new(&conf);
    let (web0, web1, db, gone) = rt.block_on(async {
        let image = any_image(&client).await;
        let web0 = launch(
            &client,
            &image,
            &[("drove:stack", "shop"), ("drove:role", "web"), ("drove:address", "hosts.web[0]"), ("Name", "web-0")],
        )
        .await;
        let web1 = launch(
            &client,
            &image,
            &[("drove:stack", "shop"), ("drove:role", "web"), ("drove:address", "hosts.web[1]"), ("Name", "web-1")],
        )
        .await;
        let db = launch(
            &client,
            &image,
            &[("drove:stack", "shop"), ("drove:role", "mysql"), ("drove:address", "host.db"), ("Name", "db")],
        )
        .await;
        let gone = launch(
            &client,
            &image,
            &[("drove:stack", "shop"), ("drove:role", "web"), ("drove:address", "hosts.web[2]"), ("Name", "web-2")],
        )
        .await;
        launch(&client, &image, &[("drove:stack", "other"), ("drove:role", "web"), ("Name", "elsewhere")]).await;
        client.terminate_instances().instance_ids(&gone).send().await.unwrap();
        (web0, web1, db, gone)
    });

    let tmp = tempfile::tempdir().unwrap();
    let dir = stack_dir(tmp.path());
    let run = drove(&moto, tmp.path(), &["inventory", &dir.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inv: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(inv["stack"], "shop");
    let roles = inv["roles"].as_object().unwrap();
    assert_eq!(roles.keys().collect::<Vec<_>>(), ["mysql", "web"]);
    let web = inv["roles"]["web"].as_array().unwrap();
    let ids: Vec<&str> = web.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [web0.as_str(), web1.as_str()]);
    assert_eq!(web[0]["address"], "hosts.web[0]");
    assert!(web[0]["private_ip"].as_str().is_some_and(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok()), "{}", web[0]);
    assert!(web[0]["availability_zone"].as_str().is_some_and(|z| z.starts_with(REGION)), "{}", web[0]);
    assert!(web[0]["subnet"].as_str().is_some_and(|s| s.starts_with("subnet-")), "{}", web[0]);
    assert_eq!(inv["roles"]["mysql"][0]["id"], db.as_str());
    assert!(!run.stdout.contains(&gone) && !run.stdout.contains("elsewhere"), "{}", run.stdout);

    let run = drove(&moto, &dir, &["inventory", "--format", "ansible"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ans: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(ans["web"]["hosts"], serde_json::json!(["web-0", "web-1"]));
    assert_eq!(ans["mysql"]["hosts"], serde_json::json!(["db"]));
    assert_eq!(ans["_meta"]["hostvars"]["db"]["drove_id"], db.as_str());
    assert_eq!(ans["_meta"]["hostvars"]["web-0"]["drove_address"], "hosts.web[0]");

    // Real Ansible reads it as a dynamic inventory script.
    let Some(bin) = ansible_inventory_bin() else { return };
    let json_path = tmp.path().join("inventory.json");
    std::fs::write(&json_path, &run.stdout).unwrap();
    let script = tmp.path().join("inventory.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat '{}'\n", json_path.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(&bin)
        .args(["-i", &script.display().to_string(), "--list"])
        .env("HOME", tmp.path())
        .env("ANSIBLE_LOCAL_TEMP", tmp.path().join("ansible-tmp"))
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
        .output()
        .expect("ansible-inventory runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ansible-inventory failed: {stderr}");
    let listed: Value = serde_json::from_slice(&out.stdout).expect("ansible-inventory prints JSON");
    assert_eq!(listed["web"]["hosts"], serde_json::json!(["web-0", "web-1"]), "{listed}");
    assert_eq!(listed["mysql"]["hosts"], serde_json::json!(["db"]), "{listed}");
    let db_vars = &listed["_meta"]["hostvars"]["db"];
    assert_eq!(db_vars["drove_id"], db.as_str(), "{listed}");
    assert!(db_vars["ansible_host"].as_str().is_some(), "{listed}");
}
