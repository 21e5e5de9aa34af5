//! `drove import aws` adopting load balancers on moto: an application load balancer made
//! through the SDK (named by its owners, an HTTP listener redirecting to HTTPS, an HTTPS
//! listener forwarding to a target group of two instances) comes back as a `balancer`
//! that `drove check` passes, adopted with its target group, listeners and registrations,
//! so the first plan changes nothing; one whose listener answers with a fixed response,
//! and one whose declaration `drove check` refuses, are left out with a note naming why.

mod support;

use drove_engine::aws::aws_sdk_acm as acm;
use drove_engine::aws::aws_sdk_ec2 as ec2;
use drove_engine::aws::aws_sdk_elasticloadbalancingv2 as elb;
use ec2::types::{IpRange, ResourceType, UserIdGroupPair};
use elb::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, LoadBalancerSchemeEnum, Matcher, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum, TargetDescription, TargetGroupAttribute,
};
use serde_json::Value;
use std::path::Path;
use support::ec2::{an_image, group, launch, subnet, tagged, tcp, vpc};
use support::moto::Moto;
use support::{drove, runtime, REGION};

/// What the test makes, by what it is.
struct Made {
    balancer: String,
    group: String,
    listeners: Vec<(u16, String)>,
    app: Vec<String>,
    certificate: String,
}

async fn issued_certificate(acm: &acm::Client) -> String {
    let out = acm
        .request_certificate()
        .domain_name("shop.example")
        .validation_method(acm::types::ValidationMethod::Dns)
        .send()
        .await
        .unwrap();
    let arn = out.certificate_arn().unwrap().to_string();
    for _ in 0..50 {
        let d = acm.describe_certificate().certificate_arn(&arn).send().await.unwrap();
        if d.certificate().and_then(|c| c.status()) == Some(&acm::types::CertificateStatus::Issued) {
            return arn;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("moto never issued {arn}");
}

/// Two public subnets routed to an internet gateway, a firewall for the balancers and one
/// for the instances, and two instances of role `app` (by their `Role` tag).
/// Returns (subnets, the balancers' group, a group open to nothing, instances).
async fn network(client: &ec2::Client) -> (Vec<String>, String, String, Vec<String>) {
    let net = vpc(client, "10.50.0.0/16", &[("Name", "edge")]).await;
    let a = subnet(client, &net, "10.50.1.0/24", "ap-northeast-1a", true, &[("Name", "edge-public-a")]).await;
    let c = subnet(client, &net, "10.50.2.0/24", "ap-northeast-1c", true, &[("Name", "edge-public-c")]).await;
    let igw = client
        .create_internet_gateway()
        .tag_specifications(tagged(ResourceType::InternetGateway, &[("Name", "edge")]))
        .send()
        .await
        .unwrap();
    let igw = igw.internet_gateway().unwrap().internet_gateway_id().unwrap().to_string();
    client.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&net).send().await.unwrap();
    let table = client.create_route_table().vpc_id(&net).send().await.unwrap();
    let table = table.route_table().unwrap().route_table_id().unwrap().to_string();
    client
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    for s in [&a, &c] {
        client.associate_route_table().route_table_id(&table).subnet_id(s).send().await.unwrap();
    }
    let lb = group(client, &net, "shop-lb", "drove firewall lb", &[("Name", "lb")]).await;
    let closed = group(client, &net, "shop-closed", "drove firewall closed", &[("Name", "closed")]).await;
    let app = group(client, &net, "shop-app", "drove firewall app", &[("Name", "app")]).await;
    let anywhere = || IpRange::builder().cidr_ip("0.0.0.0/0").build();
    client
        .authorize_security_group_ingress()
        .group_id(&lb)
        .ip_permissions(tcp(80).ip_ranges(anywhere()).build())
        .ip_permissions(tcp(443).ip_ranges(anywhere()).build())
        .send()
        .await
        .unwrap();
    client
        .authorize_security_group_ingress()
        .group_id(&app)
        .ip_permissions(tcp(8080).user_id_group_pairs(UserIdGroupPair::builder().group_id(&lb).build()).build())
        .send()
        .await
        .unwrap();
    let (image, _) = an_image(client).await;
    let instances = vec![
        launch(client, &image, &a, &[&app], false, &[("Name", "app-0"), ("Role", "app")]).await,
        launch(client, &image, &c, &[&app], false, &[("Name", "app-1"), ("Role", "app")]).await,
    ];
    (vec![a, c], lb, closed, instances)
}

fn to_https() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Redirect)
        .redirect_config(
            RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build()
}

