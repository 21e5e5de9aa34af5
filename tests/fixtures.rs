//! Every valid fixture gives no diagnostic; every invalid one gives exactly the codes its
//! `# expect:` line names. Rendered diagnostics are kept as insta snapshots.

use drove_compiler::{analysis::analyze, render};
use drove_tests::{diagnostics, display_path, expected_codes, fixtures, load};
use std::collections::BTreeSet;

#[test]
fn ok_fixtures_give_no_diagnostics() {
    let mut failures = Vec::new();
    for path in fixtures("ok") {
        let sources = load(&path);
        let diags = diagnostics(&sources);
        if !diags.is_empty() {
            failures.push(format!("{}:\n{}", display_path(&path), render::text(&sources, &diags, false)));
        }
    }
    assert!(failures.is_empty(), "valid fixtures with diagnostics:\n{}", failures.join("\n"));
}

#[test]
fn err_fixtures_give_exactly_the_expected_codes() {
    let mut failures = Vec::new();
    for path in fixtures("err") {
        let sources = load(&path);
        let Some(expected) = expected_codes(&sources.files[0].text) else {
            failures.push(format!("{}: first line must be `# expect: CODE[, CODE…]`", display_path(&path)));
            continue;
        };
        let diags = diagnostics(&sources);
        let got: BTreeSet<String> = diags.iter().map(|d| d.code.to_string()).collect();
        if got != expected {
            failures.push(format!(
                "{}: expected {expected:?}, got {got:?}\n{}",
                display_path(&path),
                render::text(&sources, &diags, false)
            ));
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn rendered_errors() {
    if fixtures("err").is_empty() {
        return;
    }
    insta::glob!("fixtures/err", "**/*.drove", |path| {
        let sources = load(path);
        let diags = diagnostics(&sources);
        insta::assert_snapshot!(render::text(&sources, &diags, false));
    });
}

#[test]
fn compiled_ok_fixtures() {
    if fixtures("ok").is_empty() {
        return;
    }
    insta::glob!("fixtures/ok", "**/*.drove", |path| {
        let analysis = analyze(&load(path));
        // A stack with environments is compiled in each, one after the other.
        let mut chosen: Vec<Option<&str>> = analysis.environment_names().into_iter().map(Some).collect();
        if chosen.is_empty() {
            chosen.push(None);
        }
        let mut out = Vec::new();
        for env in chosen {
            let state = drove_compiler::compile::compile_in(&analysis, env)
                .unwrap_or_else(|e| panic!("{}: {e}", display_path(path)));
            let json = serde_json::to_string_pretty(&state).expect("the desired state serialises");
            // Plan files and states read the model back: the typed form must survive the
            // trip byte for byte.
            let back: drove_compiler::model::DesiredState = serde_json::from_str(&json).expect("reads back");
            assert_eq!(serde_json::to_string_pretty(&back).expect("serialises"), json, "{}", display_path(path));
            out.push(json);
        }
        insta::assert_snapshot!(out.join("\n"));
    });
}
