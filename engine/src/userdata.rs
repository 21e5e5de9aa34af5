//! An instance's real user data, rendered in memory at plan and apply time.
//!
//! The compiled `user_data` attribute holds a cloud-config with markers
//! (`{{secret:NAME}}`, `{{file:PATH}}`) and lists every marker it holds (see
//! `drove_compiler::compile::instances`). Here each marker becomes the base64 of the
//! decrypted secret or of the repository file, and the document is gzipped when the
//! attribute asks for it. The rendered bytes never leave memory except towards
//! RunInstances: plans and the state keep only a fingerprint of the document, keyed with
//! the stack's hash key (`drove.hash-key`) so that reading the state does not allow
//! guessing a secret. Refresh fingerprints the instance's live user data the same way, so
//! a changed secret, or user data changed behind drove's back, shows as a diff.

use crate::error::{codes, EngineError, Result};
use age::secrecy::{ExposeSecret, SecretBox};
use base64::Engine as _;
use drove_compiler::model::instance::{Encoding, UserData as Document};
use drove_compiler::model::parameter::{self, Sealed};
use drove_compiler::secrets::{Decrypted, Keyring, Plaintext, SecretError, HASH_KEY_NAME};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};

/// EC2 takes at most 16 KiB of user data before base64.
pub const MAX_USER_DATA: usize = 16 * 1024;
/// Live user data is gunzipped up to this size to fingerprint it; more is not drove's.
const MAX_GUNZIPPED: u64 = 1024 * 1024;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What renders user data: the decrypted secrets and repository files it may name, and
/// the key of its fingerprints. It holds plaintext, so it is never printed or saved.
pub struct UserData {
    secrets: Option<Decrypted>,
    hash_key: Option<Plaintext>,
    files: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for UserData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UserData {{ keyed: {}, files: {:?} }}",
            self.hash_key.is_some(),
            self.files.keys().collect::<Vec<_>>()
        )
    }
}

/// A rendered document: the bytes to send and the fingerprint plans and the state keep.
pub struct Rendered {
    pub bytes: Plaintext,
    pub fingerprint: String,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rendered {{ {} bytes, {} }}", self.bytes.expose_secret().len(), self.fingerprint)
    }
}

/// The secret names or file paths a document lists.
fn names(list: &Option<Vec<String>>) -> impl Iterator<Item = &str> {
    list.iter().flatten().map(String::as_str)
}

fn secret_error(name: &str, e: &SecretError) -> EngineError {
    EngineError::new(codes::USER_DATA, format!("cannot decrypt secret `{name}` for user data: {e}"))
        .with_help("nothing was planned or applied; fix the key (DROVE_IDENTITY, DROVE_SECRET_PASSPHRASE) or the secret, then run again")
}

impl UserData {
    /// Renders only documents without secrets or files; fingerprints are unkeyed SHA-256.
    pub fn public() -> UserData {
        UserData { secrets: None, hash_key: None, files: BTreeMap::new() }
    }

