#![cfg(feature = "aws")]
//! The plan's pre-flight errors through the `drove` binary against moto: shown as
//! diagnostics at the host's declaration with the role's attribute as the second place,
//! like `drove check`'s, and nothing applied.

#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use moto::Moto;
use std::process::Command;

const STACK: &str = r#"stack shop {
  region = "ap-northeast-1"
  state  = local("drove.state.json")
}
network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a }
}
role db {
  image = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type  = r6g.large
  disk  = 20GiB
}
host db { role = db  subnet = main.a }
"#;

fn drove(m: &Moto, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_drove"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", m.endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("drove runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_architecture_mismatch_points_at_the_host_and_the_role_image() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.drove"), STACK).expect("write");
    for args in [&["plan", "."][..], &["apply", ".", "--auto-approve"][..]] {
        let (code, out) = drove(&m, dir.path(), args);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("[E0420] Error: host.db: image ami-"), "{out}");
        assert!(out.contains("is built for x86_64, but r6g.large is arm64"), "{out}");
        // ariadne's location line and both labels.
        assert!(out.contains("main.drove:14:6"), "{out}");
        assert!(out.contains("the image of role `db`"), "{out}");
        assert!(out.contains("Help: use an image pattern that matches only arm64 images"), "{out}");
        // Nothing started: the apply reports every operation it starts as `ADDRESS: creating…`.
        assert!(!out.contains("creating"), "{out}");
    }
    let ec2 = drove_engine::aws::aws_sdk_ec2::Client::new(&m.config("ap-northeast-1").await);
    let vpcs = ec2.describe_vpcs().send().await.expect("describe");
    assert!(vpcs.vpcs().iter().all(|v| v.is_default() == Some(true)), "{vpcs:?}");
}
