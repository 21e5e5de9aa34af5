#![cfg(feature = "aws")]
//! Secrets of provisioned files, end to end through the `drove` binary against moto. By
//! default they go to SSM Parameter Store: a SecureString per secret, an instance role
//! allowed to read exactly those parameters (read back from IAM), instances launched with
//! its profile, a value or a policy changed by hand put back. With `secrets = user_data`
//! the plaintext reaches the instance's user data and nothing else. Either way it is in no
//! plan output, saved plan, state or progress log; no key, a wrong key and an altered
//! ciphertext each stop the command before anything is launched.

#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use age::secrecy::ExposeSecret as _;
use drove_compiler::secrets::{declaration, encrypt, new_hash_key, Encryption, HASH_KEY_NAME};
use drove_engine::aws::{aws_sdk_ec2, aws_sdk_iam, aws_sdk_ssm};
use moto::Moto;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGION: &str = "ap-northeast-1";
const PLAINTEXT: &str = "db_password: Corr3ct-H0rse-plaintext-marker";

struct Run {
    code: i32,
    out: String,
}

struct Stack {
    dir: tempfile::TempDir,
    endpoint: String,
    me: age::x25519::Identity,
    hash_key: String,
    delivery: &'static str,
}

impl Stack {
    fn new(m: &Moto, tamper: bool) -> Stack {
        Stack::with_delivery(m, tamper, "secrets = user_data")
    }

    /// `delivery` is the role's `secrets = …` line, or empty for the default.
    fn with_delivery(m: &Moto, tamper: bool, delivery: &'static str) -> Stack {
        let dir = tempfile::tempdir().expect("temp dir");
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![me.to_public()]);
        let hash_key = encrypt(new_hash_key().expose_secret(), &to).expect("encrypt");
        std::fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("home")).expect("mkdir");
        std::fs::write(dir.path().join("identity.txt"), format!("{}\n", me.to_string().expose_secret()))
            .expect("write");
        let s = Stack { dir, endpoint: m.endpoint(), me, hash_key, delivery };
        s.write(PLAINTEXT, tamper);
        s
    }

    /// Writes the stack with `plaintext` as the secret `db.yml`.
    fn write(&self, plaintext: &str, tamper: bool) {
        let (me, delivery) = (&self.me, self.delivery);
        let to = Encryption::Recipients(vec![me.to_public()]);
        let mut secret = encrypt(plaintext.as_bytes(), &to).expect("encrypt");
        if tamper {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            let mut bytes = b64.decode(&secret).expect("base64");
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            secret = b64.encode(bytes);
        }
        let text = format!(
            r#"stack shop {{
  region = "{REGION}"
  recipients = ["{}"]
}}
network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
  subnet c {{ cidr = 10.0.2.0/24  zone = c  public = true }}
}}
firewall web in main {{
  allow tcp 443 from 0.0.0.0/0
}}
role app {{
  image = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type = t3.micro
  disk = 20GiB
  firewall = [web]
  public_ip = true
  {delivery}
  provision {{
    file "/etc/app/db.yml" owner "root" = secret("db.yml")
  }}
}}
hosts app {{ role = app  count = 2  subnets = [main.a, main.c] }}
zone "shop.example." {{
  app 60 A hosts.app.public_ip
}}
{}
{}
"#,
            me.to_public(),
            declaration("db.yml", &secret),
            declaration(HASH_KEY_NAME, &self.hash_key),
        );
        std::fs::write(self.dir.path().join("stack/main.drove"), text).expect("write");
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs drove with a private HOME and moto as the endpoint; `identity` is the file
    /// `DROVE_IDENTITY` names, if any.
    fn drove(&self, args: &[&str], identity: Option<&Path>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_drove"));
        cmd.args(args).current_dir(self.dir.path()).env("NO_COLOR", "1");
        for v in ["DROVE_IDENTITY", "DROVE_SECRET_PASSPHRASE", "XDG_CONFIG_HOME", "AWS_PROFILE"] {
            cmd.env_remove(v);
        }
        cmd.env("HOME", self.path("home"))
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(id) = identity {
            cmd.env("DROVE_IDENTITY", id);
        }
        let out = cmd.output().expect("drove runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            out: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        };
        assert!(!run.out.contains("panicked"), "drove {args:?} panicked:\n{}", run.out);
        run
    }
}

fn assert_clean(what: &str, text: &str) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PLAINTEXT);
    assert!(!text.contains("Corr3ct-H0rse") && !text.contains(&b64), "{what} holds the secret:\n{text}");
}