    /// Decrypts the secrets the given `user_data` attributes name and decodes their
    /// files, from what the documents carry (no source tree needed, so a saved plan
    /// applies anywhere). The keyring is asked for only when the stack has a hash key or a
    /// document names a secret; every failure comes before anything is planned.
    /// The secrets of Parameter Store parameters (`sealed`) are decrypted with them: they
    /// are written at apply time and fingerprinted at plan time.
    pub fn open<'a>(
        user_data: impl IntoIterator<Item = &'a Document>,
        sealed: impl IntoIterator<Item = &'a Sealed>,
        keyring: impl FnOnce() -> std::result::Result<Keyring, SecretError>,
    ) -> Result<UserData> {
        let docs: Vec<&Document> = user_data.into_iter().collect();
        let sealed: Vec<&Sealed> = sealed.into_iter().collect();
        let mut secret_names: Vec<&str> = docs
            .iter()
            .flat_map(|d| names(&d.secrets).chain(names(&d.parameters)))
            .chain(sealed.iter().map(|s| s.secret.as_str()))
            .collect();
        secret_names.sort_unstable();
        secret_names.dedup();
        let mut files = BTreeMap::new();
        for d in &docs {
            for path in names(&d.files) {
                if files.contains_key(path) {
                    continue;
                }
                let bytes = d.contents.get(path).and_then(|b| B64.decode(b).ok()).ok_or_else(|| {
                    EngineError::new(
                        codes::USER_DATA,
                        format!("user data names {path}, whose content it does not carry"),
                    )
                    .with_help("plan again with the file in place: `drove check` reports a missing file as E0264")
                })?;
                files.insert(path.to_string(), bytes);
            }
        }
        // Every document of a stack carries the same ciphertexts of a name.
        let mut ciphertexts: BTreeMap<String, String> = BTreeMap::new();
        for d in &docs {
            ciphertexts.extend(d.ciphertexts.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        for s in &sealed {
            ciphertexts.extend(s.ciphertexts.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let has_hash_key = ciphertexts.contains_key(HASH_KEY_NAME);
        if !secret_names.is_empty() && !has_hash_key {
            return Err(EngineError::new(
                codes::USER_DATA,
                format!("user data holds secrets ({}) but the stack has no `{HASH_KEY_NAME}` to fingerprint them in the state", secret_names.join(", ")),
            )
            .with_help("run `drove secret rekey` to add the hash key"));
        }
        if (docs.is_empty() && sealed.is_empty()) || !has_hash_key {
            return Ok(UserData { secrets: None, hash_key: None, files });
        }
        let keyring =
            keyring().map_err(|e| secret_error(secret_names.first().copied().unwrap_or(HASH_KEY_NAME), &e))?;
        let secrets = Decrypted::from_ciphertexts(&ciphertexts, secret_names.iter().copied(), &keyring)
            .map_err(|(name, e)| secret_error(&name, &e))?;
        let hash_key = match secrets.hash_key() {
            Some(k) => SecretBox::new(Box::new(k.expose_secret().clone())),
            None => return Err(secret_error(HASH_KEY_NAME, &SecretError::Malformed("no value".into()))),
        };
        Ok(UserData { secrets: Some(secrets), hash_key: Some(hash_key), files })
    }

    /// A fingerprint of a document (before any gzip): `hmac-sha256:HEX` keyed with the
    /// stack's hash key, or `sha256:HEX` for a stack without one (whose user data then
    /// holds no secret).
    pub fn fingerprint(&self, document: &[u8]) -> String {
        let (prefix, digest): (&str, Vec<u8>) = match &self.hash_key {
            Some(key) => match Hmac::<Sha256>::new_from_slice(key.expose_secret()) {
                Ok(mut mac) => {
                    mac.update(b"drove-user-data-v1\0");
                    mac.update(document);
                    ("hmac-sha256:", mac.finalize().into_bytes().to_vec())
                }
                // HMAC takes keys of any length.
                Err(_) => ("sha256:", Sha256::digest(document).to_vec()),
            },
            None => ("sha256:", Sha256::digest(document).to_vec()),
        };
        let mut out = String::from(prefix);
        for b in digest {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// The fingerprint of user data as EC2 holds it (gzipped or not), for refresh.
    pub fn fingerprint_live(&self, bytes: &[u8]) -> String {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut doc = Vec::new();
            let mut reader = flate2::read::GzDecoder::new(bytes).take(MAX_GUNZIPPED);
            if reader.read_to_end(&mut doc).is_ok() {
                let fp = self.fingerprint(&doc);
                doc.iter_mut().for_each(|b| *b = 0);
                return fp;
            }
        }
        self.fingerprint(bytes)
    }

    /// Renders a `user_data` attribute.
    pub fn render(&self, user_data: &Document) -> Result<Rendered> {
        let Some(template) = &user_data.cloud_config else {
            return Err(EngineError::new(codes::USER_DATA, "user data without a `cloud_config` document"));
        };
        let mut doc = template.clone();
        for name in names(&user_data.secrets) {
            let value = self.secrets.as_ref().and_then(|s| s.get(name)).ok_or_else(|| {
                EngineError::new(
                    codes::USER_DATA,
                    format!("user data names secret `{name}`, which was not decrypted for this run"),
                )
                .with_help("plan or apply from the stack's sources so its secrets can be decrypted")
            })?;
            doc = doc.replace(&format!("{{{{secret:{name}}}}}"), &B64.encode(value));
        }
        for name in names(&user_data.parameters) {
            let fp = self.secret_fingerprint(name)?;
            doc = doc.replace(&format!("{{{{parameter:{name}}}}}"), &fp);
        }
        for path in names(&user_data.files) {
            let bytes = self.files.get(path).ok_or_else(|| {
                EngineError::new(
                    codes::USER_DATA,
                    format!("user data names file {path}, which was not read for this run"),
                )
            })?;
            doc = doc.replace(&format!("{{{{file:{path}}}}}"), &B64.encode(bytes));
        }
        let doc = SecretBox::new(Box::new(doc.into_bytes()));
        // The compiler lists every marker it writes; one left over was not listed.
        let leftover = [&b"{{secret:"[..], b"{{file:", b"{{parameter:"];
        if let Some(at) = leftover.iter().find_map(|m| find(doc.expose_secret(), m)) {
            let end =
                doc.expose_secret().get(at..).and_then(|s| s.iter().position(|&b| b == b'}')).map_or(at, |e| at + e);
            let marker = String::from_utf8_lossy(doc.expose_secret().get(at..end).unwrap_or_default()).into_owned();
            return Err(EngineError::new(
                codes::USER_DATA,
                format!("user data holds the marker `{marker}}}}}` but does not list it"),
            ));
        }
        let fingerprint = self.fingerprint(doc.expose_secret());
        let gzip = user_data.encoding == Some(Encoding::Gzip);
        let bytes = if gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(doc.expose_secret())
                .and_then(|_| enc.finish())
                .map(|v| SecretBox::new(Box::new(v)))
                .map_err(|e| EngineError::new(codes::USER_DATA, format!("cannot gzip user data: {e}")))?
        } else {
            doc
        };
        let size = bytes.expose_secret().len();
        if size > MAX_USER_DATA {
            // The compiler picks gzip from its estimate; secrets and files are only
            // measured here.
            let help = if gzip {
                "make the embedded secrets and files smaller, or fetch large content at boot instead"
            } else {
                "the compiler estimated it would fit without gzip: make the embedded secrets and files smaller, or fetch large content at boot"
            };
            return Err(EngineError::new(
                codes::USER_DATA,
                format!(
                    "user data is {size} bytes{}, over EC2's limit of {MAX_USER_DATA}",
                    if gzip { " gzipped" } else { "" }
                ),
            )
            .with_help(help));
        }
        Ok(Rendered { bytes, fingerprint })
    }

    /// The `user_data` attribute as plans and the state hold it: the compiled attribute
    /// plus the fingerprint of its rendered document (the plaintext stays here).
    pub fn planned(&self, user_data: &Document) -> Result<Document> {
        let rendered = self.render(user_data)?;
        Ok(Document { fingerprint: Some(rendered.fingerprint), ..user_data.clone() })
    }

    /// The keyed fingerprint of a decrypted secret.
    fn secret_fingerprint(&self, name: &str) -> Result<String> {
        self.secrets.as_ref().and_then(|s| s.fingerprint(name)).ok_or_else(|| {
            EngineError::new(codes::USER_DATA, format!("secret `{name}` was not decrypted for this run"))
                .with_help("plan or apply from the stack's sources so its secrets can be decrypted")
        })
    }

    /// The value drove writes to a secret's parameter, the base64 of the plaintext (so
    /// any bytes survive SSM's string values and the host's `aws ssm get-parameter`), and
    /// the secret's keyed fingerprint. Fails when the value will not fit.
    pub fn parameter_value(&self, sealed: &Sealed) -> Result<(Plaintext, String)> {
        let value = self.secrets.as_ref().and_then(|s| s.get(&sealed.secret)).ok_or_else(|| {
            EngineError::new(codes::USER_DATA, format!("secret `{}` was not decrypted for this run", sealed.secret))
                .with_help("plan or apply from the stack's sources so its secrets can be decrypted")
        })?;
        let encoded = B64.encode(value);
        if encoded.len() > parameter::MAX_VALUE_CHARS {
            return Err(EngineError::new(
                codes::USER_DATA,
                format!(
                    "secret `{}` is {} bytes, {} in base64: over SSM Parameter Store's {} characters",
                    sealed.secret,
                    value.len(),
                    encoded.len(),
                    parameter::MAX_VALUE_CHARS
                ),
            )
            .with_help("keep large files out of secrets (a key or a password fits), or deliver this role's secrets in user data with `secrets = user_data`"));
        }
        let fingerprint = self.secret_fingerprint(&sealed.secret)?;
        Ok((SecretBox::new(Box::new(encoded.into_bytes())), fingerprint))
    }

    /// A parameter's value as plans and the state hold it: the sealed value plus the
    /// secret's keyed fingerprint. Fails, before anything runs, when the value will not fit.
    pub fn planned_parameter(&self, sealed: &Sealed) -> Result<Sealed> {
        let (_, fingerprint) = self.parameter_value(sealed)?;
        Ok(Sealed { fingerprint: Some(fingerprint), ..sealed.clone() })
    }

    /// The fingerprint of a parameter's live value (base64 of the secret, as drove
    /// writes it; anything else, as found), for refresh. `None` when this run holds no
    /// hash key, and the state's fingerprint must stand.
    pub fn fingerprint_parameter(&self, secret: &str, live_value: &str) -> Option<String> {
        let secrets = self.secrets.as_ref()?;
        let plain = B64.decode(live_value.trim_end()).unwrap_or_else(|_| live_value.as_bytes().to_vec());
        let fp = secrets.fingerprint_of(secret, &plain);
        let mut plain = plain;
        plain.iter_mut().for_each(|b| *b = 0);
        fp
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use drove_compiler::hir;
    use drove_compiler::secrets::{declaration, encrypt, new_hash_key, Encryption};
    use serde_json::{json, Value};
    use std::path::Path;

    const PLAINTEXT: &[u8] = b"password: hunter2-user-data\n";

    struct Fixture {
        stack: hir::Stack,
        me: age::x25519::Identity,
        dir: tempfile::TempDir,
    }

    fn fixture(with_hash_key: bool, secret: &[u8]) -> Fixture {
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![me.to_public()]);
        let mut text =
            format!("stack s {{\n  region = \"ap-northeast-1\"\n  recipients = [\"{}\"]\n}}\n", me.to_public());
        text.push_str(&declaration("db.yml", &encrypt(secret, &to).expect("encrypt")));
        text.push('\n');
        if with_hash_key {
            text.push_str(&declaration(HASH_KEY_NAME, &encrypt(new_hash_key().expose_secret(), &to).expect("encrypt")));
            text.push('\n');
        }
        let stack = drove_compiler::analyze(&drove_compiler::source::Sources::single("s.drove", &text)).stack;
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("files")).expect("mkdir");
        std::fs::write(dir.path().join("files/nginx.conf"), "worker_processes 2;\n").expect("write");
        Fixture { stack, me, dir }
    }

    fn doc(v: Value) -> Document {
        serde_json::from_value(v).expect("a user_data attribute")
    }

    fn attr() -> Document {
        doc(json!({
            "cloud_config": "#cloud-config\nwrite_files:\n  - path: \"/etc/db.yml\"\n    encoding: \"b64\"\n    content: \"{{secret:db.yml}}\"\n  - path: \"/etc/nginx.conf\"\n    encoding: \"b64\"\n    content: \"{{file:files/nginx.conf}}\"\n",
            "secrets": ["db.yml"],
            "files": ["files/nginx.conf"],
        }))
    }

    /// The document as the compiler writes it: with the ciphertexts and file contents
    /// of `stack` in `dir`.
    fn carried(stack: &hir::Stack, dir: &Path, ud: &Document) -> Document {
        let mut ud = ud.clone();
        for name in names(&ud.secrets.clone()).chain([HASH_KEY_NAME]) {
            if let Some(text) = stack.secret(name).and_then(|s| s.ciphertext.as_ref()) {
                ud.ciphertexts.insert(name.to_string(), text.value.clone());
            }
        }
        for path in ud.files.clone().iter().flatten() {
            if let Ok(bytes) = std::fs::read(dir.join(path)) {
                ud.contents.insert(path.clone(), B64.encode(bytes));
            }
        }
        ud
    }

    fn open(f: &Fixture, ids: Vec<age::x25519::Identity>, ud: &Document) -> Result<UserData> {
        UserData::open([&carried(&f.stack, f.dir.path(), ud)], [], || Ok(Keyring::from_identities(ids)))
    }

    #[test]
    fn markers_become_base64_and_the_fingerprint_is_keyed() {
        let f = fixture(true, PLAINTEXT);
        let ud = open(&f, vec![f.me.clone()], &attr()).expect("open");
        let r = ud.render(&attr()).expect("render");
        let doc = String::from_utf8(r.bytes.expose_secret().clone()).expect("utf8");
        assert!(doc.contains(&format!("content: \"{}\"", B64.encode(PLAINTEXT))), "{doc}");
        assert!(doc.contains(&B64.encode("worker_processes 2;\n")));
        assert!(!doc.contains("{{"));
        assert!(r.fingerprint.starts_with("hmac-sha256:") && r.fingerprint.len() == 12 + 64);
        assert_eq!(r.fingerprint, ud.fingerprint_live(r.bytes.expose_secret()));
        let planned = ud.planned(&attr()).expect("planned");
        assert_eq!(planned.fingerprint.as_deref(), Some(r.fingerprint.as_str()));
        assert!(!serde_json::to_string(&planned).expect("json").contains("hunter2"));
        assert!(!format!("{ud:?} {r:?}").contains("hunter2"));
    }

    #[test]
    fn a_changed_secret_changes_the_fingerprint() {
        let a = fixture(true, PLAINTEXT);
        let fa = open(&a, vec![a.me.clone()], &attr()).expect("open").planned(&attr()).expect("planned");
        let again = open(&a, vec![a.me.clone()], &attr()).expect("open").planned(&attr()).expect("planned");
        assert_eq!(fa, again, "the same inputs give the same fingerprint");
        // Another stack has another hash key, and here another secret as well.
        let b = fixture(true, b"password: other\n");
        let fb = open(&b, vec![b.me.clone()], &attr()).expect("open").planned(&attr()).expect("planned");
        assert_ne!(fa.fingerprint, fb.fingerprint);
    }

    #[test]
    fn gzip_is_applied_and_fingerprinted_before_compression() {
        let f = fixture(true, PLAINTEXT);
        let mut gz = attr();
        gz.encoding = Some(Encoding::Gzip);
        let ud = open(&f, vec![f.me.clone()], &gz).expect("open");
        let plain = ud.render(&attr()).expect("render");
        let zipped = ud.render(&gz).expect("render");
        assert!(zipped.bytes.expose_secret().starts_with(&[0x1f, 0x8b]));
        assert_eq!(zipped.fingerprint, plain.fingerprint);
        assert_eq!(ud.fingerprint_live(zipped.bytes.expose_secret()), plain.fingerprint);
    }

    #[test]
    fn wrong_key_missing_key_and_tampering_fail_before_rendering() {
        let f = fixture(true, PLAINTEXT);
        let wrong = open(&f, vec![age::x25519::Identity::generate()], &attr()).expect_err("wrong key fails");
        assert_eq!(wrong.code, codes::USER_DATA);
        assert!(
            wrong.message.contains("db.yml") && wrong.message.contains("none of the available keys"),
            "{}",
            wrong.message
        );
        let missing = UserData::open([&carried(&f.stack, f.dir.path(), &attr())], [], || {
            Err(SecretError::NoKeys("nothing set".into()))
        })
        .expect_err("no key");
        assert!(missing.message.contains("no key to decrypt with"), "{}", missing.message);

        // Flip one payload byte of the secret's ciphertext in the source.
        let decl = f.stack.secret("db.yml").and_then(|s| s.ciphertext.clone()).expect("secret");
        let mut bytes = B64.decode(&decl.value).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let text = format!(
            "{}\n{}\n",
            declaration("db.yml", &B64.encode(&bytes)),
            declaration(
                HASH_KEY_NAME,
                &f.stack.secret(HASH_KEY_NAME).and_then(|s| s.ciphertext.clone()).expect("key").value
            )
        );
        let tampered = drove_compiler::analyze(&drove_compiler::source::Sources::single(
            "t.drove",
            format!("stack s {{ region = \"ap-northeast-1\" }}\n{text}"),
        ))
        .stack;
        let err = UserData::open([&carried(&tampered, f.dir.path(), &attr())], [], || {
            Ok(Keyring::from_identities(vec![f.me.clone()]))
        })
        .expect_err("tampered");
        assert!(err.message.contains("altered"), "{}", err.message);
        for e in [&wrong, &missing, &err] {
            assert!(!e.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn secrets_need_the_hash_key_and_files_must_exist() {
        let f = fixture(false, PLAINTEXT);
        let err = open(&f, vec![f.me.clone()], &attr()).expect_err("no hash key");
        assert!(err.message.contains(HASH_KEY_NAME) && err.help.as_deref().is_some_and(|h| h.contains("rekey")));
        let g = fixture(true, PLAINTEXT);
        let mut missing = attr();
        missing.files = Some(vec!["files/missing.conf".into()]);
        let err = open(&g, vec![g.me.clone()], &missing).expect_err("missing file");
        assert!(err.message.contains("files/missing.conf"));
    }

    #[test]
    fn public_documents_and_unlisted_markers() {
        let ud = UserData::public();
        let public = doc(json!({"cloud_config": "#cloud-config\nruncmd:\n  - \"true\"\n", "secrets": [], "files": []}));
        let r = ud.render(&public).expect("render");
        assert!(r.fingerprint.starts_with("sha256:"));
        let unlisted = doc(json!({"cloud_config": "#cloud-config\n# {{secret:x}}\n", "secrets": [], "files": []}));
        let err = ud.render(&unlisted).expect_err("unlisted marker");
        assert!(err.message.contains("{{secret:x}}"), "{}", err.message);
        assert!(ud.render(&attr()).is_err(), "a public renderer has no secrets");
    }

    #[test]
    fn oversized_documents_are_refused_unless_gzip_makes_them_fit() {
        let big = "#".repeat(MAX_USER_DATA + 1);
        let ud = UserData::public();
        let err = ud.render(&doc(json!({"cloud_config": big, "secrets": [], "files": []}))).expect_err("too big");
        assert!(err.message.contains("16384"), "{}", err.message);
        // The same document compresses far below the limit.
        assert!(ud.render(&doc(json!({"cloud_config": big, "secrets": [], "files": [], "encoding": "gzip"}))).is_ok());
    }
}
