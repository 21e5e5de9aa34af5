use super::cst::*;
use super::parse;

const BRIEF: &str = include_str!("../testdata_brief.drove");

fn words(stmt: &Stmt) -> Vec<String> {
    stmt.terms
        .iter()
        .map(|t| match t {
            Term::Word(w) => w.text.to_string(),
            Term::Str(s) => format!("{:?}", s.value),
            Term::Comma(_) => ",".into(),
        })
        .collect()
}

fn stmt(item: &Item) -> &Stmt {
    match item {
        Item::Stmt(s) => s,
        other => panic!("expected a statement, got {other:?}"),
    }
}

#[test]
fn brief_example_parses_clean() {
    let (file, diags) = parse(0, BRIEF);
    assert!(diags.is_empty(), "{diags:#?}");
    let heads: Vec<_> = file.items.iter().map(|i| stmt(i).head().text.clone()).collect();
    assert_eq!(heads, ["stack", "let", "network", "firewall", "firewall", "role", "role", "hosts", "host", "zone"]);

    let net = stmt(&file.items[2]);
    let block = net.block.as_ref().unwrap();
    assert!(matches!(&block.items[0], Item::Attr(a) if a.key.text == "cidr"));
    let subnet = stmt(&block.items[1]);
    assert_eq!(words(subnet), ["subnet", "public-a"]);
    assert_eq!(subnet.block.as_ref().unwrap().items.len(), 3, "three attributes on one line");

    let fw = stmt(&file.items[3]);
    assert_eq!(words(fw), ["firewall", "web", "in", "main"]);
    let rule = stmt(&fw.block.as_ref().unwrap().items[0]);
    assert_eq!(words(rule), ["allow", "tcp", "80", ",", "443", "from", "0.0.0.0/0"]);

    let role = stmt(&file.items[5]);
    let provision = stmt(&role.block.as_ref().unwrap().items[3]);
    let file_step = stmt(&provision.block.as_ref().unwrap().items[1]);
    assert_eq!(words(file_step), ["file", "\"/etc/app/db.yml\"", "mode", "0600"]);
    assert!(matches!(file_step.value.as_deref(), Some(Expr::Call(c)) if c.name.text == "secret"));

    let zone = stmt(&file.items[9]);
    let records: Vec<_> = zone.block.as_ref().unwrap().items.iter().map(|i| words(stmt(i))).collect();
    assert_eq!(records[3], ["@", "3600", "MX", "10", "mx1.acme.example.", ",", "20", "mx2.acme.example."]);
    assert_eq!(records[4], ["@", "300", "TXT", "\"v=spf1 include:_spf.google.com ~all\""]);
}

#[test]
fn comments_are_kept_aside() {
    let (file, diags) = parse(0, "# top\nlet a = 1 # trailing\n");
    assert!(diags.is_empty());
    assert_eq!(file.comments.len(), 2);
    assert_eq!(file.comments[1].text, "# trailing");
}

#[test]
fn comma_continues_a_statement_on_the_next_line() {
    let (file, diags) = parse(0, "zone \"z.\" {\n  @ MX 10 a.z.,\n       20 b.z.\n  www A 192.0.2.1\n}\n");
    assert!(diags.is_empty(), "{diags:#?}");
    let zone = stmt(&file.items[0]);
    let items = &zone.block.as_ref().unwrap().items;
    assert_eq!(items.len(), 2);
    assert_eq!(words(stmt(&items[0])), ["@", "MX", "10", "a.z.", ",", "20", "b.z."]);
}

#[test]
fn lists_and_maps_span_lines() {
    let src = "role r {\n  firewall = [\n    a,\n    b,\n  ]\n  tags = {\n    x = \"1\"\n    \"Cost Center\" = \"42\", y = z\n  }\n}\n";
    let (file, diags) = parse(0, src);
    assert!(diags.is_empty(), "{diags:#?}");
    let role = stmt(&file.items[0]);
    let items = &role.block.as_ref().unwrap().items;
    assert!(matches!(&items[0], Item::Attr(a) if matches!(&a.value, Expr::List(l) if l.items.len() == 2)));
    assert!(matches!(&items[1], Item::Attr(a) if matches!(&a.value, Expr::Map(m) if m.entries.len() == 3)));
}

