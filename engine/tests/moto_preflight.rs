#![cfg(feature = "aws")]
//! The plan's pre-flight checks against moto, through the real SDK: what RunInstances
//! would refuse on AWS (moto launches all of it) stops the plan, and an apply, before
//! anything is created. moto's images are Amazon Linux 2023 in both architectures, each
//! with a 15 GiB root snapshot; its offerings data leaves t3a types out of
//! ap-northeast-1c.

mod support;

use drove_compiler::model::DesiredState;
use drove_engine::aws::aws_sdk_ec2;
use drove_engine::error::codes;
use drove_engine::plan::PlanOptions;
use drove_engine::session::Session;
use drove_engine::EngineError;
use support::moto::Moto;
use support::NETWORK;

const REGION: &str = "ap-northeast-1";
const X86_IMAGE: &str = "al2023-ami-2023.*-kernel-6.18-x86_64";
const ARM_IMAGE: &str = "al2023-ami-2023.*-kernel-6.18-arm64";

/// Two hosts of one role, the first in subnet `a`, the second in `c`.
fn source(image: &str, instance_type: &str, disk: &str) -> String {
    format!(
        r#"stack shop {{ region = "{REGION}" }}
{NETWORK}role app {{
  image = image("{image}", "137112412989")
  type = {instance_type}
  firewall = [web]
  {disk}
}}
hosts app {{ role = app  count = 2  subnets = [main.a, main.c] }}
"#
    )
}

fn compile(text: &str) -> DesiredState {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    drove_compiler::compile::compile(&a).expect("compiles")
}

struct Fixture {
    m: Moto,
    dir: tempfile::TempDir,
    ec2: aws_sdk_ec2::Client,
}

impl Fixture {
    async fn start() -> Option<Fixture> {
        let m = Moto::start()?;
        let ec2 = aws_sdk_ec2::Client::new(&m.config(REGION).await);
        Some(Fixture { m, dir: tempfile::tempdir().unwrap(), ec2 })
    }

    async fn session(&self, d: &DesiredState) -> Session {
        Session::with_config(d, self.dir.path(), &self.m.config(REGION).await).expect("session")
    }

    /// An apply of `text` that the plan must refuse; its errors, first and the rest.
    async fn refused(&self, text: &str) -> Vec<EngineError> {
        let d = compile(text);
        let s = self.session(&d).await;
        let opts = drove_engine::apply::ApplyOptions::default();
        let e = s
            .apply(Some(&d), None, &PlanOptions::default(), &opts, &|_| true, &|_| {})
            .await
            .err()
            .unwrap_or_else(|| panic!("the apply of this stack went ahead:\n{text}"));
        let mut all = vec![e.clone()];
        all.extend(e.also);
        all
    }

    /// What moto holds: VPCs and instances (it has no default VPC in this region).
    async fn created(&self) -> (usize, usize) {
        let vpcs = self
            .ec2
            .describe_vpcs()
            .send()
            .await
            .unwrap()
            .vpcs()
            .iter()
            .filter(|v| !v.is_default().unwrap_or(false))
            .count();
        let instances = self.ec2.describe_instances().send().await.unwrap().reservations().len();
        (vpcs, instances)
    }
}

fn places(errors: &[EngineError]) -> Vec<(&'static str, String, Option<&'static str>)> {
    errors
        .iter()
        .map(|e| {
            let at = e.at.as_ref().expect("a pre-flight error names its resource");
            (e.code, at.address.clone(), at.attribute)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_x86_image_on_an_arm64_type_is_refused_before_anything_is_created() {
    let Some(f) = Fixture::start().await else { return };
    let errors = f.refused(&source(X86_IMAGE, "t4g.micro", "disk = 20GiB")).await;
    assert_eq!(
        places(&errors),
        [
            (codes::IMAGE_ARCH, "hosts.app[0]".to_string(), Some("image")),
            (codes::IMAGE_ARCH, "hosts.app[1]".to_string(), Some("image")),
        ]
    );
    assert!(errors[0].message.contains("is built for x86_64, but t4g.micro is arm64"), "{}", errors[0].message);
    assert_eq!(f.created().await, (0, 0), "nothing may be created");

    // And the other way round.
    let errors = f.refused(&source(ARM_IMAGE, "t3.micro", "disk = 20GiB")).await;
    assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), [codes::IMAGE_ARCH, codes::IMAGE_ARCH]);
    assert!(errors[0].message.contains("is built for arm64, but t3.micro is x86_64"), "{}", errors[0].message);
    assert_eq!(f.created().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_not_offered_in_the_subnets_zone_is_refused() {
    let Some(f) = Fixture::start().await else { return };
    // moto offers t3a.micro in ap-northeast-1a and not in ap-northeast-1c: only the host
    // placed in subnet `c` is refused.
    let errors = f.refused(&source(X86_IMAGE, "t3a.micro", "disk = 20GiB")).await;
    assert_eq!(places(&errors), [(codes::TYPE_NOT_OFFERED, "hosts.app[1]".to_string(), Some("instance_type"))]);
    assert!(errors[0].message.contains("t3a.micro is not offered in ap-northeast-1c"), "{}", errors[0].message);
    assert_eq!(f.created().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_smaller_than_the_image_snapshot_is_refused() {
    let Some(f) = Fixture::start().await else { return };
    // No `disk`: the default 8 GiB, under moto's 15 GiB snapshots.
    let errors = f.refused(&source(X86_IMAGE, "t3.micro", "")).await;
    assert_eq!(
        places(&errors),
        [
            (codes::DISK_TOO_SMALL, "hosts.app[0]".to_string(), Some("root_volume")),
            (codes::DISK_TOO_SMALL, "hosts.app[1]".to_string(), Some("root_volume")),
        ]
    );
    assert!(
        errors[0].message.contains("root volume of 8 GiB is smaller than the 15 GiB snapshot"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].help.as_deref(), Some("give the role `disk = 15GiB` or more"));
    assert_eq!(f.created().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_problem_is_reported_at_once_and_a_sound_stack_plans() {
    let Some(f) = Fixture::start().await else { return };
    let errors = f.refused(&source(X86_IMAGE, "t4g.micro", "disk = 10GiB")).await;
    let mut codes_seen: Vec<&str> = errors.iter().map(|e| e.code).collect();
    codes_seen.sort();
    assert_eq!(codes_seen, [codes::IMAGE_ARCH, codes::IMAGE_ARCH, codes::DISK_TOO_SMALL, codes::DISK_TOO_SMALL]);

    // The arm64 image on the arm64 type, in zones that offer it, on a disk large enough.
    let d = compile(&source(ARM_IMAGE, "t4g.micro", "disk = 15GiB"));
    let s = f.session(&d).await;
    let plan = s.plan(&d, &PlanOptions::default()).await.expect("the plan holds");
    assert_eq!(plan.summary.create, d.resources.len());
    let requests = s.requests();
    assert_eq!(requests.of("EC2", "DescribeInstanceTypeOfferings"), 2, "one call per availability zone: {requests:?}");
}
