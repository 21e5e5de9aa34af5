//! A role's `provision { … }` block as a cloud-init `#cloud-config` document: the user
//! data of its instances.
//!
//! cloud-init runs its modules in a fixed order, whatever the order of the document's
//! keys (Debian's `/etc/cloud/cloud.cfg`): `users-groups` at boot (init stage), `runcmd`
//! writes its script in the config stage, then the final stage installs `packages`
//! (`package-update-upgrade-install`), writes deferred files (`write-files-deferred`) and
//! only then runs the `runcmd` script (`scripts-user`). The steps are grouped by module
//! accordingly, each group in the order written:
//!
//! - `package` → `package_update: true` and `packages`;
//! - `user` → `users`, after `default` so the image's default user (`admin` on Debian,
//!   `ec2-user` on Amazon Linux) keeps its SSH key; cloud-init creates a missing group;
//! - `file` → `write_files` with `defer: true`, i.e. after packages are installed and
//!   users exist, so a file may belong to a provisioned user and replaces a package's
//!   default config rather than being replaced by it; `permissions` is an octal string;
//! - `run` → a `runcmd` string (run by `sh`); `service` → `systemctl enable NAME` and
//!   `systemctl restart NAME` as argument lists in the same `runcmd`, in the order
//!   written. Restart, not `enable --now`: Debian starts a daemon as soon as its package
//!   is installed, before the deferred files replace its configuration, and `--now` leaves
//!   a running unit alone.
//!
//! The document is deterministic (same source, same bytes) and every scalar is
//! double-quoted ([`yaml::quoted`]).
//!
//! Content that compile cannot or must not put in clear is a marker the engine replaces
//! when it launches the instance, inside a `write_files` entry with `encoding: "b64"`:
//! `{{secret:NAME}}` becomes the base64 of the decrypted secret, `{{file:PATH}}` the
//! base64 of the repository file (relative to the stack directory). The `user_data`
//! attribute lists every marker, so the engine never scans for them:
//!
//! ```json
//! "user_data": {"cloud_config": "#cloud-config\n…", "secrets": ["db.yml"],
//!               "files": ["files/nginx.conf"], "encoding": "plain"}
//! ```
//!
//! Literal text that contains `{{` is itself written base64-encoded, so no text can pose
//! as a marker. A secret file without a `mode` gets `0600`. `encoding` says how the
//! engine must send the filled-in document: `"plain"`, or `"gzip"` when only gzipped does
//! it fit EC2's limit ([`size`]). A role with no provisioning has `"user_data": null`.

pub mod size;
mod yaml;

use crate::hir::{FileContent, Role, SecretDelivery, Spanned, Stack, StepKind};
use crate::model::instance::UserData;
use crate::source::Span;
use base64::Engine as _;
use std::fmt::Write as _;

pub use yaml::quoted;

/// A rendered `#cloud-config` document with what the engine fills in.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudConfig {
    pub document: String,
    /// Secrets named by `{{secret:…}}` markers, each once, in order of first use.
    pub secrets: Vec<String>,
    /// Secrets the host reads from Parameter Store, named by `{{parameter:…}}` markers,
    /// each once, in order of first use.
    pub parameters: Vec<String>,
    /// Repository files named by `{{file:…}}` markers, each once, in order of first use.
    pub files: Vec<String>,
    /// Every `file` step, for the size rule.
    pub entries: Vec<FileEntry>,
}

/// One `write_files` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// The path on the instance.
    pub path: String,
    /// The `file` step.
    pub span: Span,
    pub content: Content,
}

/// Where a file's content comes from, as far as its size is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Text in the document; `quoted` is the scalar as written there.
    Inline { quoted: String },
    /// `secret("NAME")`; `marker` is the quoted scalar the engine replaces.
    Secret { name: String, marker: String },
    /// `file("PATH")`; `marker` as for a secret.
    Repo { path: String, marker: String },
}

/// Where a role's hosts read their secrets from Parameter Store: the stack (its
/// parameters' path) and the region.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    pub stack: String,
    pub region: String,
}

