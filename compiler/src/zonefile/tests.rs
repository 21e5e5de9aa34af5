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
    let mut all: HashMap<PathBuf, Vec<u8>> =
        files.iter().map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec())).collect();
    all.insert(PathBuf::from("zone.db"), text.as_bytes().to_vec());
    let load = move |p: &Path| all.get(p).cloned().ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound));
    let origin = Name::parse("example.com.", None, NameUse::Zone).ok();
    read(Path::new("zone.db"), origin.as_ref(), &load)
}

fn sets(z: &Zone) -> Vec<String> {
    z.records
        .iter()
        .map(|r| format!("{} {} {} {}", r.owner, r.ttl, r.rtype, r.data.presentation().unwrap_or_default()))
        .collect()
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

#[test]
fn reader_edge_cases() {
    let z = read_text("$TTL 1h30m\n@ IN 60 A 192.0.2.1\n  A 192.0.2.2\nWWW 2w in CNAME @\n", &[]).unwrap();
    assert_eq!(
        sets(&z),
        ["example.com. 60 A 192.0.2.1", "example.com. 5400 A 192.0.2.2", "www.example.com. 1209600 CNAME example.com."]
    );
    let inc = read_text(
        "$TTL 300\n$INCLUDE sub/part.inc lab\nback A 192.0.2.9\n",
        &[("sub/part.inc", "$TTL 60\nx A 192.0.2.3\n")],
    )
    .unwrap();
    assert_eq!(sets(&inc), ["x.lab.example.com. 60 A 192.0.2.3", "back.example.com. 300 A 192.0.2.9"]);
    let loop_ = read_text("$TTL 300\n$INCLUDE zone.db\n", &[]).unwrap_err();
    assert!(loop_.iter().any(|e| e.message.contains("nested")), "{loop_:?}");
    let e = read_text("$TTL 300\na A 192.0.2.1\nb TXT \"x\n", &[]).unwrap_err();
    assert_eq!((e[0].at.line, e[0].at.file.as_path()), (3, Path::new("zone.db")));
    let e = read_text("$TTL 300\n$INCLUDE bad.inc\n", &[("bad.inc", "ok A 192.0.2.1\nbad A nope\n")]).unwrap_err();
    assert_eq!((e[0].at.line, e[0].at.file.as_path()), (2, Path::new("bad.inc")));
    let e = read_text("$TTL 300\nother.net. A 192.0.2.1\n", &[]).unwrap_err();
    assert!(e[0].message.contains("outside the zone"));
}

#[test]
fn records_route53_cannot_hold_are_collected_with_why() {
    let zone = read_file(&zonefiles().join("new-types.zone"), None).unwrap_or_else(|e| panic!("{e:?}"));
    let left: Vec<(usize, &str, &str)> =
        zone.unsupported.iter().map(|s| (s.at.line, s.rtype.as_str(), s.why.as_str())).collect();
    assert_eq!(
        left,
        [
            (8, "AMTRELAY", "Route53 does not serve AMTRELAY records (a type drove does not know)"),
            (9, "RESINFO", "Route53 does not serve RESINFO records (a type drove does not know)"),
            (10, "WALLET", "Route53 does not serve WALLET records (a type drove does not know)"),
            (11, "TYPE260", "Route53 does not serve TYPE260 records"),
            (13, "CAA", "Route53 takes no CAA tag `contactemail` (only `issue`, `issuewild`, `issuemail`, `iodef`)"),
        ]
    );
    // What is left imports and checks clean, SvcParams escapes and new keys included.
    let out = to_drove(&zone, &Options { file_label: "new-types.zone".into(), stack: None }).unwrap();
    assert!(out.source.contains(r#"svc1  HTTPS  1 . "alpn=\"h2,h3\\\\,x\"""#), "{}", out.source);
    assert!(out.source.contains(r#""alpn=h2 port=8443""#), "{}", out.source);
    assert!(out.source.contains(r#""alpn=\"h2,h3\\\\,x\" key7=/q{?dns} key8""#), "{}", out.source);
    assert!(out.source.contains("# Left out: new.example. CAA at line 13: Route53 takes no CAA tag"));

    // Any mnemonic is a type Route53 does not serve; a CAA tag only when the rest is well formed.
    let z =
        read_text("$TTL 300\na NEWTYPE-2 anything at all\nb CAA 128 Contactphone \"+1\"\nc CAA 0 issue \"ca\"\n", &[])
            .unwrap();
    let left: Vec<(&str, &str)> = z.unsupported.iter().map(|s| (s.rtype.as_str(), s.why.as_str())).collect();
    assert_eq!(left[0], ("NEWTYPE-2", "Route53 does not serve NEWTYPE-2 records (a type drove does not know)"));
    assert!(left[1].1.contains("`contactphone`"), "{left:?}");
    assert_eq!(z.records.len(), 1);
    let generic = read_text("$TTL 300\nc CAA \\# 15 00 0c 636f6e74616374656d61696c 78\n", &[]).unwrap();
    assert!(generic.unsupported[0].why.contains("`contactemail`"), "{generic:?}");
    for bad in [
        "$TTL 300\nw TYPE70000 x\n",
        "$TTL 300\nw \"TXT\" x\n",
        "$TTL 300\nw NEWTYPE \\# 2 01\n",
        "$TTL 300\nw CAA 0 contactemail\n",
        "$TTL 300\nw CAA 0 contact-email \"x\"\n",
    ] {
        assert!(read_text(bad, &[]).is_err(), "{bad}");
    }
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    fn corpus() -> Vec<Vec<u8>> {
        [
            "rfc1035.zone",
            "isc/example.com.db",
            "provider-export.zone",
            "rfc3597.zone",
            "unsupported.zone",
            "new-types.zone",
        ]
        .iter()
        .filter_map(|f| std::fs::read(zonefiles().join(f)).ok())
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random edits of the test zone files (bytes replaced, removed, truncated) read,
        /// import and never panic.
        #[test]
        fn mutated_zone_files_never_panic(
            which in 0usize..6,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let files = corpus();
            let mut bytes = files[which % files.len()].clone();
            for (at, b, op) in edits {
                if bytes.is_empty() { break; }
                let i = at % bytes.len();
                match op {
                    0 => bytes[i] = b,
                    1 => { bytes.remove(i); }
                    _ => bytes.insert(i, [b'(', b')', b'"', b'\\', b';', b'\n', b' ', b'@'][b as usize % 8]),
                }
            }
            if let Some(c) = cut { bytes.truncate(c % (bytes.len() + 1)); }
            let load = move |p: &Path| if p == Path::new("m.zone") { Ok(bytes.clone()) } else { Err(std::io::Error::from(std::io::ErrorKind::NotFound)) };
            // The files' own `$ORIGIN` or SOA names the zone (the ISC one needs it given).
            let origin = (which % files.len() == 1).then(|| Name::parse("example.com.", None, NameUse::Zone).ok()).flatten();
            if let Ok(zone) = read(Path::new("m.zone"), origin.as_ref(), &load) {
                let _ = to_drove(&zone, &Options { file_label: "m.zone".into(), stack: None });
            }
        }
    }
}
