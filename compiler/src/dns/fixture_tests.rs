//! The DNS fixtures under `tests/fixtures/{ok,err}/dns`: valid ones give no diagnostic,
//! each error fixture gives exactly the codes its `# expect:` line names.

use crate::diag::Sink;
use std::path::PathBuf;

fn codes_of(text: &str) -> Vec<&'static str> {
    let (file, mut diags) = crate::syntax::parse(0, text);
    let mut sink = Sink::default();
    let stack = crate::lower::lower(&[file], &mut sink);
    crate::check::run(&stack, &mut sink);
    diags.extend(sink.diagnostics);
    let mut codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn files(kind: &str) -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(kind).join("dns");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "drove"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn ok_fixtures_give_no_diagnostics() {
    let all = files("ok");
    assert!(all.len() >= 4);
    for (path, text) in all {
        assert_eq!(codes_of(&text), Vec::<&str>::new(), "{}", path.display());
    }
}

#[test]
fn err_fixtures_give_their_codes() {
    let all = files("err");
    assert!(all.len() >= 30);
    for (path, text) in all {
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .unwrap_or_else(|| panic!("{}: no expect line", path.display()));
        let mut want: Vec<&str> = expect.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        want.sort_unstable();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with(want.first().copied().unwrap_or("?")) || want.iter().any(|c| name.starts_with(c)),
            "{name}"
        );
        assert_eq!(codes_of(&text), want, "{}", path.display());
        let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/codes").join(format!("{}.md", &name[..5]));
        assert!(page.exists(), "no page {}", page.display());
    }
}
