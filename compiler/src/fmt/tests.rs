use super::{format, shape};

/// Formats, then checks the output is stable and means the same as the input.
pub fn check(input: &str) -> String {
    let out = match format(input) {
        Ok(out) => out,
        Err(d) => panic!("input does not parse: {d:?}\n{input}"),
    };
    let again = format(&out).unwrap_or_else(|d| panic!("output does not parse: {d:?}\n{out}"));
    assert_eq!(again, out, "not idempotent; first output:\n{out}");
    let (a, _) = crate::syntax::parse(0, input);
    let (b, _) = crate::syntax::parse(0, &out);
    assert_eq!(shape(&a), shape(&b), "meaning changed; output:\n{out}");
    out
}

/// The brief's example (`../shared/BRIEF.md` §3), as `drove fmt` writes it.
const BRIEF: &str = include_str!("../testdata_brief.drove");

#[test]
fn the_brief_example_is_already_canonical() {
    assert_eq!(check(BRIEF), BRIEF);
}

#[test]
fn squashed_input_comes_out_canonical() {
    let squashed: String =
        BRIEF.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n");
    let squashed = squashed.replace(" A ", " a ").replace("CNAME", "cname");
    assert_eq!(check(&squashed), BRIEF);
}

#[test]
fn comments_stay_where_they_were() {
    let input = "# header\n\n# about main\nnetwork main { # the vpc\n  cidr = 10.0.0.0/16 # sixteen\n  # before the subnet\n  subnet a { cidr = 10.0.1.0/24 }\n  # end of block\n}\n# end of file\n";
    let want = "# header\n\n# about main\nnetwork main {  # the vpc\n  cidr = 10.0.0.0/16  # sixteen\n  # before the subnet\n  subnet a { cidr = 10.0.1.0/24 }\n  # end of block\n}\n# end of file\n";
    assert_eq!(check(input), want);
}

#[test]
fn comments_inside_lists_maps_and_continued_statements() {
    let input = "role app {\n  firewall = [web, # public\n    db]\n  tags = { a = \"1\" # one\n  bb = \"2\" }\n  provision {\n    package \"nginx\", # web server\n      # and\n      \"ruby\"\n  }\n}\n";
    let want = "role app {\n  firewall = [\n    web,  # public\n    db,\n  ]\n  tags = {\n    a  = \"1\"  # one\n    bb = \"2\"\n  }\n  provision {\n    package \"nginx\",  # web server\n            # and\n            \"ruby\"\n  }\n}\n";
    assert_eq!(check(input), want);
}

#[test]
fn trailing_comments_of_a_run_line_up() {
    let input = "stack s {\n  region = \"x\" # where\n  max_delete = 25% # share\n}\n";
    let want = "stack s {\n  region     = \"x\"  # where\n  max_delete = 25%  # share\n}\n";
    assert_eq!(check(input), want);
}

#[test]
fn blank_lines_are_kept_once_and_declarations_set_apart() {
    let input = "\n\nlet a = 1\n\n\n\nlet b = 2\nlet c = 3\nnetwork n {\n\n\n  cidr = 10.0.0.0/16\n\n\n  subnet x {}\n\n}\nlet d = 4\n\n";
    let want =
        "let a = 1\n\nlet b = 2\nlet c = 3\n\nnetwork n {\n  cidr = 10.0.0.0/16\n\n  subnet x {}\n}\n\nlet d = 4\n";
    assert_eq!(check(input), want);
}

#[test]
fn one_line_blocks_that_do_not_fit_are_split() {
    let long = "x".repeat(60);
    let input = format!("network main {{ cidr = 10.0.0.0/16  comment = \"{long}\"  other = 1 }}\n");
    let want = format!("network main {{\n  cidr    = 10.0.0.0/16\n  comment = \"{long}\"\n  other   = 1\n}}\n");
    assert_eq!(check(&input), want);
}

#[test]
fn statements_in_a_one_line_block_are_split() {
    assert_eq!(
        check("role r { provision { run \"a\"; run \"b\" } }\n"),
        "role r {\n  provision {\n    run \"a\"\n    run \"b\"\n  }\n}\n"
    );
}

#[test]
fn long_lists_take_one_member_per_line() {
    let members: Vec<String> = (0..12).map(|i| format!("main.subnet-number-{i}")).collect();
    let input = format!("hosts app {{\n  subnets = [{}]\n}}\n", members.join(","));
    let out = check(&input);
    assert!(out.contains("  subnets = [\n    main.subnet-number-0,\n"), "{out}");
    assert!(out.contains("    main.subnet-number-11,\n  ]\n"), "{out}");
    assert_eq!(check("let a = [ 1 ,2,\n 3 ]\n"), "let a = [1, 2, 3]\n");
}

#[test]
fn strings_are_escaped_canonically_and_long_strings_kept() {
    assert_eq!(check("let a = \"tab\\u{9}quote\\\" \\u{e9}\"\n"), "let a = \"tab\\tquote\\\" é\"\n");
    let long = "role r {\n  provision {\n    file \"/etc/motd\" = \"\"\"\n   keep   this\n\t as is  \n\"\"\"\n  }\n}\n";
    assert_eq!(check(long), long);
}

