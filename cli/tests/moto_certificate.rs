#![cfg(feature = "aws")]
//! A certificate drove requests, end to end through the `drove` binary against moto:
//! requested with DNS validation, its validation record written into the stack's zone
//! (which, saying `unmanaged = delete`, must still know that record as drove's), the HTTPS
//! listener created only once ACM issued it; a record removed by hand is written again;
//! destroy removes the records and the certificate.

mod support;

use drove_engine::aws::{aws_sdk_acm as acm, aws_sdk_elasticloadbalancingv2 as elb, aws_sdk_route53};
use support::moto::Moto;
use support::REGION;

const STACK: &str = r#"stack shop { region = "ap-northeast-1" }
network main {
  cidr = 10.0.0.0/16
  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet public-c { cidr = 10.0.2.0/24  zone = c  public = true }
}
firewall lb in main {
  allow tcp 443 from 0.0.0.0/0
}
certificate site {
  domain = "shop.example"
  names  = ["*.shop.example", "api.shop.example"]
}
balancer web in main {
  subnets     = [main.public-a, main.public-c]
  firewall    = [lb]
  certificate = certificate.site
  listen 443 https forward app
  target app {
    hosts = []
    port  = 3000
  }
}
zone "shop.example." {
  unmanaged = delete
  www A alias balancer.web
}
"#;

fn drove(m: &Moto, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let run = support::drove(m, dir, args);
    (run.code, format!("{}{}", run.stdout, run.stderr))
}

/// The zone's CNAME records, as `(name, value)`.
async fn cnames(r53: &aws_sdk_route53::Client) -> Vec<(String, String)> {
    let zones = r53.list_hosted_zones().send().await.expect("zones");
    let zone = zones.hosted_zones().iter().find(|z| z.name() == "shop.example.").expect("zone").id().to_string();
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.expect("records");
    sets.resource_record_sets()
        .iter()
        .filter(|r| r.r#type().as_str() == "CNAME")
        .map(|r| (r.name().to_string(), r.resource_records()[0].value().to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_certificate_is_validated_in_the_zone_before_the_listener_uses_it() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("stack/main.drove");
    std::fs::create_dir_all(main.parent().expect("dir")).expect("mkdir");
    std::fs::write(&main, STACK).expect("write");
    let run = |args: &[&str]| drove(&m, dir.path(), args);
    let conf = m.config(REGION).await;
    let (lbs, r53, certs) = (elb::Client::new(&conf), aws_sdk_route53::Client::new(&conf), acm::Client::new(&conf));

    let (code, out) = run(&["plan", "stack"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("certificate.site") && out.contains("certificate.site.validation"), "{out}");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");

    let listed = certs.list_certificates().send().await.expect("certificates");
    let arn = listed.certificate_summary_list()[0].certificate_arn().expect("arn").to_string();
    let d = certs.describe_certificate().certificate_arn(&arn).send().await.expect("describe");
    let d = d.certificate().expect("a certificate");
    assert_eq!(d.domain_name(), Some("shop.example"));
    let mut names = d.subject_alternative_names().to_vec();
    names.sort();
    assert_eq!(names, ["*.shop.example", "api.shop.example", "shop.example"]);
    assert_eq!(d.status(), Some(&acm::types::CertificateStatus::Issued));
    let tags = certs.list_tags_for_certificate().certificate_arn(&arn).send().await.expect("tags");
    assert!(tags.tags().iter().any(|t| t.key() == "drove:address" && t.value() == Some("certificate.site")));

    // ACM asks one record per name (a wildcard shares its base name's): each is in the zone.
    let asked: std::collections::BTreeSet<(String, String)> = d
        .domain_validation_options()
        .iter()
        .filter_map(|o| o.resource_record())
        .map(|r| (r.name().to_string(), r.value().to_string()))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    let written: std::collections::BTreeSet<(String, String)> = cnames(&r53).await.into_iter().collect();
    assert_eq!(written, asked);

    let lb = lbs.describe_load_balancers().names("shop-web").send().await.expect("balancer");
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().expect("arn").to_string();
    let ls = lbs.describe_listeners().load_balancer_arn(&lb_arn).send().await.expect("listeners");
    assert_eq!(ls.listeners()[0].certificates()[0].certificate_arn(), Some(arn.as_str()));

    // The zone deletes what it does not declare, but the validation records are drove's.
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "no changes after apply:\n{out}");

    // A validation record deleted by hand is written again.
    let zones = r53.list_hosted_zones().send().await.expect("zones");
    let zone = zones.hosted_zones().iter().find(|z| z.name() == "shop.example.").expect("zone").id().to_string();
    let (name, value) = written.iter().next().expect("a record").clone();
    let record = aws_sdk_route53::types::ResourceRecordSet::builder()
        .name(&name)
        .r#type(aws_sdk_route53::types::RrType::Cname)
        .ttl(300)
        .resource_records(aws_sdk_route53::types::ResourceRecord::builder().value(&value).build().expect("rr"))
        .build()
        .expect("set");
    let change = aws_sdk_route53::types::Change::builder()
        .action(aws_sdk_route53::types::ChangeAction::Delete)
        .resource_record_set(record)
        .build()
        .expect("change");
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(aws_sdk_route53::types::ChangeBatch::builder().changes(change).build().expect("batch"))
        .send()
        .await
        .expect("deleted by hand");
    let (code, out) = run(&["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("certificate.site.validation"), "{out}");
    let (code, out) = run(&["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(cnames(&r53).await.into_iter().collect::<std::collections::BTreeSet<_>>(), asked);

    let (code, out) = run(&["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let left = certs.list_certificates().send().await.expect("certificates");
    assert!(left.certificate_summary_list().is_empty(), "the certificate is deleted");
}