async fn instances(m: &Moto) -> Vec<aws_sdk_ec2::types::Instance> {
    let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
    let out = ec2.describe_instances().send().await.expect("describe");
    out.reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_failures_stop_before_anything_is_launched() {
    let Some(m) = Moto::start() else { return };
    let good = Stack::new(&m, false);
    let other = good.path("other.txt");
    std::fs::write(&other, format!("{}\n", age::x25519::Identity::generate().to_string().expose_secret()))
        .expect("write");
    let wrong = good.drove(&["apply", "stack", "--auto-approve"], Some(&other));
    let missing = good.drove(&["apply", "stack", "--auto-approve"], None);
    let tampered = Stack::new(&m, true);
    let altered = tampered.drove(&["plan", "stack"], Some(&tampered.path("identity.txt")));
    for (what, run, why) in [
        ("a wrong key", &wrong, "none of the available keys"),
        ("no key", &missing, "no key to decrypt with"),
        ("an altered ciphertext", &altered, "altered"),
    ] {
        assert_eq!(run.code, 1, "{what}:\n{}", run.out);
        assert!(
            run.out.contains("error[E0320]") && run.out.contains("db.yml") && run.out.contains(why),
            "{what}:\n{}",
            run.out
        );
        assert_clean(what, &run.out);
    }
    assert!(instances(&m).await.is_empty(), "nothing was launched");
    assert!(!good.path("stack/drove.state.json").exists() && !tampered.path("stack/drove.state.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plaintext_reaches_the_instance_and_nothing_else() {
    let Some(m) = Moto::start() else { return };
    let s = Stack::new(&m, false);
    let id = s.path("identity.txt");
    let mut seen = Vec::new();
    for format in ["text", "json", "markdown"] {
        let p = s.drove(&["plan", "stack", "--format", format], Some(&id));
        assert_eq!(p.code, 0, "{}", p.out);
        seen.push((format!("plan --format {format}"), p.out));
    }
    // Named as Terraform users name theirs: a plan is known by its content.
    let saved = s.drove(&["plan", "stack", "--out", "tfplan"], Some(&id));
    assert_eq!(saved.code, 0, "{}", saved.out);
    let applied = s.drove(&["apply", "tfplan", "--auto-approve"], Some(&id));
    assert_eq!(applied.code, 0, "{}", applied.out);
    let again = s.drove(&["plan", "stack", "--detailed-exitcode"], Some(&id));
    assert_eq!(again.code, 0, "no changes after apply:\n{}", again.out);
    let shown = s.drove(&["state", "show", "hosts.app[0]", "--path", "stack"], Some(&id));
    let state_given = s.drove(&["apply", "stack/drove.state.json", "--auto-approve"], Some(&id));
    assert!(state_given.code != 0 && state_given.out.contains("is a drove state, not a plan"), "{}", state_given.out);
    seen.extend([
        ("plan --out".to_string(), saved.out),
        ("apply".into(), applied.out),
        ("plan again".into(), again.out),
        ("state show".into(), shown.out),
    ]);
    seen.push(("the plan file".into(), std::fs::read_to_string(s.path("tfplan")).expect("plan file")));
    seen.push(("the state".into(), std::fs::read_to_string(s.path("stack/drove.state.json")).expect("state")));
    for (what, text) in &seen {
        assert_clean(what, text);
    }

    // The instances got it.
    let running = instances(&m).await;
    assert_eq!(running.len(), 2);
    let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
    for i in &running {
        let attr = ec2
            .describe_instance_attribute()
            .instance_id(i.instance_id().unwrap_or_default())
            .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
            .send()
            .await
            .expect("user data");
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let doc = String::from_utf8(
            b64.decode(attr.user_data().and_then(|u| u.value()).unwrap_or_default()).expect("base64"),
        )
        .expect("utf8");
        assert!(doc.contains(&b64.encode(PLAINTEXT)), "{doc}");
    }
}

/// The user data of each running instance, decoded.
async fn user_data_of(m: &Moto) -> Vec<String> {
    use base64::Engine as _;
    let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
    let mut out = Vec::new();
    for i in instances(m).await {
        let attr = ec2
            .describe_instance_attribute()
            .instance_id(i.instance_id().unwrap_or_default())
            .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
            .send()
            .await
            .expect("user data");
        let raw = attr.user_data().and_then(|u| u.value()).unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD.decode(raw).expect("base64");
        out.push(String::from_utf8(bytes).expect("utf8"));
    }
    out
}

const PARAMETER: &str = "/drove/shop/db.yml";
const ROLE: &str = "drove-shop-app";

/// The parameter's type and its value, decoded from the base64 drove writes.
async fn parameter(ssm: &aws_sdk_ssm::Client) -> Option<(String, String, String)> {
    use base64::Engine as _;
    let got = ssm.get_parameter().name(PARAMETER).with_decryption(true).send().await.ok()?;
    let p = got.parameter()?;
    let value = base64::engine::general_purpose::STANDARD.decode(p.value().unwrap_or_default()).unwrap_or_default();
    Some((
        p.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        String::from_utf8_lossy(&value).into_owned(),
        p.arn().unwrap_or_default().to_string(),
    ))
}

/// drove's policy on the role, URL-decoded and parsed, and every other policy on it.
async fn role_policies(iam: &aws_sdk_iam::Client) -> (serde_json::Value, Vec<String>) {
    let names = iam.list_role_policies().role_name(ROLE).send().await.expect("list").policy_names;
    let attached = iam.list_attached_role_policies().role_name(ROLE).send().await.expect("attached");
    let mut others: Vec<String> = names.iter().filter(|n| n.as_str() != "drove").cloned().collect();
    others.extend(attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)));
    let doc = iam.get_role_policy().role_name(ROLE).policy_name("drove").send().await.expect("policy");
    let text = percent_encoding::percent_decode_str(&doc.policy_document).decode_utf8_lossy().into_owned();
    (serde_json::from_str(&text).expect("policy JSON"), others)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_store_holds_the_secret_and_only_the_role_reads_it() {
    let Some(m) = Moto::start() else { return };
    let s = Stack::with_delivery(&m, false, "");
    let id = s.path("identity.txt");
    let conf = m.config(REGION).await;
    let (ssm, iam) = (aws_sdk_ssm::Client::new(&conf), aws_sdk_iam::Client::new(&conf));

    let plan = s.drove(&["plan", "stack"], Some(&id));
    assert_eq!(plan.code, 0, "{}", plan.out);
    assert!(plan.out.contains("secret.db.yml") && plan.out.contains("role.app"), "{}", plan.out);
    // A saved plan carries the secret sealed: applying it decrypts again, here.
    let saved = s.drove(&["plan", "stack", "--out", "tfplan"], Some(&id));
    assert_eq!(saved.code, 0, "{}", saved.out);
    let applied = s.drove(&["apply", "tfplan", "--auto-approve"], Some(&id));
    assert_eq!(applied.code, 0, "{}", applied.out);
    let again = s.drove(&["plan", "stack", "--detailed-exitcode"], Some(&id));
    assert_eq!(again.code, 0, "no changes after apply:\n{}", again.out);
    let state = std::fs::read_to_string(s.path("stack/drove.state.json")).expect("state");
    assert_clean("the plan file", &std::fs::read_to_string(s.path("tfplan")).expect("plan file"));
    for (what, text) in [("plan", &plan.out), ("apply", &applied.out), ("plan again", &again.out), ("state", &state)] {
        assert_clean(what, text);
    }

    // SSM holds the value as a SecureString, tagged as drove's.
    let (kind, value, arn) = parameter(&ssm).await.expect("the parameter exists");
    assert_eq!((kind.as_str(), value.as_str()), ("SecureString", PLAINTEXT));
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(PARAMETER)
        .send()
        .await
        .expect("tags");
    let tag = |k: &str| tags.tag_list().iter().find(|t| t.key() == k).map(|t| t.value().to_string());
    assert_eq!(tag("drove:stack").as_deref(), Some("shop"));
    assert_eq!(tag("drove:address").as_deref(), Some("secret.db.yml"));
    assert!(tag("drove:lineage").is_some_and(|l| !l.is_empty()));

    // The role may read exactly that parameter, and nothing else is on it.
    let (policy, others) = role_policies(&iam).await;
    assert_eq!(
        policy["Statement"],
        serde_json::json!([{"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": arn}]),
        "{policy}"
    );
    assert!(others.is_empty(), "{others:?}");
    let role = iam.get_role().role_name(ROLE).send().await.expect("role").role.expect("role");
    let trust = percent_encoding::percent_decode_str(role.assume_role_policy_document().unwrap_or_default())
        .decode_utf8_lossy()
        .into_owned();
    let trust: serde_json::Value = serde_json::from_str(&trust).expect("trust JSON");
    assert_eq!(trust["Statement"][0]["Principal"]["Service"], "ec2.amazonaws.com", "{trust}");
    let profile = iam.get_instance_profile().instance_profile_name(ROLE).send().await.expect("profile");
    let profile = profile.instance_profile.expect("profile");
    assert_eq!(profile.roles().iter().map(|r| r.role_name()).collect::<Vec<_>>(), [ROLE]);

    // The instances run with that profile, and their user data fetches the secret
    // rather than carrying it.
    let running = instances(&m).await;
    assert_eq!(running.len(), 2);
    for i in &running {
        assert_eq!(i.iam_instance_profile().and_then(|p| p.arn()), Some(profile.arn()), "{i:?}");
    }
    for doc in user_data_of(&m).await {
        assert_clean("user data", &doc);
        assert!(doc.contains("aws ssm get-parameter") && doc.contains(PARAMETER), "{doc}");
    }

    // Changed by hand: the value (and its type), a policy attached to the role, another
    // inline policy. The plan shows each; the apply puts the source's version back.
    ssm.put_parameter()
        .name(PARAMETER)
        .value("tampered")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect("overwrite");
    let admin = iam
        .create_policy()
        .policy_name("AdministratorAccess")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("policy");
    let admin_arn = admin.policy().and_then(|p| p.arn()).unwrap_or_default().to_string();
    iam.attach_role_policy().role_name(ROLE).policy_arn(&admin_arn).send().await.expect("attach");
    iam.put_role_policy()
        .role_name(ROLE)
        .policy_name("extra")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("put");
    let drift = s.drove(&["plan", "stack", "--detailed-exitcode"], Some(&id));
    assert_eq!(drift.code, 2, "{}", drift.out);
    assert!(
        drift.out.contains("AdministratorAccess")
            && drift.out.contains("extra")
            && drift.out.contains("not a SecureString"),
        "{}",
        drift.out
    );
    let repaired = s.drove(&["apply", "stack", "--auto-approve"], Some(&id));
    assert_eq!(repaired.code, 0, "{}", repaired.out);
    assert_eq!(parameter(&ssm).await.map(|p| (p.0, p.1)), Some(("SecureString".into(), PLAINTEXT.into())));
    assert!(role_policies(&iam).await.1.is_empty(), "foreign policies taken off");
    assert_eq!(instances(&m).await.len(), 2, "the hosts stay: their secret did not change");

    // Deleted by hand: planned as a create, written again.
    ssm.delete_parameter().name(PARAMETER).send().await.expect("delete");
    let gone = s.drove(&["apply", "stack", "--auto-approve"], Some(&id));
    assert_eq!(gone.code, 0, "{}", gone.out);
    assert!(gone.out.contains("secret.db.yml"), "{}", gone.out);
    assert_eq!(parameter(&ssm).await.map(|p| p.1), Some(PLAINTEXT.into()));

    // A new value in the source: a new version of the parameter, and the hosts that read
    // the old one at boot are replaced.
    let before: Vec<String> = running.iter().filter_map(|i| i.instance_id().map(str::to_string)).collect();
    s.write("db_password: the-next-one", false);
    let rotated = s.drove(&["apply", "stack", "--auto-approve"], Some(&id));
    assert_eq!(rotated.code, 0, "{}", rotated.out);
    assert_eq!(parameter(&ssm).await.map(|p| p.1), Some("db_password: the-next-one".into()));
    let after: Vec<String> = instances(&m).await.iter().filter_map(|i| i.instance_id().map(str::to_string)).collect();
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|i| !before.contains(i)), "{before:?} → {after:?}");

    // Destroy takes the parameter, the role and its profile.
    let destroyed = s.drove(&["destroy", "stack", "--auto-approve"], Some(&id));
    assert_eq!(destroyed.code, 0, "{}", destroyed.out);
    assert!(parameter(&ssm).await.is_none());
    assert!(iam.get_role().role_name(ROLE).send().await.is_err());
    assert!(iam.get_instance_profile().instance_profile_name(ROLE).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parameter_or_role_made_by_hand_under_drove_s_name_is_never_taken() {
    let Some(m) = Moto::start() else { return };
    let s = Stack::with_delivery(&m, false, "");
    let id = s.path("identity.txt");
    let conf = m.config(REGION).await;
    let (ssm, iam) = (aws_sdk_ssm::Client::new(&conf), aws_sdk_iam::Client::new(&conf));
    // Someone's own parameter at the path drove would use, and a role by drove's name.
    ssm.put_parameter()
        .name(PARAMETER)
        .value("theirs")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put");
    iam.create_role()
        .role_name(ROLE)
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("role");
    let plan = s.drove(&["apply", "stack", "--auto-approve"], Some(&id));
    assert_eq!(plan.code, 1, "{}", plan.out);
    assert!(
        plan.out.contains("E0313") && plan.out.contains("secret.db.yml") && plan.out.contains("role.app"),
        "{}",
        plan.out
    );
    let theirs = ssm.get_parameter().name(PARAMETER).with_decryption(true).send().await.expect("still there");
    assert_eq!(theirs.parameter().and_then(|p| p.value()), Some("theirs"));
    assert!(instances(&m).await.is_empty(), "nothing was launched");
}
