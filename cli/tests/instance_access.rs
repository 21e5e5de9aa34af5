#![cfg(feature = "aws")]
//! A role's `access { … }` block end to end through the `drove` binary against moto: the
//! hosts launch with the role's instance profile, the policy IAM holds is read back and
//! compared with what the declaration says, an edit of the block updates the policy in
//! place, and a statement added by hand is shown and taken away.

mod support;

use drove_engine::aws::{aws_sdk_ec2, aws_sdk_iam};
use serde_json::{json, Value};
use support::moto::Moto;

use support::REGION;
const ROLE: &str = "drove-shop-app";
const ACCOUNT: &str = "${aws:PrincipalAccount}";

fn stack(access: &str) -> String {
    format!(
        r#"stack shop {{ region = "{REGION}" }}
network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a  public = true }}
}}
role app {{
  image = image("al2023-ami-2023.*-kernel-6.18-x86_64", "137112412989")
  type  = t3.micro
  disk  = 16GiB
  access {{
{access}
  }}
}}
hosts app {{ role = app  count = 1  subnets = [main.a] }}
"#
    )
}

/// `drove ARGS` in `dir` against moto: its exit code and everything it printed.
fn drove(m: &Moto, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

/// drove's policy on the role, URL-decoded, its statements sorted so they compare as sets.
async fn statements(iam: &aws_sdk_iam::Client) -> Vec<Value> {
    let doc = iam.get_role_policy().role_name(ROLE).policy_name("drove").send().await.expect("policy");
    let text = percent_encoding::percent_decode_str(&doc.policy_document).decode_utf8_lossy().into_owned();
    let policy: Value = serde_json::from_str(&text).expect("policy JSON");
    sorted(policy["Statement"].as_array().expect("statements").clone())
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|s| s.to_string());
    v
}

fn allow(actions: &[&str], resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resource})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_iam_holds_is_what_the_access_block_declares() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    let run = |args: &[&str]| drove(&m, dir.path(), args);
    let conf = m.config(REGION).await;
    let (iam, ec2) = (aws_sdk_iam::Client::new(&conf), aws_sdk_ec2::Client::new(&conf));

    std::fs::write(
        &main,
        stack("    s3 \"shop-logs/app/*\" write\n    s3 \"shop-assets/static/*\" read\n    logs \"/shop/app\" write"),
    )
    .expect("write");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let logs = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/shop/app");
    assert_eq!(
        statements(&iam).await,
        sorted(vec![
            allow(&["s3:AbortMultipartUpload", "s3:PutObject"], "arn:aws:s3:::shop-logs/app/*"),
            allow(&["s3:GetObject"], "arn:aws:s3:::shop-assets/static/*"),
            json!({"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::shop-assets",
                   "Condition": {"StringLike": {"s3:prefix": ["static/*"]}}}),
            allow(&["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"], &logs),
            allow(&["logs:PutLogEvents"], &format!("{logs}:log-stream:*")),
        ])
    );
    let profile = iam.get_instance_profile().instance_profile_name(ROLE).send().await.expect("profile");
    let profile_arn = profile.instance_profile().map(|p| p.arn().to_string()).expect("arn");
    let described = ec2.describe_instances().send().await.expect("describe");
    let launched: Vec<Option<String>> = described
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| i.iam_instance_profile().and_then(|p| p.arn()).map(str::to_string))
        .collect();
    assert_eq!(launched, [Some(profile_arn)], "the host runs with the role's profile");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "no changes after apply:\n{out}");

    // A narrower block updates the policy in place: the role and the host stay.
    std::fs::write(&main, stack("    s3 \"shop-logs/app/*\" write")).expect("write");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("role.app") && !out.contains("must be replaced"), "{out}");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let only_logs = vec![allow(&["s3:AbortMultipartUpload", "s3:PutObject"], "arn:aws:s3:::shop-logs/app/*")];
    assert_eq!(statements(&iam).await, only_logs);

    // A statement added by hand is drift: shown, then taken away by the apply.
    let wide = json!({"Version": "2012-10-17", "Statement": [
        allow(&["s3:AbortMultipartUpload", "s3:PutObject"], "arn:aws:s3:::shop-logs/app/*"),
        allow(&["s3:*"], "*"),
    ]});
    iam.put_role_policy()
        .role_name(ROLE)
        .policy_name("drove")
        .policy_document(wide.to_string())
        .send()
        .await
        .expect("hand edit");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("s3:*"), "the widened statement shows:\n{out}");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(statements(&iam).await, only_logs);

    let (code, out) = run(&["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    assert!(iam.get_role().role_name(ROLE).send().await.is_err(), "the role is gone");
}
