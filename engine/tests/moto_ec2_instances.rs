#![cfg(feature = "aws")]
//! `ec2.instance` through the real AWS SDK against moto: a stack with a network, a firewall,
//! a role and its hosts (count 3 over two subnets) with a secret in their user data and a record pointing at their public IPs;
//! apply, a plan with no changes, what moto holds (user data, IMDSv2, the encrypted root
//! volume, tags), re-adoption across DescribeInstances pages, a changed secret and a
//! changed type planning replacements, and count 3 → 2 deleting the highest index.

mod support;

use age::secrecy::ExposeSecret as _;
use aws_sdk_ec2::types::{Filter, InstanceAttributeName};
use base64::Engine as _;
use drove_compiler::model::DesiredState;
use drove_compiler::model::{instance, record_set, subnet};
use drove_compiler::secrets::{declaration, encrypt, new_hash_key, Encryption, Keyring, HASH_KEY_NAME};
use drove_engine::aws::aws_sdk_ec2;
use drove_engine::aws::aws_sdk_route53;
use drove_engine::plan::{Action, Plan, PlanOptions};
use drove_engine::session::Session;
use drove_engine::userdata::UserData;
use std::sync::Arc;
use support::apply;
use support::moto::Moto;
use support::{MOTO_IMAGE as IMAGE, NETWORK};

const REGION: &str = "ap-northeast-1";
const SECRET: &[u8] = b"password: s3cr3t-plaintext-in-user-data\n";

struct Keys {
    me: age::x25519::Identity,
    hash_key: String,
}

impl Keys {
    fn new() -> Keys {
        let me = age::x25519::Identity::generate();
        let hash_key =
            encrypt(new_hash_key().expose_secret(), &Encryption::Recipients(vec![me.to_public()])).expect("encrypt");
        Keys { me, hash_key }
    }

    fn secret(&self, plaintext: &[u8]) -> String {
        encrypt(plaintext, &Encryption::Recipients(vec![self.me.to_public()])).expect("encrypt")
    }
}

fn source(keys: &Keys, secret: &str, count: u32, instance_type: &str) -> String {
    format!(
        r#"stack shop {{
  region = "{REGION}"
  recipients = ["{recipient}"]
}}
{NETWORK}role app {{
  image = image("{IMAGE}", "137112412989")
  type = {instance_type}
  firewall = [web]
  public_ip = true
  disk = 20GiB
  secrets = user_data
  provision {{
    package "nginx"
    file "/etc/app/db.yml" owner "root" = secret("db.yml")
    run "echo done"
  }}
}}
hosts app {{ role = app  count = {count}  subnets = [main.a, main.c] }}
zone "shop.example." {{
  app 60 A hosts.app.public_ip
}}
{}
{}
"#,
        declaration("db.yml", secret),
        declaration(HASH_KEY_NAME, &keys.hash_key),
        recipient = keys.me.to_public(),
    )
}

struct Compiled {
    desired: DesiredState,
}

fn compile(text: &str) -> Compiled {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
    let errors: Vec<_> = a.diagnostics.iter().filter(|d| d.code.starts_with('E')).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let desired = drove_compiler::compile::compile(&a).expect("compiles");
    Compiled { desired }
}

struct Fixture {
    m: Moto,
    dir: tempfile::TempDir,
    keys: Keys,
    ec2: aws_sdk_ec2::Client,
}

impl Fixture {
    async fn start() -> Option<Fixture> {
        let m = Moto::start()?;
        let conf = m.config(REGION).await;
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        Some(Fixture { m, dir: tempfile::tempdir().unwrap(), keys: Keys::new(), ec2 })
    }

    /// A session for the stack, its desired state, and the user-data renderer.
    async fn open(&self, text: &str) -> (Session, DesiredState, Arc<UserData>) {
        let c = compile(text);
        let d = c.desired;
        let docs: Vec<_> = d.user_data().collect();
        let me = self.keys.me.clone();
        let ud = Arc::new(
            UserData::open(docs, d.sealed(), move || Ok(Keyring::from_identities(vec![me]))).expect("user data"),
        );
        let s = Session::with_config(&d, self.dir.path(), &self.m.config(REGION).await)
            .expect("session")
            .with_user_data(ud.clone());
        (s, d, ud)
    }

