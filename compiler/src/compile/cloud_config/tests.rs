use super::size::{self, Encoding, E_USER_DATA_TOO_BIG, LIMIT};
use super::*;
use crate::diag::Sink;
use crate::hir::{Ident, Spanned, Step};
use serde_json::{json, Value};

/// The attribute as the model writes it, to compare with JSON.
fn user_data(stack: &Stack, role: &Role) -> Value {
    serde_json::to_value(super::user_data(stack, role)).unwrap_or(Value::Null)
}

fn stack(text: &str) -> Stack {
    let (file, diags) = crate::syntax::parse(0, text);
    assert!(diags.is_empty(), "{diags:#?}");
    let mut sink = Sink::default();
    let stack = crate::lower::lower(&[file], &mut sink);
    assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
    stack
}

fn role_with(provision: &str) -> String {
    format!("role app {{\n  image = image(\"base-*\")\n  type = t3.medium\n  provision {{\n{provision}\n  }}\n}}\n")
}

const STEPS: &str = r#"    package "nginx", "ruby"
    user "app" groups "www-data", "adm" shell "/bin/bash"
    file "/etc/app/db.yml" owner "app" = secret("db.yml")
    file "/etc/nginx/nginx.conf" mode 0644 = file("files/nginx.conf")
    file "/etc/motd" = "Managed by drove.\n"
    file "/etc/tpl" mode 0600 = "{{secret:db.yml}}"
    run "bundle install --deployment"
    service "nginx"
    run "echo done""#;

#[test]
fn the_document_is_grouped_by_module_and_keeps_secrets_out() {
    let s = stack(&role_with(STEPS));
    let role = s.role("app").expect("role");
    let ud = user_data(&s, role);
    let tpl_b64 = base64::engine::general_purpose::STANDARD.encode("{{secret:db.yml}}");
    let expected = format!(
        r#"#cloud-config
package_update: true
packages:
  - "nginx"
  - "ruby"
users:
  - default
  - name: "app"
    groups: ["www-data", "adm"]
    shell: "/bin/bash"
write_files:
  - path: "/etc/app/db.yml"
    owner: "app"
    permissions: "0600"
    encoding: "b64"
    content: "{{{{secret:db.yml}}}}"
    defer: true
  - path: "/etc/nginx/nginx.conf"
    permissions: "0644"
    encoding: "b64"
    content: "{{{{file:files/nginx.conf}}}}"
    defer: true
  - path: "/etc/motd"
    content: "Managed by drove.\n"
    defer: true
  - path: "/etc/tpl"
    permissions: "0600"
    encoding: "b64"
    content: "{tpl_b64}"
    defer: true
runcmd:
  - "bundle install --deployment"
  - ["systemctl", "enable", "nginx"]
  - ["systemctl", "restart", "nginx"]
  - "echo done"
"#
    );
    assert_eq!(ud["cloud_config"].as_str(), Some(expected.as_str()));
    assert_eq!(ud["secrets"], json!(["db.yml"]));
    assert_eq!(ud["files"], json!(["files/nginx.conf"]));
    assert_eq!(ud["encoding"], "plain");
    // The same input renders the same bytes.
    assert_eq!(ud, user_data(&s, role));
}

#[test]
fn a_role_without_provisioning_has_no_user_data() {
    let s = stack("role db { image = ami-0123456789abcdef0  type = r6g.large }\n");
    assert_eq!(user_data(&s, s.role("db").expect("role")), Value::Null);
}

#[test]
fn only_present_groups_are_written() {
    let s = stack(&role_with("    run \"true\""));
    let doc = render(s.role("app").expect("role"), None).expect("provisioned").document;
    assert_eq!(doc, "#cloud-config\nruncmd:\n  - \"true\"\n");
}

/// A role built directly, so any text can go into any step.
fn role(steps: Vec<StepKind>) -> Role {
    let name = Ident { text: "r".into(), span: 0..1 };
    Role {
        file: 0,
        name,
        span: 0..1,
        image: None,
        instance_type: None,
        firewalls: Vec::new(),
        disk_gib: None,
        public_ip: None,
        imdsv2: None,
        encrypted: None,
        provision: steps.into_iter().map(|kind| Step { span: 0..1, kind }).collect(),
        provision_at: Some(0..1),
        drain: None,
        drain_timeout: None,
        batch: None,
        secrets: None,
        access: Vec::new(),
    }
}

