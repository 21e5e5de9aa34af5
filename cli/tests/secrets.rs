//! `drove secret …` end to end through the binary: round trips with an identity file and
//! with a passphrase, rekey, edit through $EDITOR, clean failures that change nothing, and
//! no plaintext in what `check` and `compile` print.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A stack directory and a private HOME, so no real identity is ever used.
struct Env {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

const PLAINTEXT: &str = "password: Tr0ub4dor&3-plaintext-marker\n";

impl Env {
    fn new(stack: &str) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("stack")).expect("stack dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::write(dir.path().join("stack/main.drove"), stack).expect("write stack");
        let home = dir.path().join("home").display().to_string();
        Env { dir, vars: vec![("HOME".into(), home)] }
    }

    fn stack(&self) -> PathBuf {
        self.dir.path().join("stack")
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(key, _)| key != k);
        self.vars.push((k.into(), v.into()));
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_drove"));
        cmd.args(args).env("NO_COLOR", "1");
        for v in ["DROVE_IDENTITY", "DROVE_SECRET_PASSPHRASE", "XDG_CONFIG_HOME", "EDITOR", "VISUAL"] {
            cmd.env_remove(v);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let mut child =
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("drove starts");
        let mut input = child.stdin.take().expect("stdin");
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            use std::io::Write as _;
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().expect("drove runs");
        let _ = writer.join();
        let run = Run {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "drove {args:?} panicked:\n{}", run.stderr);
        run
    }

    fn stack_arg(&self) -> String {
        self.stack().display().to_string()
    }

    /// A snapshot of every file of the stack, to show a failed command changed nothing.
    fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(self.stack())
            .expect("read dir")
            .flatten()
            .map(|e| (e.path(), std::fs::read(e.path()).expect("read")))
            .collect();
        v.sort();
        v
    }

    fn init(&self, name: &str) -> String {
        let r = self.run(&["secret", "init", "--out", &self.path(name)], b"");
        assert_eq!(r.code, 0, "{}", r.stderr);
        let recipient = r.stdout.trim().to_string();
        assert!(recipient.starts_with("age1"), "{recipient}");
        recipient
    }
}

fn stack_with(recipients: &[&str]) -> String {
    let list: Vec<String> = recipients.iter().map(|r| format!("\"{r}\"")).collect();
    format!(
        r#"stack shop {{
  region     = "ap-northeast-1"
  recipients = [{}]
}}

network main {{
  cidr = 10.0.0.0/16
  subnet a {{ cidr = 10.0.1.0/24  zone = a }}
}}

role app {{
  image = image("base-*", "123456789012")
  type  = t3.small
  provision {{
    file "/etc/app/db.yml" = secret("db.yml")
  }}
}}

hosts app {{ role = app  count = 1  subnets = [main.a] }}
"#,
        list.join(", ")
    )
}

fn set_recipients(env: &Env, recipients: &[&str]) {
    std::fs::write(env.stack().join("main.drove"), stack_with(recipients)).expect("write");
}

#[test]
fn identity_round_trip_and_plaintext_never_printed_by_check_or_compile() {
    let mut env = Env::new("");
    let recipient = env.init("id.txt");
    set_recipients(&env, &[&recipient]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(env.path("id.txt")).expect("identity").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // init again keeps the file and prints the same recipient.
    let again = env.run(&["secret", "init", "--out", &env.path("id.txt")], b"");
    assert_eq!((again.code, again.stdout.trim()), (0, recipient.as_str()));

    let enc = env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], PLAINTEXT.as_bytes());
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    let secrets = std::fs::read_to_string(env.stack().join("secrets.drove")).expect("secrets.drove");
    assert!(secrets.contains("secret \"db.yml\" = \"YWdlLWVuY3J5cHRpb24ub3JnL3Yx"), "{secrets}");
    assert!(secrets.contains("secret \"drove.hash-key\" = \""), "{secrets}");
    assert!(!secrets.contains("Tr0ub4dor"));

    env.set("DROVE_IDENTITY", &env.path("id.txt"));
    let dec = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!((dec.code, dec.stdout.as_str()), (0, PLAINTEXT), "{}", dec.stderr);

    // Replacing keeps one declaration per name.
    let enc = env.run(&["secret", "encrypt", "db.yml", &env.stack_arg(), "--from", "-"], b"second");
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    let secrets = std::fs::read_to_string(env.stack().join("secrets.drove")).expect("secrets.drove");
    assert_eq!(secrets.matches("secret \"db.yml\"").count(), 1, "{secrets}");
    assert_eq!(env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"").stdout, "second");
    let enc = env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], PLAINTEXT.as_bytes());
    assert_eq!(enc.code, 0);

    // check and compile see the secret but never print it, whatever keys are around.
    env.set("DROVE_SECRET_PASSPHRASE", "unused");
    for args in [vec!["check", "--format", "json"], vec!["check"], vec!["compile"]] {
        let mut a = args.clone();
        let stack = env.stack_arg();
        a.push(&stack);
        let r = env.run(&a, b"");
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        for text in [&r.stdout, &r.stderr] {
            assert!(!text.contains("Tr0ub4dor"), "{args:?} printed the plaintext");
        }
    }
    let compiled = env.run(&["compile", &env.stack_arg()], b"").stdout;
    // The secret goes to Parameter Store: a parameter carrying its ciphertext, and a
    // marker in the user data where the host fetches it.
    assert!(compiled.contains("{{parameter:db.yml}}") && compiled.contains("\"ssm.parameter\""), "{compiled}");
    assert_eq!(env.run(&["check", "--format", "json", &env.stack_arg()], b"").stdout.trim(), "[]");
}

