//! Every example under `examples/` checks clean and compiles; its desired state is kept
//! as a snapshot.

use drove_compiler::{analysis::analyze, render};
use drove_tests::{example_name, examples, load};

#[test]
fn examples_check_clean_and_compile() {
    let all = examples();
    assert!(all.len() >= 2, "examples/ holds the reservation and seed stacks");
    for dir in all {
        let sources = load(&dir);
        let analysis = analyze(&sources);
        let name = example_name(&dir);
        assert!(analysis.diagnostics.is_empty(), "{name}:\n{}", render::text(&sources, &analysis.diagnostics, false));
        // A stack with environments is compiled in each: `compile@seed-staging`.
        let mut chosen: Vec<Option<&str>> = analysis.environment_names().into_iter().map(Some).collect();
        if chosen.is_empty() {
            chosen.push(None);
        }
        for env in chosen {
            let state = drove_compiler::compile::compile_in(&analysis, env).unwrap_or_else(|e| panic!("{name}: {e}"));
            let json = serde_json::to_string_pretty(&state).expect("the desired state serialises");
            let back: drove_compiler::model::DesiredState = serde_json::from_str(&json).expect("reads back");
            assert_eq!(serde_json::to_string_pretty(&back).expect("serialises"), json, "{name}");
            let snapshot = env.map_or_else(|| format!("compile@{name}"), |e| format!("compile@{name}-{e}"));
            insta::assert_snapshot!(snapshot, json);
        }
    }
}