fn sp<T>(value: T) -> Spanned<T> {
    Spanned::new(value, 0..1)
}

fn parse(doc: &str) -> Value {
    assert!(doc.starts_with("#cloud-config\n"));
    serde_norway::from_str(doc).unwrap_or_else(|e| panic!("{e}:\n{doc}"))
}

/// The text a `write_files` entry stands for.
fn content_of(entry: &Value) -> String {
    let content = entry["content"].as_str().unwrap_or_default();
    if entry["encoding"] == "b64" {
        let bytes = base64::engine::general_purpose::STANDARD.decode(content).expect("base64");
        String::from_utf8(bytes).expect("utf-8")
    } else {
        content.to_string()
    }
}

proptest::proptest! {
    /// Whatever the texts, a YAML reader finds exactly the drove source's values in the
    /// document.
    #[test]
    fn any_text_round_trips(
        package in ".*",
        user in ".*",
        group in ".*",
        shell in ".*",
        path in ".*",
        owner in ".*",
        mode in 0u32..0o7777,
        text in proptest::prelude::any::<String>(),
        command in proptest::prelude::any::<String>(),
        service in ".*",
    ) {
        let r = role(vec![
            StepKind::Package { names: vec![sp(package.clone())] },
            StepKind::User { name: sp(user.clone()), groups: vec![sp(group.clone())], shell: Some(sp(shell.clone())) },
            StepKind::File { path: sp(path.clone()), owner: Some(sp(owner.clone())), mode: Some(sp(mode)), content: sp(FileContent::Text(text.clone())) },
            StepKind::Run { command: sp(command.clone()) },
            StepKind::Service { names: vec![sp(service.clone())] },
        ]);
        let doc = parse(&render(&r, None).expect("provisioned").document);
        proptest::prop_assert_eq!(&doc["packages"], &json!([package]));
        proptest::prop_assert_eq!(&doc["users"], &json!(["default", {"name": user, "groups": [group], "shell": shell}]));
        let file = &doc["write_files"][0];
        proptest::prop_assert_eq!(&file["path"], &json!(path));
        proptest::prop_assert_eq!(&file["owner"], &json!(owner));
        proptest::prop_assert_eq!(&file["permissions"], &json!(format!("{mode:04o}")));
        proptest::prop_assert_eq!(&file["defer"], &json!(true));
        proptest::prop_assert_eq!(content_of(file), text);
        proptest::prop_assert_eq!(&doc["runcmd"], &json!([command, ["systemctl", "enable", &service], ["systemctl", "restart", &service]]));
    }
}

#[test]
fn text_that_looks_like_a_marker_is_encoded() {
    let r = role(vec![StepKind::File {
        path: sp("/etc/x".into()),
        owner: None,
        mode: None,
        content: sp(FileContent::Text("{{file:/etc/shadow}}".into())),
    }]);
    let cc = render(&r, None).expect("provisioned");
    assert!(!cc.document.contains("{{"));
    assert!(cc.files.is_empty());
    assert_eq!(content_of(&parse(&cc.document)["write_files"][0]), "{{file:/etc/shadow}}");
}

/// Bytes no compressor shrinks: a seeded random stream.
fn random_bytes(n: usize) -> Vec<u8> {
    use rand::{RngCore as _, SeedableRng as _};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut raw = vec![0u8; n];
    rng.fill_bytes(&mut raw);
    raw
}

/// Text that compresses to about half: hex of random bytes.
fn noise(chars: usize) -> String {
    random_bytes(chars.div_ceil(2)).iter().map(|b| format!("{b:02x}")).collect::<String>()[..chars].to_string()
}

fn file_step(path: &str, content: FileContent) -> StepKind {
    StepKind::File { path: sp(path.into()), owner: None, mode: None, content: sp(content) }
}