#[test]
fn passphrase_round_trip() {
    let mut env = Env::new(&stack_with(&[]));
    let without = env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], b"x");
    assert_eq!(without.code, 1);
    assert!(without.stderr.contains("DROVE_SECRET_PASSPHRASE"), "{}", without.stderr);
    env.set("DROVE_SECRET_PASSPHRASE", "correct horse battery staple");
    let enc = env.run(&["secret", "encrypt", "db.yml", &env.stack_arg(), "--from", &env.path("stack/main.drove")], b"");
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    let dec = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(dec.code, 0, "{}", dec.stderr);
    assert_eq!(dec.stdout, stack_with(&[]));
    let check = env.run(&["check", &env.stack_arg()], b"");
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(!check.stdout.contains("W0034"), "{}", check.stdout);

    env.set("DROVE_SECRET_PASSPHRASE", "wrong");
    let bad = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("passphrase") && bad.stdout.is_empty(), "{}", bad.stderr);
}

#[test]
fn rekey_after_adding_a_recipient() {
    let mut env = Env::new("");
    let alice = env.init("alice.txt");
    let bob = env.init("bob.txt");
    set_recipients(&env, &[&alice]);
    assert_eq!(env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], PLAINTEXT.as_bytes()).code, 0);
    set_recipients(&env, &[&alice, &bob]);
    let stale = env.run(&["check", &env.stack_arg()], b"");
    assert!(stale.stdout.contains("W0034"), "{}", stale.stdout);

    env.set("DROVE_IDENTITY", &env.path("bob.txt"));
    let denied = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(denied.code, 1);
    assert!(denied.stderr.contains("none of the available keys"), "{}", denied.stderr);
    // Bob cannot rekey what he cannot read, and nothing changes.
    let before = env.files();
    assert_eq!(env.run(&["secret", "rekey", &env.stack_arg()], b"").code, 1);
    assert_eq!(env.files(), before);

    env.set("DROVE_IDENTITY", &env.path("alice.txt"));
    let rekey = env.run(&["secret", "rekey", &env.stack_arg()], b"");
    assert_eq!(rekey.code, 0, "{}", rekey.stderr);
    assert!(rekey.stderr.contains("re-encrypted 1 secret(s) for 2 recipient(s)"), "{}", rekey.stderr);
    assert!(!env.run(&["check", &env.stack_arg()], b"").stdout.contains("W0034"));

    env.set("DROVE_IDENTITY", &env.path("bob.txt"));
    let dec = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!((dec.code, dec.stdout.as_str()), (0, PLAINTEXT), "{}", dec.stderr);
}

#[test]
fn edit_through_an_editor_script() {
    let mut env = Env::new("");
    let me = env.init("id.txt");
    set_recipients(&env, &[&me]);
    env.set("DROVE_IDENTITY", &env.path("id.txt"));
    assert_eq!(env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], b"line one\n").code, 0);

    // The editor notes where it was asked to edit and what mode the file had, then appends.
    let script = env.path("editor.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" > {log}\nstat -c %a \"$1\" >> {log}\nprintf 'line two\\n' >> \"$1\"\n",
            log = env.path("log")
        ),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    env.set("EDITOR", &script);
    let edit = env.run(&["secret", "edit", "db.yml", &env.stack_arg()], b"");
    assert_eq!(edit.code, 0, "{}", edit.stderr);
    let log = std::fs::read_to_string(env.path("log")).expect("log");
    let mut lines = log.lines();
    let scratch = PathBuf::from(lines.next().expect("path"));
    assert_eq!(lines.next(), Some("600"));
    assert!(!scratch.exists(), "the plaintext file was left behind");
    let dec = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(dec.stdout, "line one\nline two\n");

    // An editor that changes nothing rewrites nothing; one that fails changes nothing.
    let before = env.files();
    env.set("EDITOR", "true");
    let same = env.run(&["secret", "edit", "db.yml", &env.stack_arg()], b"");
    assert_eq!(same.code, 0);
    assert!(same.stderr.contains("unchanged"), "{}", same.stderr);
    env.set("EDITOR", "false");
    assert_eq!(env.run(&["secret", "edit", "db.yml", &env.stack_arg()], b"").code, 1);
    assert_eq!(env.files(), before);

    // A new name starts empty.
    env.set("EDITOR", &script);
    assert_eq!(env.run(&["secret", "edit", "new.txt", &env.stack_arg()], b"").code, 0);
    assert_eq!(env.run(&["secret", "decrypt", "new.txt", &env.stack_arg()], b"").stdout, "line two\n");
}

