//! The binary against the CLI contract: exit codes, the JSON shape of `check`, and bad
//! input of every kind getting a clear message with a location, never a panic or a hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `drove ARGS` with no colour, failing the test if it takes longer than `limit`.
fn drove_within(limit: Duration, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drove"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the drove binary starts");
    // Drain the pipes on threads so a large output can't block the child.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || std::io::read_to_string(&mut out).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(&mut err).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("drove {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().expect("drove exits normally, not by a signal"),
        stdout: out.join().expect("reader thread"),
        stderr: err.join().expect("reader thread"),
    };
    assert!(!run.stderr.contains("panicked"), "drove {args:?} panicked:\n{}", run.stderr);
    run
}

fn drove(args: &[&str]) -> Run {
    drove_within(Duration::from_secs(60), args)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file");
    path.display().to_string()
}

const STACK: &str = "stack demo {\n  region = \"ap-northeast-1\"\n}\n";

#[test]
fn check_of_a_clean_stack_exits_0() {
    let example = repo().join("examples/reservation").display().to_string();
    let run = drove(&["check", &example]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no problems"), "{}", run.stdout);
    let json = drove(&["check", "--format", "json", &example]);
    assert_eq!(json.code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap(), serde_json::json!([]));
}

#[test]
fn check_json_has_the_contract_fields_and_exit_1_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.drove", "stack demo {\n  region = \"ap-northeast-1\n}\n");
    let run = drove(&["check", "--format", "json", &file]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let all: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).expect("stdout is a JSON array");
    assert!(!all.is_empty());
    for d in &all {
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["file", "line", "column", "end_line", "end_column", "severity", "code", "message"]);
        assert_eq!(d["file"], file.as_str());
        for k in ["line", "column", "end_line", "end_column"] {
            assert!(d[k].as_u64().is_some_and(|n| n >= 1), "{k} is 1-based: {d}");
        }
        assert!(["error", "warning"].contains(&d["severity"].as_str().unwrap()));
    }
    let at_the_string = all.iter().any(|d| d["line"] == 2 && d["column"] == 12);
    assert!(at_the_string, "the unterminated string at 2:12 is reported: {all:?}");
}

#[test]
fn check_text_shows_code_location_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.drove", "stack demo {\n  region = \"ap-northeast-1\n}\n");
    let run = drove(&["check", &file]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(&format!("{file}:2:12")), "{}", run.stdout);
    assert!(run.stdout.contains("1 error"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "NO_COLOR is respected");
}

#[test]
fn two_stack_blocks_are_an_error_pointing_at_both() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.drove", STACK);
    let b = write(dir.path(), "b.drove", "stack other {\n  region = \"ap-northeast-1\"\n}\n");
    let run = drove(&["check", &dir.path().display().to_string()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("{b}:1:")), "{}", run.stdout);
    assert!(run.stdout.contains("a.drove"), "the first stack block is labelled:\n{}", run.stdout);
}