impl Fetch {
    /// For a role whose secrets go through Parameter Store (the default); `None` when the
    /// role embeds them in user data, or the stack lacks the name or region (reported).
    pub fn of(stack: &Stack, role: &Role) -> Option<Fetch> {
        if role.secret_delivery() != SecretDelivery::ParameterStore {
            return None;
        }
        let info = stack.info()?;
        Some(Fetch { stack: info.name.text.clone(), region: info.region.as_ref()?.value.clone() })
    }
}

/// The shell script a `runcmd` entry runs to write one secret file from Parameter Store:
/// `$1` path, `$2` parameter name, `$3` owner, `$4` mode, `$5` region (`$6`, the value's
/// fingerprint, only makes a changed value a changed document). The value is the base64
/// of the secret, so any bytes arrive exactly. The instance role's credentials and IAM
/// changes can take a while to reach a new instance: the read is retried for 5 minutes.
/// The file is written beside its final path and renamed, so no reader sees half a file.
pub const FETCH_SCRIPT: &str = "set -eu; n=0; \
until v=$(aws ssm get-parameter --region \"$5\" --name \"$2\" --with-decryption --query Parameter.Value --output text); do \
n=$((n+1)); if [ \"$n\" -ge 60 ]; then echo \"drove: cannot read $2 from SSM Parameter Store\" >&2; exit 1; fi; sleep 5; done; \
mkdir -p \"$(dirname \"$1\")\"; umask 077; t=$(mktemp \"$1.drove.XXXXXX\"); \
printf '%s' \"$v\" | base64 -d > \"$t\"; chown \"$3\" \"$t\"; chmod \"$4\" \"$t\"; mv -f \"$t\" \"$1\"";

/// The `user_data` attribute of a role's instances (see the module documentation).
pub fn user_data(stack: &Stack, role: &Role) -> Option<UserData> {
    let cc = render(role, Fetch::of(stack, role).as_ref())?;
    let encoding = match size::estimate(stack, &cc).encoding() {
        Some(e) => e,
        // Reported by the size check, which keeps such a stack from compiling.
        None => size::Encoding::Gzip,
    };
    let mut ciphertexts = std::collections::BTreeMap::new();
    let names = cc.secrets.iter().chain(&cc.parameters).map(String::as_str);
    // The hash key keys the document's fingerprint whenever the stack has one.
    for name in names.chain(std::iter::once(crate::secrets::HASH_KEY_NAME)) {
        if let Some(text) = stack.secret(name).and_then(|s| s.ciphertext.as_ref()) {
            ciphertexts.insert(name.to_string(), text.value.clone());
        }
    }
    // `drove check` made sure each file is readable (E0264); one that vanished since is
    // left out, and the engine names it before anything is applied.
    let contents = cc.files.iter().filter_map(|path| Some((path.clone(), size::repo_base64(stack, path)?))).collect();
    Some(UserData {
        cloud_config: Some(cc.document),
        secrets: Some(cc.secrets),
        files: Some(cc.files),
        parameters: (!cc.parameters.is_empty()).then_some(cc.parameters),
        encoding: Some(encoding),
        ciphertexts,
        contents,
        fingerprint: None,
    })
}