#[test]
fn strings_unescape_and_long_strings_are_verbatim() {
    let (file, diags) = parse(0, "let a = \"x\\\"y\\\\z\\n\\u{263A}\"\nlet b = \"\"\"\nline \\n one\n\"\"\"\n");
    assert!(diags.is_empty(), "{diags:#?}");
    let a = stmt(&file.items[0]);
    assert!(matches!(a.value.as_deref(), Some(Expr::Str(s)) if s.value == "x\"y\\z\n\u{263A}"));
    let b = stmt(&file.items[1]);
    assert!(matches!(b.value.as_deref(), Some(Expr::Str(s)) if s.value == "line \\n one\n" && s.triple));
}

fn codes(src: &str) -> Vec<&'static str> {
    parse(0, src).1.iter().map(|d| d.code).collect()
}

#[test]
fn all_errors_in_one_pass_with_statement_recovery() {
    let src = "network main {\n  cidr = \n  = oops\n  subnet a { cidr = 10.0.1.0/24 }\n  , bad\n}\nlet x = [1, 2\nlet y = 3\n";
    let (file, diags) = parse(0, src);
    // `cidr =` with no value, `= oops`, `, bad`, and the unclosed `[`.
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0003", "E0003", "E0003", "E0004"], "{diags:#?}");
    let net = stmt(&file.items[0]);
    let items = &net.block.as_ref().unwrap().items;
    assert!(
        items.iter().any(|i| matches!(i, Item::Stmt(s) if s.head().text == "subnet")),
        "subnet survives: {items:#?}"
    );
    assert_eq!(file.items.len(), 3, "the later declarations survive too");
}

#[test]
fn bad_bytes_become_one_error_per_run() {
    assert_eq!(codes("let a = 1 $$$ \u{7}\nlet b = 2\n"), ["E0001", "E0001"]);
}

#[test]
fn unterminated_string_and_bad_escape() {
    assert_eq!(codes("let a = \"abc\nlet b = \"\\q\"\n"), ["E0002", "E0006"]);
}

#[test]
fn unbalanced_delimiters() {
    assert_eq!(codes("network main {\n  cidr = 10.0.0.0/16\n"), ["E0004"]);
    assert_eq!(codes("let a = 1\n}\n"), ["E0007"]);
    assert_eq!(codes("role r { firewall = [a, b }\n"), ["E0004"]);
}

#[test]
fn deep_nesting_is_one_error_not_a_crash() {
    for (open, close) in [("{", "}"), ("[", "]"), ("(", ")")] {
        let src = format!("let a = {}{}\n", open.repeat(5000), close.repeat(5000));
        let diags = parse(0, &src).1;
        assert!(diags.iter().any(|d| d.code == "E0005"), "{open}: {diags:#?}");
        let src = format!("x {}", open.repeat(5000));
        let diags = parse(0, &src).1;
        assert!(diags.iter().any(|d| d.code == "E0005"));
    }
}

#[test]
fn huge_line_parses() {
    let src = format!("let a = \"{}\"\nlet b = {}\n", "x".repeat(10 << 20), "y".repeat(1 << 20));
    let (file, diags) = parse(0, &src);
    assert!(diags.is_empty());
    assert_eq!(file.items.len(), 2);
}

#[test]
fn spans_point_at_the_token() {
    let src = "let a = 1\nnetwork main {\n  cidr = \n}\n";
    let (_, diags) = parse(0, src);
    assert_eq!(diags.len(), 1);
    let at = diags[0].primary.span.start;
    assert_eq!(&src[at..at + 1], "\n", "the value is missing at the end of the `cidr =` line");
}

#[test]
fn unclosed_bracket_closes_at_its_line() {
    let (file, diags) = parse(0, "let x = [1, 2\nlet y = 3\n");
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0004"]);
    assert_eq!(file.items.len(), 2);
}

#[test]
fn deep_unclosed_nesting_reports_a_bounded_number_of_errors() {
    let diags = parse(0, &"{".repeat(5000)).1;
    assert!(diags.len() <= super::MAX_DEPTH + 4, "{} diagnostics", diags.len());
}