#[test]
fn zone_records_line_up_like_a_zone_file() {
    let input = "zone \"a.example.\" {\n ttl = 300\n  comment = \"x\"\n\n @ a 192.0.2.1\n www 60 cname @ # web\n @ 3600 mx 10 mx1,\n    20 mx2\n api 60 a 192.0.2.10 { set = \"blue\" weight = 90 }\n api 60 a 192.0.2.2 { set = \"green\" weight = 10 }\n}\n";
    let want = "zone \"a.example.\" {\n  ttl     = 300\n  comment = \"x\"\n\n  @          A      192.0.2.1\n  www  60    CNAME  @  # web\n  @    3600  MX     10 mx1,\n                    20 mx2\n  api  60    A      192.0.2.10  { set = \"blue\"   weight = 90 }\n  api  60    A      192.0.2.2   { set = \"green\"  weight = 10 }\n}\n";
    assert_eq!(check(input), want);
}

#[test]
fn firewall_rules_line_up() {
    let input = "firewall web in main {\n  allow tcp 80,443 from 0.0.0.0/0, ::/0\n  allow tcp 22 from office\n  allow icmp from 10.0.0.0/8\n  description = \"web\"\n}\n";
    let want = "firewall web in main {\n  allow tcp  80, 443 from 0.0.0.0/0, ::/0\n  allow tcp  22      from office\n  allow icmp         from 10.0.0.0/8\n  description = \"web\"\n}\n";
    assert_eq!(check(input), want);
}

#[test]
fn crlf_and_semicolons() {
    assert_eq!(check("let a = 1 # one\r\nlet b = 2; let c = 3\r\n"), "let a = 1  # one\nlet b = 2\nlet c = 3\n");
}

#[test]
fn broken_files_are_refused() {
    let errs = format("network main {\n  cidr = \n").unwrap_err();
    assert!(errs.iter().all(|d| d.code.starts_with("E00")), "{errs:?}");
    assert!(!errs.is_empty());
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(check(""), "");
    assert_eq!(check("\n\n"), "");
    assert_eq!(check("# only\n\n\n# comments"), "# only\n\n# comments\n");
}

/// Every `.drove` file under the valid fixtures and the examples, read at test time.
fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = vec![("brief".to_string(), BRIEF.to_string())];
    let mut dirs = vec![root.join("tests/fixtures/ok"), root.join("examples")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "drove") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push((p.display().to_string(), text));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_valid_fixture_formats_stably_and_keeps_its_meaning() {
    for (name, text) in corpus() {
        let out = check(&text);
        let comments = |t: &str| crate::syntax::parse(0, t).0.comments.len();
        assert_eq!(comments(&text), comments(&out), "{name}: comment lost");
    }
}

/// Where extra blanks may go without changing any token: between two tokens on a line.
fn gaps(text: &str) -> Vec<usize> {
    use crate::syntax::lexer::{lex, Token};
    lex(text)
        .filter(|(t, _)| !matches!(t, Token::Newline))
        .map(|(_, s)| s.end)
        .filter(|&end| !text[end..].starts_with('\n') && !text[end..].starts_with('\r') && end < text.len())
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Blanks added between tokens change nothing in the output: the layout depends on
    /// the tree, line breaks and comments only.
    #[test]
    fn extra_blanks_between_tokens_are_normalised(seed in proptest::collection::vec(0usize..10_000, 1..40)) {
        for (name, text) in corpus() {
            let want = format(&text).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            let gaps = gaps(&text);
            if gaps.is_empty() { continue; }
            let mut at: Vec<usize> = seed.iter().map(|s| gaps[s % gaps.len()]).collect();
            at.sort_unstable();
            at.dedup();
            let mut spaced = text.clone();
            for (k, pos) in at.iter().rev().enumerate() {
                spaced.insert_str(*pos, if k % 2 == 0 { " " } else { "   " });
            }
            let got = format(&spaced).unwrap_or_else(|d| panic!("{name}: {d:?}\n{spaced}"));
            proptest::prop_assert_eq!(got, want, "{}", name);
        }
    }
}

#[test]
fn a_statement_ending_in_a_comma_keeps_its_end() {
    // Found by the robustness proptest: without the `;`, the next line joins the statement.
    let once = check("::q989-,,;xb@**");
    assert_eq!(check(&once), once);
    let shape = |t: &str| crate::fmt::shape(&crate::syntax::parse(0, t).0);
    assert_eq!(shape(&once), shape("::q989-,,;xb@**"), "{once:?}");
}

#[test]
fn a_move_keeps_its_lines_or_its_one_line() {
    let lines = "moved {\n  from = firewall.web\n  to   = firewall.office\n}\n";
    assert_eq!(check("moved {\n from = firewall.web\n    to = firewall.office\n}\n"), lines);
    let one = "moved { from = \"hosts.app[0]\"  to = \"hosts.web[0]\" }\n";
    assert_eq!(check("moved {from=\"hosts.app[0]\" to=\"hosts.web[0]\"}\n"), one);
}
