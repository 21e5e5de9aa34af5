// Each test binary compiles the support modules and uses a part of them.
#![allow(dead_code)]

#[cfg(feature = "aws")]
pub mod moto;
pub mod recorder;

use drove_compiler::model::DesiredState;
use drove_engine::userdata::UserData;
use std::path::Path;
use std::sync::Arc;

/// A network of two public subnets and a firewall `web` open on 443: the ground the
/// instance tests' roles stand on.
pub const NETWORK: &str = "network main {
  cidr = 10.0.0.0/16
  subnet a { cidr = 10.0.1.0/24  zone = a  public = true }
  subnet c { cidr = 10.0.2.0/24  zone = c  public = true }
}
firewall web in main {
  allow tcp 443 from 0.0.0.0/0
}
";

/// One image of moto's ap-northeast-1 catalogue, owned by Amazon (137112412989); moto
/// gives every image the same creation date, so the pattern pins one.
pub const MOTO_IMAGE: &str = "al2023-ami-2023.*-kernel-6.18-x86_64";

fn analyze_data(name: &str) -> drove_compiler::analysis::Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    let text = std::fs::read_to_string(&path).expect("the stack file");
    let analysis = drove_compiler::analyze(&drove_compiler::source::Sources::single(&path, text));
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    analysis
}

/// A stack file of tests/data, compiled; any error fails the test.
pub fn compile_data(name: &str) -> DesiredState {
    drove_compiler::compile::compile(&analyze_data(name)).expect("the stack compiles")
}

/// A stack file of tests/data with secret-free user data: compiled, and the renderer the
/// engine launches its instances with.
pub fn compile_data_with_user_data(name: &str) -> (DesiredState, Arc<UserData>) {
    let a = analyze_data(name);
    let d = drove_compiler::compile::compile(&a).expect("the stack compiles");
    let no_keys = || Ok(drove_compiler::secrets::Keyring::from_identities(Vec::new()));
    let ud = UserData::open(d.user_data(), d.sealed(), no_keys).expect("user data without secrets needs no key");
    (d, Arc::new(ud))
}

/// Plans and applies `d` through the session with `opts`, confirming; any failed change
/// fails the test.
#[cfg(feature = "aws")]
pub async fn apply_with(
    s: &drove_engine::session::Session,
    d: &DesiredState,
    opts: &drove_engine::apply::ApplyOptions,
) -> drove_engine::plan::Plan {
    let (plan, report) = s
        .apply(Some(d), None, &drove_engine::plan::PlanOptions::default(), opts, &|_| true, &|_| {})
        .await
        .expect("apply runs")
        .expect("confirmed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    plan
}

/// `apply_with` the default options.
#[cfg(feature = "aws")]
pub async fn apply(s: &drove_engine::session::Session, d: &DesiredState) -> drove_engine::plan::Plan {
    apply_with(s, d, &drove_engine::apply::ApplyOptions::default()).await
}
