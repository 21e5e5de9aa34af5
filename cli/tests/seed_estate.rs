#![cfg(feature = "aws")]
//! `examples/seed`, the seed write-up's whole estate, applied on moto in each of its
//! environments: checked clean, applied, and planned again with no changes. Two things
//! moto cannot have as the example names them are swapped: the images (Packer AMIs of
//! the team's own) for an Amazon Linux image moto serves, and the certificate ARN for
//! one requested from moto's ACM.

mod support;

use std::path::Path;
use support::moto::Moto;

fn drove(m: &Moto, dir: &Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

/// A certificate from moto's ACM, requested through boto3 (drove does not link ACM).
fn certificate(m: &Moto) -> String {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let script = format!(
        "import boto3; c = boto3.client('acm', region_name='{}', endpoint_url='{}', \
         aws_access_key_id='t', aws_secret_access_key='t'); \
         print(c.request_certificate(DomainName='www.toreta.in', ValidationMethod='DNS')['CertificateArn'])",
        support::REGION,
        m.endpoint()
    );
    let out = std::process::Command::new(python).args(["-c", &script]).output().expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_seed_estate_applies_in_each_environment_and_stays_put() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/seed/stack.drove"))
        .expect("the example");
    let declared = "arn:aws:acm:ap-northeast-1:123456789012:certificate/0b5e6f1c-toreta-in";
    assert!(seed.contains(declared) && seed.contains("image(\"toreta-base-*\")"), "the example changed");
    let image = "image(\"al2023-ami-2023.*-kernel-6.18-x86_64\", \"137112412989\")\n  disk = 16GiB";
    let text = seed
        .replace(declared, &certificate(&m))
        .replace("image(\"toreta-base-*\")", image)
        .replace("image(\"toreta-ruby-*\")", image);
    std::fs::create_dir_all(dir.path().join("stack")).expect("mkdir");
    std::fs::write(dir.path().join("stack/stack.drove"), text).expect("write");

    let (code, out) = drove(&m, dir.path(), &["check", "stack"]);
    assert_eq!(code, 0, "{out}");
    for env in ["staging", "production"] {
        let (code, out) = drove(&m, dir.path(), &["init", "stack", "--env", env]);
        assert_eq!(code, 0, "{out}");
        let (code, out) = drove(&m, dir.path(), &["apply", "stack", "--env", env, "--auto-approve"]);
        assert_eq!(code, 0, "{env}: {out}");
        assert!(
            out.contains("balancer.front.listener.443") && out.contains("network.main.subnet.public-c.nat"),
            "{out}"
        );
        let (code, out) = drove(&m, dir.path(), &["plan", "stack", "--env", env, "--detailed-exitcode"]);
        assert_eq!(code, 0, "{env}: no changes after apply:\n{out}");
    }
}