/// The document of a role, or `None` when it provisions nothing. With `fetch`, secret
/// files are read from Parameter Store at boot instead of travelling in the document.
pub fn render(role: &Role, fetch: Option<&Fetch>) -> Option<CloudConfig> {
    if role.provision.is_empty() {
        return None;
    }
    let mut packages = Vec::new();
    let mut users = String::new();
    let mut files = String::new();
    let mut runcmd = Vec::new();
    // Secret files fetched at boot come before the role's own commands, which may need them.
    let mut fetches = Vec::new();
    let mut cc = CloudConfig {
        document: String::new(),
        secrets: Vec::new(),
        parameters: Vec::new(),
        files: Vec::new(),
        entries: Vec::new(),
    };
    // `write!` into a String cannot fail; the results are ignored for that reason.
    for step in &role.provision {
        match &step.kind {
            StepKind::Package { names } => packages.extend(names.iter().map(|n| quoted(&n.value))),
            StepKind::User { name, groups, shell } => {
                let _ = writeln!(users, "  - name: {}", quoted(&name.value));
                if !groups.is_empty() {
                    let list: Vec<String> = groups.iter().map(|g| quoted(&g.value)).collect();
                    let _ = writeln!(users, "    groups: [{}]", list.join(", "));
                }
                if let Some(sh) = shell {
                    let _ = writeln!(users, "    shell: {}", quoted(&sh.value));
                }
            }
            StepKind::File { path, owner, mode, content: Spanned { value: FileContent::Secret(name), .. } }
                if fetch.is_some() =>
            {
                let Some(f) = fetch else { continue };
                if !cc.parameters.contains(&name.text) {
                    cc.parameters.push(name.text.clone());
                }
                let args = [
                    "sh".to_string(),
                    "-c".to_string(),
                    FETCH_SCRIPT.to_string(),
                    "drove-secret".to_string(),
                    path.value.clone(),
                    crate::model::parameter::name(&f.stack, &name.text),
                    owner.as_ref().map_or_else(|| "root:root".to_string(), |o| o.value.clone()),
                    format!("{:04o}", mode.as_ref().map_or(0o600, |m| m.value)),
                    f.region.clone(),
                    format!("{{{{parameter:{}}}}}", name.text),
                ];
                let list: Vec<String> = args.iter().map(|a| quoted(a)).collect();
                fetches.push(format!("[{}]", list.join(", ")));
            }
            StepKind::File { path, owner, mode, content } => {
                let _ = writeln!(files, "  - path: {}", quoted(&path.value));
                if let Some(o) = owner {
                    let _ = writeln!(files, "    owner: {}", quoted(&o.value));
                }
                let is_secret = matches!(content.value, FileContent::Secret(_));
                match (mode, is_secret) {
                    (Some(m), _) => {
                        let _ = writeln!(files, "    permissions: {}", quoted(&format!("{:04o}", m.value)));
                    }
                    (None, true) => files.push_str("    permissions: \"0600\"\n"),
                    (None, false) => {}
                }
                let (b64, content) = match &content.value {
                    FileContent::Secret(name) => {
                        if !cc.secrets.contains(&name.text) {
                            cc.secrets.push(name.text.clone());
                        }
                        let marker = quoted(&format!("{{{{secret:{}}}}}", name.text));
                        (true, Content::Secret { name: name.text.clone(), marker })
                    }
                    FileContent::RepoFile(p) => {
                        if !cc.files.contains(p) {
                            cc.files.push(p.clone());
                        }
                        (true, Content::Repo { path: p.clone(), marker: quoted(&format!("{{{{file:{p}}}}}")) })
                    }
                    FileContent::Text(t) if t.contains("{{") => {
                        let encoded = base64::engine::general_purpose::STANDARD.encode(t.as_bytes());
                        (true, Content::Inline { quoted: quoted(&encoded) })
                    }
                    FileContent::Text(t) => (false, Content::Inline { quoted: quoted(t) }),
                };
                if b64 {
                    files.push_str("    encoding: \"b64\"\n");
                }
                let scalar = match &content {
                    Content::Inline { quoted } => quoted,
                    Content::Secret { marker, .. } | Content::Repo { marker, .. } => marker,
                };
                let _ = writeln!(files, "    content: {scalar}\n    defer: true");
                cc.entries.push(FileEntry { path: path.value.clone(), span: step.span.clone(), content });
            }
            StepKind::Run { command } => runcmd.push(quoted(&command.value)),
            StepKind::Service { names } => {
                for n in names {
                    let name = quoted(&n.value);
                    runcmd.push(format!("[\"systemctl\", \"enable\", {name}]"));
                    runcmd.push(format!("[\"systemctl\", \"restart\", {name}]"));
                }
            }
        }
    }
    let doc = &mut cc.document;
    doc.push_str("#cloud-config\n");
    if !packages.is_empty() {
        doc.push_str("package_update: true\npackages:\n");
        for p in &packages {
            let _ = writeln!(doc, "  - {p}");
        }
    }
    if !users.is_empty() {
        doc.push_str("users:\n  - default\n");
        doc.push_str(&users);
    }
    if !files.is_empty() {
        doc.push_str("write_files:\n");
        doc.push_str(&files);
    }
    fetches.append(&mut runcmd);
    let runcmd = fetches;
    if !runcmd.is_empty() {
        doc.push_str("runcmd:\n");
        for c in &runcmd {
            let _ = writeln!(doc, "  - {c}");
        }
    }
    Some(cc)
}

#[cfg(test)]
mod tests;