#[test]
fn user_data_over_the_limit_is_gzipped_when_that_fits() {
    let s = Stack::default();
    let small = role(vec![file_step("/etc/a", FileContent::Text("a".repeat(LIMIT - 100)))]);
    let est = size::estimate(&s, &render(&small, None).expect("provisioned"));
    assert_eq!((est.encoding(), est.gzip), (Some(Encoding::Plain), None));

    let big = role(vec![file_step("/etc/a", FileContent::Text("repetitive line\n".repeat(4000)))]);
    let est = size::estimate(&s, &render(&big, None).expect("provisioned"));
    assert!(est.plain > LIMIT && est.gzip.is_some_and(|g| g < 2000), "{est:?}");
    assert_eq!(est.encoding(), Some(Encoding::Gzip));
    assert_eq!(user_data(&s, &big)["encoding"], "gzip");
}

#[test]
fn user_data_that_does_not_fit_gzipped_is_an_error_naming_the_biggest_files() {
    let src = role_with(&format!(
        "    package \"nginx\"\n    file \"/etc/small\" = \"x\"\n    file \"/srv/big\" = \"{}\"\n    file \"/srv/medium\" = \"{}\"",
        noise(30_000),
        noise(5_000)
    ));
    let s = stack(&src);
    let mut sink = Sink::default();
    size::check(&s, &mut sink);
    let [d] = sink.diagnostics.as_slice() else { panic!("{:#?}", sink.diagnostics) };
    assert_eq!(d.code, E_USER_DATA_TOO_BIG);
    assert_eq!(&src[d.primary.span.clone()], "provision");
    assert!(d.message.contains("role `app`") && d.message.contains("16,384"), "{}", d.message);
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("`/srv/big` (30,002 bytes), `/srv/medium` (5,002 bytes), `/etc/small` (3 bytes)"), "{help}");
    assert_eq!(d.secondary.len(), 3);
    assert!(src[d.secondary[0].span.clone()].starts_with("file \"/srv/big\""));
}

#[test]
fn repository_files_count_by_their_size_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("files")).expect("mkdir");
    std::fs::write(dir.path().join("files/small.conf"), "x".repeat(100)).expect("write");
    std::fs::write(dir.path().join("files/zeros.bin"), vec![0u8; 20_000]).expect("write");
    std::fs::write(dir.path().join("files/noise.bin"), random_bytes(20_000)).expect("write");
    let mut s = Stack { dir: Some(dir.path().to_path_buf()), ..Stack::default() };
    let measure = |s: &Stack, p: &str| {
        size::estimate(
            s,
            &render(&role(vec![file_step("/f", FileContent::RepoFile(p.into()))]), None).expect("provisioned"),
        )
    };

    let small = measure(&s, "files/small.conf");
    assert_eq!(small.file_bytes, vec![136 + 2]);
    assert_eq!(small.encoding(), Some(Encoding::Plain));
    let zeros = measure(&s, "files/zeros.bin");
    assert!(zeros.plain > 26_000 && zeros.gzip.is_some_and(|g| g < 1_000), "{zeros:?}");
    assert_eq!(zeros.encoding(), Some(Encoding::Gzip));
    assert_eq!(measure(&s, "files/noise.bin").encoding(), None);
    // A file that is not there counts as empty: the engine reports it at launch.
    assert_eq!(measure(&s, "files/missing").file_bytes, vec![2]);
    s.dir = None;
    assert_eq!(measure(&s, "files/zeros.bin").encoding(), Some(Encoding::Plain));
}

#[test]
fn secrets_count_by_their_plaintext_size() {
    let key = age::x25519::Identity::generate().to_public();
    let to = crate::secrets::Encryption::Recipients(vec![key]);
    let secret = |n: usize| crate::secrets::encrypt(&vec![b'a'; n], &to).expect("encrypt");
    let src = format!(
        "{}secret \"small\" = \"{}\"\nsecret \"big\" = \"{}\"\n",
        role_with("    file \"/etc/a\" = secret(\"small\")\n    file \"/etc/b\" = secret(\"big\")"),
        secret(1_000),
        secret(12_000)
    );
    let s = stack(&src);
    let cc = render(s.role("app").expect("role"), None).expect("provisioned");
    let est = size::estimate(&s, &cc);
    assert_eq!(est.file_bytes, vec![1_336 + 2, 16_000 + 2]);
    // Counted as incompressible, the big one alone is over the limit, gzip or not.
    assert_eq!(est.encoding(), None);
    let mut sink = Sink::default();
    size::check(&s, &mut sink);
    assert!(sink.diagnostics[0].secondary[0].message.contains("estimated from the ciphertext"));
}
