#![cfg(feature = "aws")]
//! `examples/seed`, the seed write-up's whole estate, applied on moto in each of its
//! environments: checked clean, applied, and planned again with no changes. The images
//! (Packer AMIs of the team's own) are swapped for an Amazon Linux image moto serves, and
//! staging's certificate, which the example finds by its name, is requested beforehand.

mod support;

use drove_engine::aws::{aws_sdk_acm, aws_sdk_elasticloadbalancingv2};
use std::path::Path;
use support::moto::Moto;

fn drove(m: &Moto, dir: &Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

/// An issued certificate for staging's name, as the team would have one: requested from
/// moto's ACM, which calls it issued two seconds later.
async fn staging_certificate(m: &Moto) -> String {
    let acm = aws_sdk_acm::Client::new(&m.config(support::REGION).await);
    let out = acm
        .request_certificate()
        .domain_name("staging.toreta.in")
        .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
        .send()
        .await
        .expect("a certificate");
    let arn = out.certificate_arn().expect("arn").to_string();
    for _ in 0..50 {
        let d = acm.describe_certificate().certificate_arn(&arn).send().await.expect("describe");
        if d.certificate().and_then(|c| c.status()) == Some(&aws_sdk_acm::types::CertificateStatus::Issued) {
            return arn;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("moto never issued {arn}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_estate_applies_in_each_environment_and_stays_put() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/seed/stack.drove"))
        .expect("the example");
    assert!(
        seed.contains("image(\"toreta-base-*\")") && seed.contains("image(\"toreta-mysql-*\")"),
        "the example changed"
    );
    let staging_arn = staging_certificate(&m).await;
    let image = "image(\"al2023-ami-2023.*-kernel-6.18-x86_64\", \"137112412989\")";
    let text = seed
        .replace("image(\"toreta-base-*\")", image)
        .replace("image(\"toreta-ruby-*\")", image)
        .replace("image(\"toreta-mysql-*\")", "image(\"al2023-ami-2023.*-kernel-6.18-arm64\", \"137112412989\")");
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
            out.contains("balancer.front.listener.443")
                && out.contains("network.main.subnet.public-c.nat")
                && out.contains("host.db"),
            "{out}"
        );
        let (code, out) = drove(&m, dir.path(), &["plan", "stack", "--env", env, "--detailed-exitcode"]);
        assert_eq!(code, 0, "{env}: no changes after apply:\n{out}");
    }
    // Staging's listener uses the certificate found by its name; production's the one drove
    // requested and validated in the public zone.
    let conf = m.config(support::REGION).await;
    let (elb, acm) = (aws_sdk_elasticloadbalancingv2::Client::new(&conf), aws_sdk_acm::Client::new(&conf));
    let certificate_of = |balancer: &'static str| {
        let elb = elb.clone();
        async move {
            let lb = elb.describe_load_balancers().names(balancer).send().await.expect("balancer");
            let arn = lb.load_balancers()[0].load_balancer_arn().expect("arn").to_string();
            let ls = elb.describe_listeners().load_balancer_arn(arn).send().await.expect("listeners");
            let https = ls.listeners().iter().find(|l| l.port() == Some(443)).expect("an https listener");
            https.certificates()[0].certificate_arn().expect("a certificate").to_string()
        }
    };
    assert_eq!(certificate_of("toreta-staging-front").await, staging_arn);
    let production = certificate_of("toreta-production-front").await;
    let d = acm.describe_certificate().certificate_arn(&production).send().await.expect("describe");
    let d = d.certificate().expect("a certificate");
    assert_eq!(d.domain_name(), Some("toreta.in"));
    assert_eq!(d.status(), Some(&aws_sdk_acm::types::CertificateStatus::Issued));
}
