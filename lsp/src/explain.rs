//! `codeDescription` links. Each code's page is the one `drove explain CODE` prints (it is
//! compiled into the binary), written once to `$TMPDIR/drove-explain-VERSION/CODE.md` and
//! linked with a `file://` URI: it works offline, needs no checkout of the repository, and
//! always matches the server's version.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use tower_lsp_server::ls_types::Uri;

fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("drove-explain-{}", env!("CARGO_PKG_VERSION")))
}

/// The URI of a code's page, or `None` for a code without one.
pub fn url(code: &str) -> Option<Uri> {
    static WRITTEN: OnceLock<Mutex<HashMap<String, Option<Uri>>>> = OnceLock::new();
    let cache = WRITTEN.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(u) = cache.get(code) {
        return u.clone();
    }
    let uri = write(code);
    cache.insert(code.to_string(), uri.clone());
    uri
}

fn write(code: &str) -> Option<Uri> {
    let page = drove_compiler::codes::explain(code)?;
    // Codes are `[EW][0-9]{4}`; anything else must not become a path.
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let dir = dir();
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{code}.md"));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(page) {
        std::fs::write(&path, page).ok()?;
    }
    Uri::from_file_path(&path)
}
