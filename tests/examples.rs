//! Every example under `examples/` checks clean; its rendered diagnostics (none) and its
//! compiled desired state are kept as snapshots.

use drove_compiler::render;
use drove_tests::{diagnostics, display_path, examples, load};

#[test]
fn examples_check_clean() {
    let all = examples();
    assert!(!all.is_empty(), "examples/ holds no stack");
    for dir in all {
        let sources = load(&dir);
        let diags = diagnostics(&sources);
        assert!(diags.is_empty(), "{}:\n{}", display_path(&dir), render::text(&sources, &diags, false));
    }
}
