//! The source's `moved` declarations against the in-memory provider: the plan moves the
//! state's resources to their new addresses and touches nothing, carries the moves, the
//! apply writes them; a move already applied is left alone, one with nothing to move
//! fails at its declaration.

use drove_compiler::model::DesiredState;
use drove_engine::apply::{apply, ApplyOptions};
use drove_engine::error::codes;
use drove_engine::plan::{plan, Action, Plan, PlanOptions};
use drove_engine::provider::memory::MemoryProvider;
use drove_engine::provider::Provider;
use drove_engine::state::{Backend, LocalBackend};
use std::sync::Arc;

/// The stack with its firewall, hosts group and subnet named as given, and `extra` after.
fn source(firewall: &str, group: &str, subnet: &str, extra: &str) -> String {
    // A security group's name and description cannot change: a renamed firewall keeps them.
    format!(
        r#"stack shop {{ region = "ap-northeast-1" }}
network main {{
  cidr = 10.0.0.0/16
  subnet {subnet} {{ cidr = 10.0.1.0/24  zone = a  public = true }}
}}
firewall {firewall} in main {{
  group_name  = "shop-web"
  description = "drove firewall web"
  allow tcp 22 from 198.51.100.0/24
}}
role app {{ image = image("base-*")  type = t3.micro  firewall = [{firewall}] }}
hosts {group} {{ role = app  count = 2  subnets = [main.{subnet}] }}
{extra}"#
    )
}

fn compile(text: &str) -> DesiredState {
    let a = drove_compiler::analyze(&drove_compiler::source::Sources::single("main.drove", text));
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    drove_compiler::compile::compile(&a).expect("compiles")
}

const MOVES: &str = "moved {\n  from = firewall.web\n  to   = firewall.office\n}\n\
moved {\n  from = hosts.app\n  to   = hosts.worker\n}\n\
moved {\n  from = network.main.subnet.public-a\n  to   = network.main.subnet.front\n}\n";

struct Run {
    _dir: tempfile::TempDir,
    backend: LocalBackend,
    cloud: Arc<MemoryProvider>,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path().join("state.json"), "shop");
        let cloud = MemoryProvider::new();
        cloud.add_image("ami-1", "base-1", "2026-01-01T00:00:00Z");
        Run { _dir: dir, backend, cloud: Arc::new(cloud) }
    }

    async fn plan(&self, d: &DesiredState) -> drove_engine::Result<Plan> {
        let st = self.backend.read().await?;
        plan(d, st.as_ref(), self.cloud.as_ref(), &PlanOptions::default()).await
    }

    async fn apply(&self, pl: &Plan) {
        let st = self.backend.read().await.expect("state reads");
        let prov: Arc<dyn Provider> = self.cloud.clone();
        let rep = apply(pl, st, &self.backend, prov, &ApplyOptions::default(), &|_| {}).await.expect("apply runs");
        assert!(rep.failed.is_empty(), "failures: {:?}", rep.failed);
    }
}

fn touches_nothing(pl: &Plan) {
    let bad: Vec<_> = pl
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Replace | Action::Delete))
        .map(|c| format!("{} {:?}", c.address, c.action))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[tokio::test]
async fn renames_declared_as_moves_keep_every_resource() {
    let r = Run::new();
    let first = r.plan(&compile(&source("web", "app", "public-a", ""))).await.expect("plans");
    r.apply(&first).await;
    let ids = |st: &drove_engine::state::State, a: &str| st.resources.get(a).map(|x| x.id.clone());
    let before = r.backend.read().await.unwrap().expect("state");

    let renamed = compile(&source("office", "worker", "front", MOVES));
    assert_eq!(renamed.moves.len(), 3);
    let pl = r.plan(&renamed).await.expect("plans");
    touches_nothing(&pl);
    let note = |a: &str| pl.changes.iter().find(|c| c.address == a).map(|c| c.notes.join("; ")).unwrap_or_default();
    assert!(
        note("firewall.office").contains("moved from firewall.web (a moved declaration)"),
        "{}",
        note("firewall.office")
    );
    assert!(note("hosts.worker[1]").contains("moved from hosts.app[1]"), "{}", note("hosts.worker[1]"));
    assert!(note("network.main.subnet.front.route_table").contains("moved from"));
    for (from, to) in [
        ("firewall.web.rules", "firewall.office.rules"),
        ("hosts.app[0]", "hosts.worker[0]"),
        ("network.main.subnet.public-a", "network.main.subnet.front"),
    ] {
        assert!(pl.moves.iter().any(|m| m.from == from && m.to == to), "{from} → {to}: {:?}", pl.moves);
    }
    let json = serde_json::to_value(&pl).expect("serialises");
    assert!(json["moves"].as_array().is_some_and(|m| !m.is_empty()));
    // The plan reads a copy: the state is not written until the apply.
    assert_eq!(r.backend.read().await.unwrap().expect("state"), before);

    r.apply(&pl).await;
    let after = r.backend.read().await.unwrap().expect("state");
    assert_eq!(ids(&after, "firewall.office"), ids(&before, "firewall.web"));
    assert_eq!(ids(&after, "hosts.worker[1]"), ids(&before, "hosts.app[1]"));
    assert!(!after.resources.contains_key("firewall.web") && after.moves.is_empty());

    // The declarations stay in the source, as Terraform's do: already applied, nothing to move.
    let again = r.plan(&renamed).await.expect("plans");
    assert!(again.moves.is_empty(), "{:?}", again.moves);
    assert!(again.changes.iter().all(|c| c.action == Action::NoOp), "{:?}", again.summary);
}

#[tokio::test]
async fn a_move_with_nothing_to_move_fails_at_its_declaration() {
    let r = Run::new();
    r.apply(&r.plan(&compile(&source("web", "app", "public-a", ""))).await.expect("plans")).await;
    let typo = "moved {\n  from = firewall.wbe\n  to   = firewall.office\n}\n";
    let e = r.plan(&compile(&source("office", "app", "public-a", typo))).await.expect_err("refused");
    assert_eq!(e.code, codes::MOVE);
    let at = e.at.clone().expect("placed");
    assert_eq!((at.address.as_str(), at.attribute), ("firewall.wbe", Some("moved")));
    assert!(e.help.as_deref().unwrap_or("").contains("firewall.web"), "{e:?}");

    // Moving onto an address the state holds would overwrite it.
    let two = source("web", "app", "public-a", "hosts worker { role = app  count = 1  subnets = [main.public-a] }\n");
    r.apply(&r.plan(&compile(&two)).await.expect("plans")).await;
    let onto = source("web", "worker", "public-a", "moved {\n  from = hosts.app\n  to   = hosts.worker\n}\n");
    let e = r.plan(&compile(&onto)).await.expect_err("refused");
    assert_eq!(e.code, codes::MOVE);
    assert!(e.message.contains("would overwrite"), "{e:?}");
}
