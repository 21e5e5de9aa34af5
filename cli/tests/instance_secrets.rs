#![cfg(feature = "aws")]
//! Secrets in user data, end to end through the `drove` binary against moto: the plaintext
//! reaches the instance and nothing else (plan output in every format, the saved plan, the
//! state, the progress log); no key, a wrong key and an altered ciphertext each stop the
//! command before anything is launched.

#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use age::secrecy::ExposeSecret as _;
use drove_compiler::secrets::{declaration, encrypt, new_hash_key, Encryption, HASH_KEY_NAME};
use drove_engine::aws::aws_sdk_ec2;
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
}

impl Stack {
    fn new(m: &Moto, tamper: bool) -> Stack {
        let dir = tempfile::tempdir().expect("temp dir");
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![me.to_public()]);
        let mut secret = encrypt(PLAINTEXT.as_bytes(), &to).expect("encrypt");
        if tamper {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            let mut bytes = b64.decode(&secret).expect("base64");
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            secret = b64.encode(bytes);
        }
        let hash_key = encrypt(new_hash_key().expose_secret(), &to).expect("encrypt");
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
            declaration(HASH_KEY_NAME, &hash_key),
        );
        std::fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("home")).expect("mkdir");
        std::fs::write(dir.path().join("stack/main.drove"), text).expect("write");
        std::fs::write(dir.path().join("identity.txt"), format!("{}\n", me.to_string().expose_secret()))
            .expect("write");
        Stack { dir, endpoint: m.endpoint() }
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