#[test]
fn wrong_missing_and_tampered_keys_fail_cleanly() {
    let mut env = Env::new("");
    let me = env.init("id.txt");
    let other = env.init("other.txt");
    set_recipients(&env, &[&me]);
    assert_eq!(env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], PLAINTEXT.as_bytes()).code, 0);
    let before = env.files();

    // Missing: no DROVE_IDENTITY, nothing at the default path, no passphrase.
    let missing = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no key to decrypt with"), "{}", missing.stderr);
    assert!(env.run(&["secret", "rekey", &env.stack_arg()], b"").stderr.contains("no key"));
    // A DROVE_IDENTITY that does not exist is named.
    env.set("DROVE_IDENTITY", &env.path("nope.txt"));
    let absent = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert!(absent.code == 1 && absent.stderr.contains("nope.txt"), "{}", absent.stderr);

    // Wrong: another identity.
    env.set("DROVE_IDENTITY", &env.path("other.txt"));
    let wrong = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("none of the available keys") && wrong.stdout.is_empty(), "{}", wrong.stderr);
    assert_eq!(env.run(&["secret", "edit", "db.yml", &env.stack_arg()], b"").code, 1);
    assert_eq!(env.files(), before);
    let _ = other;

    // The default path is used when DROVE_IDENTITY is unset.
    env.vars.retain(|(k, _)| k != "DROVE_IDENTITY");
    let default = Path::new(&env.path("home")).join(".config/drove/identity.txt");
    std::fs::create_dir_all(default.parent().expect("dir")).expect("dir");
    std::fs::copy(env.path("id.txt"), &default).expect("copy");
    assert_eq!(env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"").stdout, PLAINTEXT);

    // Tampered: one byte of the payload changed (the base64 stays valid).
    let secrets = env.stack().join("secrets.drove");
    let text = std::fs::read_to_string(&secrets).expect("read");
    let line = text.lines().find(|l| l.starts_with("secret \"db.yml\"")).expect("declaration");
    let value = line.trim_end_matches('"').rsplit('"').next().expect("value");
    let mut chars: Vec<char> = value.chars().collect();
    let i = chars.len() - 8;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    std::fs::write(&secrets, text.replace(value, &tampered)).expect("write");
    let before = env.files();
    let t = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert_eq!(t.code, 1);
    assert!(t.stderr.contains("altered") && t.stdout.is_empty(), "{}", t.stderr);
    assert_eq!(env.run(&["secret", "rekey", &env.stack_arg()], b"").code, 1);
    assert_eq!(env.files(), before);

    // Not even base64 any more: the checker reports it.
    std::fs::write(&secrets, text.replace(value, "not base64!")).expect("write");
    let check = env.run(&["check", &env.stack_arg()], b"");
    assert_eq!(check.code, 1);
    assert!(check.stdout.contains("E0259"), "{}", check.stdout);
    let d = env.run(&["secret", "decrypt", "db.yml", &env.stack_arg()], b"");
    assert!(d.code == 1 && d.stderr.contains("not an age ciphertext"), "{}", d.stderr);
}

#[test]
fn unknown_names_and_bad_names_are_refused() {
    let mut env = Env::new("");
    let me = env.init("id.txt");
    set_recipients(&env, &[&me]);
    env.set("DROVE_IDENTITY", &env.path("id.txt"));
    assert_eq!(env.run(&["secret", "encrypt", "db.yml", &env.stack_arg()], b"x").code, 0);
    let unknown = env.run(&["secret", "decrypt", "db.yml.bak", &env.stack_arg()], b"");
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("did you mean `db.yml`"), "{}", unknown.stderr);
    let bad = env.run(&["secret", "encrypt", "a\"b", &env.stack_arg()], b"x");
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("cannot contain"), "{}", bad.stderr);
}