fn forward(group: &str) -> Action {
    Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn(group).build()
}

async fn http_listener(client: &elb::Client, balancer: &str, action: Action) -> String {
    let out = client
        .create_listener()
        .load_balancer_arn(balancer)
        .port(80)
        .protocol(ProtocolEnum::Http)
        .default_actions(action)
        .send()
        .await
        .unwrap();
    out.listeners()[0].listener_arn().unwrap().to_string()
}

/// An application load balancer as its owners made it: `legacy-web`, redirecting HTTP to
/// HTTPS, forwarding HTTPS to `legacy-web-app` (port 8080, `/health`), both instances in
/// it; `odd`, whose only listener answers with a fixed response; and `closed`, whose
/// firewall closes the port it listens on, which `drove check` refuses.
async fn balancers(
    conf: &drove_engine::aws::aws_config::SdkConfig,
    subnets: &[String],
    (lb, closed): (&str, &str),
    app: &[String],
) -> Made {
    let client = elb::Client::new(conf);
    let certificate = issued_certificate(&acm::Client::new(conf)).await;
    let create = |name: &str, group: &str| {
        client
            .create_load_balancer()
            .name(name)
            .scheme(LoadBalancerSchemeEnum::InternetFacing)
            .set_subnets(Some(subnets.to_vec()))
            .security_groups(group)
            .send()
    };
    let out = create("legacy-web", lb).await.unwrap();
    let balancer = out.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    let vpc = out.load_balancers()[0].vpc_id().unwrap().to_string();
    let group = client
        .create_target_group()
        .name("legacy-web-app")
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .health_check_protocol(ProtocolEnum::Http)
        .health_check_path("/health")
        .health_check_interval_seconds(30)
        .healthy_threshold_count(3)
        .unhealthy_threshold_count(3)
        .matcher(Matcher::builder().http_code("200").build())
        .send()
        .await
        .unwrap();
    let group = group.target_groups()[0].target_group_arn().unwrap().to_string();
    client
        .modify_target_group_attributes()
        .target_group_arn(&group)
        .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value("30").build())
        .send()
        .await
        .unwrap();
    let mut register = client.register_targets().target_group_arn(&group);
    for i in app {
        register = register.targets(TargetDescription::builder().id(i).port(8080).build());
    }
    register.send().await.unwrap();
    let http = http_listener(&client, &balancer, to_https()).await;
    let https = client
        .create_listener()
        .load_balancer_arn(&balancer)
        .port(443)
        .protocol(ProtocolEnum::Https)
        .certificates(Certificate::builder().certificate_arn(&certificate).build())
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .default_actions(forward(&group))
        .send()
        .await
        .unwrap();
    let https = https.listeners()[0].listener_arn().unwrap().to_string();

    let odd = create("odd", lb).await.unwrap();
    let odd = odd.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    let fixed = Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(FixedResponseActionConfig::builder().status_code("503").build())
        .build();
    http_listener(&client, &odd, fixed).await;
    let shut = create("closed", closed).await.unwrap();
    http_listener(&client, shut.load_balancers()[0].load_balancer_arn().unwrap(), to_https()).await;
    Made { balancer, group, listeners: vec![(80, http), (443, https)], app: app.to_vec(), certificate }
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn state_of(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("drove.state.json")).unwrap()).unwrap()
}

