#[cfg(feature = "aws")]
pub mod moto;
pub mod recorder;

use drove_compiler::model::DesiredState;
use std::path::Path;

/// A stack file of tests/data, compiled; any error fails the test.
#[allow(dead_code)] // not every test binary that includes the support module compiles a file
pub fn compile_data(name: &str) -> DesiredState {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    let text = std::fs::read_to_string(&path).expect("the stack file");
    let analysis = drove_compiler::analyze(&drove_compiler::source::Sources::single(&path, text));
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    drove_compiler::compile::compile(&analysis.stack).expect("the stack compiles")
}
