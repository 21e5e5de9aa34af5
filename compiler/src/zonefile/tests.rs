//! Reading and importing the hand-written zone files of `tests/zonefiles/`; the pytest
//! in `tests/zonefile/` compares the same files against dnspython.

use super::import::{to_drove, Options};
use super::*;
use crate::dns::name::NameUse;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(super) fn zonefiles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/zonefiles")
}

/// Reads `text` as `zone.db`, with `files` available to `$INCLUDE`.
pub(super) fn read_text(text: &str, files: &[(&str, &str)]) -> Result<Zone, Vec<Error>> {
    let mut all: HashMap<PathBuf, Vec<u8>> = files.iter().map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec())).collect();
    all.insert(PathBuf::from("zone.db"), text.as_bytes().to_vec());
    let load = move |p: &Path| all.get(p).cloned().ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound));
    let origin = Name::parse("example.com.", None, NameUse::Zone).ok();
    read(Path::new("zone.db"), origin.as_ref(), &load)
}

fn sets(z: &Zone) -> Vec<String> {
    z.records.iter().map(|r| format!("{} {} {} {}", r.owner, r.ttl, r.rtype, r.data.presentation().unwrap_or_default())).collect()
}

#[test]
fn every_zone_file_imports_and_checks_clean() {
    for (file, origin) in [
        ("rfc1035.zone", None),
        ("isc/example.com.db", Some("example.com.")),
        ("provider-export.zone", None),
        ("rfc3597.zone", None),
    ] {
        let origin = origin.and_then(|o| Name::parse(o, None, NameUse::Zone).ok());
        let zone = read_file(&zonefiles().join(file), origin.as_ref()).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(zone.unsupported.is_empty(), "{file}: {:?}", zone.unsupported);
        let opts = Options { file_label: file.into(), stack: Some(("shop".into(), "ap-northeast-1".into())) };
        let out = to_drove(&zone, &opts).unwrap_or_else(|e| panic!("{file}: {e:#?}"));
        println!("{}", out.source);
        assert_eq!(crate::fmt::format(&out.source).ok().as_deref(), Some(out.source.as_str()), "{file}: not canonical");
    }
}