#[test]
fn a_balancer_is_imported_with_its_targets_and_the_first_plan_is_clean() {
    let Some(moto) = Moto::start() else { return };
    let rt = runtime();
    let conf = rt.block_on(moto.config(REGION));
    let ec2c = ec2::Client::new(&conf);
    let made = rt.block_on(async {
        let (subnets, lb, closed, app) = network(&ec2c).await;
        balancers(&conf, &subnets, (&lb, &closed), &app).await
    });

    let tmp = tempfile::tempdir().unwrap();
    // A balancer asked for by name is imported whole, or nothing is.
    let asked = tmp.path().join("asked");
    let asked_arg = asked.display().to_string();
    for (balancer, why) in [
        (
            "odd",
            "load balancer odd cannot be imported whole: its listener on port 80 answers with a fixed-response action",
        ),
        ("closed", "load balancer closed cannot be imported whole: drove check refuses its declaration"),
        ("nope", "no load balancer is named nope in the imported VPCs"),
    ] {
        let args =
            ["import", "aws", "--network", "edge", "--stack", "shop", "--balancer", balancer, "--out", &asked_arg];
        let run = drove(&moto, tmp.path(), &args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(&format!("drove: {why}")), "{}", run.stderr);
        assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
        assert!(!asked.join("main.drove").exists() && !asked.join("drove.state.json").exists());
    }

    let dir = tmp.path().join("shop");
    let dir_arg = dir.display().to_string();
    let run = drove(&moto, tmp.path(), &["import", "aws", "--network", "edge", "--stack", "shop", "--out", &dir_arg]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("note: load balancer odd left out: its listener on port 80 answers with a fixed-response action"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "note: load balancer closed left out: drove check refuses its declaration `balancer closed`: balancer \
             `closed` listens on port 80 but its firewall closes it [E0233]"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 load balancer(s)"), "{}", run.stderr);
    let source = std::fs::read_to_string(dir.join("main.drove")).unwrap();
    let expected = format!(
        "balancer legacy-web in edge {{ name = \"legacy-web\" subnets = [edge.public-a, edge.public-c] firewall = [lb] \
         certificate = \"{}\" listen 80 http redirect 443 listen 443 https forward app target app {{ \
         name = \"legacy-web-app\" hosts = [app] port = 8080 health_path = \"/health\" health_codes = \"200\" \
         health_interval = 30s deregistration_delay = 30s }} }}",
        made.certificate
    );
    assert!(flat(&source).contains(&expected), "missing `{expected}` in:\n{source}");
    assert!(!source.contains("balancer odd") && !source.contains("balancer closed"), "{source}");

    let check = drove(&moto, &dir, &["check", "."]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let plan = drove(&moto, &dir, &["plan", ".", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    for c in plan["changes"].as_array().expect("changes").iter().filter(|c| c["action"] != "no-op") {
        assert!(c["action"] == "update" && c["claim"] == true && c.get("diffs").is_none(), "{c}");
    }
    let apply = drove(&moto, &dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let plan = drove(&moto, &dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);

    let state = state_of(&dir);
    let res = &state["resources"];
    assert_eq!(res["balancer.legacy-web"]["id"], made.balancer.as_str());
    assert_eq!(res["balancer.legacy-web.target.app"]["id"], made.group.as_str());
    for (port, arn) in &made.listeners {
        assert_eq!(res[format!("balancer.legacy-web.listener.{port}")]["id"], arn.as_str(), "{port}");
    }
    for (i, id) in made.app.iter().enumerate() {
        let address = format!("balancer.legacy-web.target.app/hosts.app[{i}]");
        assert_eq!(res[&address]["id"], format!("{}|{id}|8080", made.group), "{address}");
    }
    assert!(!res.as_object().unwrap().keys().any(|k| k.contains("odd") || k.starts_with("balancer.closed")));
}