    async fn running(&self) -> Vec<aws_sdk_ec2::types::Instance> {
        let out = self
            .ec2
            .describe_instances()
            .filters(Filter::builder().name("instance-state-name").values("running").values("pending").build())
            .filters(Filter::builder().name("tag:drove:stack").values("shop").build())
            .max_results(1000)
            .send()
            .await
            .unwrap();
        out.reservations().iter().flat_map(|r| r.instances()).cloned().collect()
    }
}

fn action(p: &Plan, a: &str) -> Action {
    p.changes.iter().find(|c| c.address == a).map(|c| c.action).unwrap_or_else(|| panic!("{a} not planned"))
}

fn assert_no_plaintext(what: &str, text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    let plain = String::from_utf8_lossy(SECRET);
    assert!(
        !text.contains(plain.trim()) && !text.contains(&b64) && !text.contains("s3cr3t"),
        "{what} holds the secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_lifecycle_against_moto() {
    let Some(f) = Fixture::start().await else { return };
    let secret = f.keys.secret(SECRET);
    let text = source(&f.keys, &secret, 3, "t3.micro");
    let (s, d, ud) = f.open(&text).await;

    let first = apply(&s, &d).await;
    let created = |kind: &str| first.changes.iter().filter(|c| c.kind == kind && c.action == Action::Create).count();
    assert_eq!((created(instance::KIND), created(subnet::KIND), created(record_set::KIND)), (3, 2, 1));
    let note =
        first.changes.iter().find(|c| c.address == "hosts.app[0]").map(|c| c.notes.join("\n")).unwrap_or_default();
    assert!(
        note.contains("ami-0990bd2af79bd53a7") && note.contains("al2023-ami-2023.12.20260930.0-kernel-6.18-x86_64"),
        "{note}"
    );
    let again = s.plan(&d, &PlanOptions::default()).await.unwrap();
    assert!(!again.has_changes(), "{}", drove_engine::plan::render::text(&again, false));

    // What moto holds, read through the SDK.
    let st = s.read_state().await.unwrap().unwrap();
    let instances = f.running().await;
    assert_eq!(instances.len(), 3);
    let expected_doc = ud.render(d.user_data().next().expect("app has user data")).unwrap();
    let expected_doc = String::from_utf8(expected_doc.bytes.expose_secret().clone()).unwrap();
    assert!(expected_doc.contains(&base64::engine::general_purpose::STANDARD.encode(SECRET)));
    let mut public_ips = Vec::new();
    for i in &instances {
        let id = i.instance_id().unwrap();
        let address = i.tags().iter().find(|t| t.key() == Some("drove:address")).and_then(|t| t.value()).unwrap();
        assert_eq!(st.resources[address].id, id);
        assert_eq!(i.tags().iter().find(|t| t.key() == Some("drove:role")).and_then(|t| t.value()), Some("app"));
        assert_eq!(i.metadata_options().and_then(|m| m.http_tokens()).map(|t| t.as_str()), Some("required"));
        assert_eq!(i.image_id(), Some("ami-0990bd2af79bd53a7"));
        assert_eq!(i.instance_type().map(|t| t.as_str()), Some("t3.micro"));
        let attr = f
            .ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::UserData)
            .send()
            .await
            .unwrap();
        let sent = base64::engine::general_purpose::STANDARD
            .decode(attr.user_data().and_then(|u| u.value()).unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(sent).unwrap(), expected_doc);
        let root = i.root_device_name().unwrap();
        let vol = i
            .block_device_mappings()
            .iter()
            .find(|b| b.device_name() == Some(root))
            .and_then(|b| b.ebs())
            .and_then(|e| e.volume_id())
            .unwrap();
        let v = f.ec2.describe_volumes().volume_ids(vol).send().await.unwrap();
        let v = &v.volumes()[0];
        assert_eq!((v.encrypted(), v.size()), (Some(true), Some(20)));
        assert!(
            v.tags().iter().any(|t| t.key() == Some("drove:address") && t.value() == Some(address)),
            "the volume is tagged"
        );
        public_ips.push(i.public_ip_address().unwrap().to_string());
    }
    // The record holds the instances' real addresses.
    let r53 = aws_sdk_route53::Client::new(&f.m.config(REGION).await);
    let zone = st.resources["zone.shop.example."].id.clone();
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let a = sets
        .resource_record_sets()
        .iter()
        .find(|r| r.name() == "app.shop.example." && r.r#type().as_str() == "A")
        .unwrap();
    let mut values: Vec<String> = a.resource_records().iter().map(|r| r.value().to_string()).collect();
    values.sort();
    public_ips.sort();
    assert_eq!(values, public_ips);

    // No plaintext in the plan (as JSON and as text) or the state file.
    assert_no_plaintext("the plan", &first.to_json());
    assert_no_plaintext("the plan text", &drove_engine::plan::render::text(&first, false));
    assert_no_plaintext("the state", &std::fs::read_to_string(f.dir.path().join("drove.state.json")).unwrap());
    let fp = st.resources["hosts.app[0]"].attributes["user_data"]["fingerprint"].as_str().unwrap().to_string();
    assert!(fp.starts_with("hmac-sha256:"), "{fp}");

    // Re-adoption: the state is lost, and 100 other instances of the stack push the
    // stack's own past DescribeInstances' first page.
    let image = st.resources["hosts.app[0]"].attributes["image"]["id"].as_str().unwrap().to_string();
    for n in 0..100 {
        f.ec2
            .run_instances()
            .image_id(&image)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Instance)
                    .tags(aws_sdk_ec2::types::Tag::builder().key("drove:stack").value("shop").build())
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("drove:address")
                            .value(format!("hosts.other[{n}]"))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    // The run died after its first state write and before recording what it created.
    let path = f.dir.path().join("drove.state.json");
    let mut raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    raw["resources"] = serde_json::json!({});
    std::fs::write(&path, raw.to_string()).unwrap();
    let adopted = s.plan(&d, &PlanOptions::default()).await.unwrap();
    for i in 0..3 {
        let c = adopted.changes.iter().find(|c| c.address == format!("hosts.app[{i}]")).unwrap();
        assert_eq!(c.action, Action::NoOp, "{}", drove_engine::plan::render::text(&adopted, false));
        assert!(c.notes.iter().any(|n| n.contains("adopted")), "{:?}", c.notes);
    }
    apply(&s, &d).await;
    let ids: Vec<String> = f.running().await.iter().filter_map(|i| i.instance_id().map(str::to_string)).collect();
    let other: Vec<String> = ids.iter().filter(|id| !st.resources.values().any(|r| &r.id == *id)).cloned().collect();
    f.ec2.terminate_instances().set_instance_ids(Some(other)).send().await.unwrap();

    // A changed secret changes the fingerprint: every host is replaced.
    let changed = f.keys.secret(b"password: another-value\n");
    let (s2, d2, _) = f.open(&source(&f.keys, &changed, 3, "t3.micro")).await;
    let p = s2.plan(&d2, &PlanOptions::default()).await.unwrap();
    for i in 0..3 {
        let c = p.changes.iter().find(|c| c.address == format!("hosts.app[{i}]")).unwrap();
        assert_eq!(c.action, Action::Replace);
        assert!(c.diffs.iter().any(|x| x.name == "user_data" && x.forces_replacement), "{:?}", c.diffs);
    }
    // Re-encrypting the same value (a rekey) changes nothing.
    let (s3, d3, _) = f.open(&source(&f.keys, &f.keys.secret(SECRET), 3, "t3.micro")).await;
    assert!(!s3.plan(&d3, &PlanOptions::default()).await.unwrap().has_changes());

    // Another instance type is a replacement.
    let (s4, d4, _) = f.open(&source(&f.keys, &secret, 3, "t3.small")).await;
    let p = s4.plan(&d4, &PlanOptions::default()).await.unwrap();
    assert_eq!(action(&p, "hosts.app[1]"), Action::Replace);
    assert!(p
        .changes
        .iter()
        .any(|c| c.address == "hosts.app[1]"
            && c.diffs.iter().any(|x| x.name == "instance_type" && x.forces_replacement)));

    // Count 3 → 2 deletes the highest index; the record follows.
    let (s5, d5, _) = f.open(&source(&f.keys, &secret, 2, "t3.micro")).await;
    let p = apply(&s5, &d5).await;
    assert_eq!(action(&p, "hosts.app[2]"), Action::Delete);
    assert_eq!(action(&p, "hosts.app[0]"), Action::NoOp);
    assert_eq!(f.running().await.len(), 2);
    let gone = &st.resources["hosts.app[2]"].id;
    let d = f.ec2.describe_instances().instance_ids(gone).send().await.unwrap();
    let state = d.reservations()[0].instances()[0].state().and_then(|s| s.name()).map(|n| n.as_str().to_string());
    assert_eq!(state.as_deref(), Some("terminated"));
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let a = sets
        .resource_record_sets()
        .iter()
        .find(|r| r.name() == "app.shop.example." && r.r#type().as_str() == "A")
        .unwrap();
    assert_eq!(a.resource_records().len(), 2);
    assert!(!s5.plan(&d5, &PlanOptions::default()).await.unwrap().has_changes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_data_changed_behind_drove_plans_a_replacement() {
    let Some(f) = Fixture::start().await else { return };
    let text = source(&f.keys, &f.keys.secret(SECRET), 1, "t3.micro");
    let (s, d, _) = f.open(&text).await;
    apply(&s, &d).await;
    let id = s.read_state().await.unwrap().unwrap().resources["hosts.app[0]"].id.clone();
    f.ec2.stop_instances().instance_ids(&id).send().await.unwrap();
    f.ec2
        .modify_instance_attribute()
        .instance_id(&id)
        .user_data(
            aws_sdk_ec2::types::SecureBlobAttributeValue::builder()
                .value(aws_sdk_ec2::primitives::Blob::new(
                    base64::engine::general_purpose::STANDARD.encode("#!/bin/sh\necho hijacked\n"),
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    f.ec2.start_instances().instance_ids(&id).send().await.unwrap();
    let p = s.plan(&d, &PlanOptions::default()).await.unwrap();
    let c = p.changes.iter().find(|c| c.address == "hosts.app[0]").unwrap();
    assert_eq!(c.action, Action::Replace, "{}", drove_engine::plan::render::text(&p, false));
    let ud = c.diffs.iter().find(|x| x.name == "user_data").expect("a user data diff");
    assert!(ud.forces_replacement);
    assert_ne!(ud.before["fingerprint"], ud.after["fingerprint"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_resolve_to_the_newest_match() {
    let Some(f) = Fixture::start().await else { return };
    let (s, _, _) = f.open(&source(&f.keys, &f.keys.secret(SECRET), 1, "t3.micro")).await;
    let img = s.provider.resolve_image("amzn2-ami-kernel-5.10-hvm-*-x86_64-gp2", Some("137112412989")).await.unwrap();
    assert_eq!(
        (img.id.as_str(), img.name.as_str()),
        ("ami-0aee3645995ecaac1", "amzn2-ami-kernel-5.10-hvm-2.0.20260930.0-x86_64-gp2")
    );
    let none = s.provider.resolve_image("no-such-image-*", None).await.unwrap_err();
    assert_eq!(none.code, drove_engine::error::codes::NO_IMAGE);
    // A newer image registered now wins over the catalogue's.
    let reg = f
        .ec2
        .register_image()
        .name("amzn2-ami-kernel-5.10-hvm-9.9-x86_64-gp2")
        .root_device_name("/dev/xvda")
        .send()
        .await
        .unwrap();
    let img = s.provider.resolve_image("amzn2-ami-kernel-5.10-hvm-*-x86_64-gp2", None).await.unwrap();
    assert_eq!(Some(img.id.as_str()), reg.image_id(), "{img:?}");
}