#[test]
fn compile_prints_the_desired_state_and_refuses_errors() {
    let example = repo().join("examples/reservation").display().to_string();
    let run = drove(&["compile", &example]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let state: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(state["stack"]["name"], "reservation");
    let resources = state["resources"].as_array().expect("resources is an array");
    assert!(resources.iter().any(|r| r["address"] == "network.main" && r["kind"] == "ec2.vpc"), "{}", run.stdout);
    for r in resources {
        assert!(r["address"].is_string() && r["kind"].is_string() && r["attributes"].is_object(), "{r}");
    }

    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.drove", "stack demo {\n  region = \"ap-northeast-1\n}\n");
    let bad = drove(&["compile", &file]);
    assert_eq!(bad.code, 1);
    assert!(bad.stdout.is_empty(), "no JSON for a broken stack: {}", bad.stdout);
    assert!(bad.stderr.contains(&format!("{file}:2:12")), "{}", bad.stderr);
}

#[test]
fn graph_draws_networks_hosts_and_the_records_pointing_at_them() {
    let example = repo().join("examples/reservation").display().to_string();
    let dot = drove(&["graph", &example]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);
    assert!(dot.stdout.contains("subgraph cluster_") && dot.stdout.contains("hosts.app[0]"), "{}", dot.stdout);
    let mermaid = drove(&["graph", &example, "--format", "mermaid"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    assert!(mermaid.stdout.starts_with("flowchart"), "{}", mermaid.stdout);
    // The record filled from the app hosts depends on each of them.
    let record =
        mermaid.stdout.lines().find(|l| l.contains("record.app.acme.example./A")).expect("the app record is drawn");
    let id = record.trim().split('[').next().unwrap_or_default().to_string();
    assert!(mermaid.stdout.lines().any(|l| l.trim().starts_with(&format!("{id} -->"))), "{}", mermaid.stdout);

    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.drove", "stack demo {}\n");
    let bad = drove(&["graph", &file]);
    assert_eq!(bad.code, 1, "a stack with errors has no graph");
    assert!(bad.stdout.is_empty());
}

#[test]
fn fmt_rewrites_checks_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "stack.drove", "stack   demo {\n      region =   \"ap-northeast-1\"   # where\n}\n");
    let stack = dir.path().display().to_string();
    let check = drove(&["fmt", "--check", &stack]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.contains(&file), "{}", check.stdout);
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(original.contains("stack   demo"), "--check changes nothing");

    assert_eq!(drove(&["fmt", &stack]).code, 0);
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_ne!(formatted, original);
    assert!(formatted.contains("# where"), "comments are kept:\n{formatted}");
    assert_eq!(drove(&["fmt", "--check", &stack]).code, 0, "formatting is idempotent");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), formatted);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = "stack demo {\n  region = \"ap-northeast-1\n}\n";
    let file = write(dir.path(), "bad.drove", text);
    let run = drove(&["fmt", &file]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&format!("{file}:2:12")), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn examples_are_formatted() {
    for example in ["examples/reservation", "examples/seed"] {
        let path = repo().join(example).display().to_string();
        let run = drove(&["fmt", "--check", &path]);
        assert_eq!(run.code, 0, "{example} needs `drove fmt`:\n{}{}", run.stdout, run.stderr);
    }
}

#[test]
fn a_missing_path_is_an_io_error() {
    let run = drove(&["check", "/nonexistent/drove/stack"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/nonexistent/drove/stack"), "{}", run.stderr);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
}

#[test]
fn an_empty_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    let run = drove(&["check", &path]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&path) && run.stderr.contains("no *.drove files"), "{}", run.stderr);
}

#[test]
fn a_file_that_is_not_utf8_names_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "latin1.drove", b"stack demo {\n  tags = { owner = \"J\xf6rg\" }\n}\n");
    let run = drove(&["check", &file]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&file), "{}", run.stderr);
    assert!(run.stderr.contains("offset 34") && run.stderr.contains("line 2, column 22"), "{}", run.stderr);
}

#[test]
fn a_ten_megabyte_line_is_reported_quickly_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("let blob = \"{}\n", "x".repeat(10 * 1024 * 1024));
    let file = write(dir.path(), "big.drove", format!("{STACK}{line}"));
    let run = drove_within(Duration::from_secs(60), &["check", &file]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("{file}:4:12")), "{}", &run.stdout[..run.stdout.len().min(2000)]);
    assert!(run.stdout.len() < 10_000, "the 10 MB line is not echoed ({} bytes)", run.stdout.len());
}

#[test]
fn five_thousand_nested_braces_do_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let nested = format!("network deep {}{}\n", "{ x ".repeat(5000), "}".repeat(5000));
    let file = write(dir.path(), "deep.drove", format!("{STACK}{nested}"));
    let run = drove(&["check", &file]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("{file}:4:")), "{}", &run.stdout[..run.stdout.len().min(2000)]);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(drove(&["check", "--format", "yaml"]).code, 2);
    assert_eq!(drove(&["no-such-command"]).code, 2);
    assert_eq!(drove(&[]).code, 2);
}

#[test]
fn explain_prints_pages_and_rejects_unknown_codes() {
    let run = drove(&["explain", "E0240"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("# E0240: "), "{}", run.stdout);
    let unknown = drove(&["explain", "E9999"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("E9999"), "{}", unknown.stderr);
}

#[test]
fn completions_and_man_page_are_generated() {
    let bash = drove(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("_drove") && bash.stdout.contains("check"), "{}", bash.stdout);
    let man = drove(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH drove"), "{}", man.stdout);
}

#[test]
fn help_lists_only_finished_commands() {
    let help = drove(&["--help"]).stdout;
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        listed,
        [
            "check",
            "fmt",
            "compile",
            "reach",
            "affected",
            "graph",
            "init",
            "plan",
            "apply",
            "replace",
            "destroy",
            "state",
            "verify",
            "import",
            "inventory",
            "export",
            "explain",
            "lsp",
            "secret",
            "completions",
            "man",
            "help"
        ],
        "{help}"
    );
}
