//! EC2's user-data limit: 16,384 bytes, counted on the raw (base64-decoded) user data.
//!
//! The size that counts is the document the engine sends, after it has replaced every
//! marker with the base64 of a secret or a repository file; compile does not have those
//! bytes, so it estimates:
//!
//! - a repository file counts by its size on disk (relative to the stack directory); one
//!   that cannot be read counts as empty here, and the engine reports it at launch;
//! - a secret counts by its plaintext size, which only a key reveals: it is computed from
//!   the length of the age ciphertext, less age's header and its 16-byte nonce and
//!   16-byte tag per 64 KiB chunk, which is exact for age v1 files.
//!
//! A document over the limit is sent gzipped (cloud-init unpacks gzip user data), when
//! that fits: the compressed size is measured by compressing the document with the
//! repository files filled in, at the level the engine uses ([`GZIP_LEVEL`]), plus each
//! secret's base64 counted as if it did not compress at all. When even that is over the
//! limit the role's stack does not compile ([`E_USER_DATA_TOO_BIG`]).

use super::{render, CloudConfig, Content};
use crate::diag::{Diagnostic, Sink};
use crate::hir::{Role, Stack};
use base64::Engine as _;
use std::io::Write as _;

pub const E_USER_DATA_TOO_BIG: &str = "E0263";

/// EC2's limit on user data, in bytes, before base64.
pub const LIMIT: usize = 16_384;
/// The gzip level the engine compresses user data with (flate2's best).
pub const GZIP_LEVEL: u32 = 9;
/// Deflate compresses at best about 1032:1, so a file larger than this cannot fit even
/// gzipped and is not read.
const LARGEST_READ: u64 = 1032 * LIMIT as u64;
/// How many of the biggest files the error names.
const NAMED_FILES: usize = 3;

/// How the engine sends a role's user data.
pub use crate::model::instance::Encoding;

/// A role's user data, measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Bytes of the document with every marker filled in.
    pub plain: usize,
    /// Those bytes gzipped, measured only when `plain` is over the limit.
    pub gzip: Option<usize>,
    /// Each `write_files` entry's share of `plain` (its quoted or base64 content), in the
    /// order of `CloudConfig::entries`.
    pub file_bytes: Vec<usize>,
}

impl Estimate {
    /// How the user data fits, or `None` when it does not fit even gzipped.
    pub fn encoding(&self) -> Option<Encoding> {
        if self.plain <= LIMIT {
            Some(Encoding::Plain)
        } else if self.gzip.is_some_and(|g| g <= LIMIT) {
            Some(Encoding::Gzip)
        } else {
            None
        }
    }
}

/// Length of the base64 of `n` bytes (with padding).
pub fn b64_len(n: usize) -> usize {
    n.div_ceil(3).saturating_mul(4)
}

/// The plaintext length of a stored age value: the payload after the header is a 16-byte
/// nonce, then chunks of at most 64 KiB each followed by a 16-byte tag (at least one).
pub fn secret_plaintext_len(ciphertext: &str) -> Option<usize> {
    const NONCE: usize = 16;
    const TAG: usize = 16;
    const CHUNK: usize = 64 * 1024;
    let bytes = crate::secrets::decode(ciphertext).ok()?;
    let mac_line = bytes.windows(5).position(|w| w == b"\n--- ")? + 5;
    let header_end = mac_line + bytes.get(mac_line..)?.iter().position(|&b| b == b'\n')? + 1;
    let sealed = bytes.len().checked_sub(header_end)?.checked_sub(NONCE)?;
    let chunks = sealed.div_ceil(CHUNK + TAG).max(1);
    sealed.checked_sub(chunks * TAG)
}

fn repo_path(stack: &Stack, path: &str) -> Option<std::path::PathBuf> {
    stack.dir.as_deref().map(|d| d.join(path))
}

fn repo_size(stack: &Stack, path: &str) -> usize {
    repo_path(stack, path)
        .and_then(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX))
}

/// The base64 of a repository file, or `None` when it cannot be read or is too large to
/// fit whatever gzip does.
pub(super) fn repo_base64(stack: &Stack, path: &str) -> Option<String> {
    let p = repo_path(stack, path)?;
    if std::fs::metadata(&p).ok()?.len() > LARGEST_READ {
        return None;
    }
    std::fs::read(&p).ok().map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn secret_size(stack: &Stack, name: &str) -> usize {
    stack.secret(name).and_then(|s| s.ciphertext.as_ref()).and_then(|c| secret_plaintext_len(&c.value)).unwrap_or(0)
}

/// Measures a rendered document (see the module documentation).
pub fn estimate(stack: &Stack, cc: &CloudConfig) -> Estimate {
    let mut plain = cc.document.len();
    let mut file_bytes = Vec::with_capacity(cc.entries.len());
    for e in &cc.entries {
        let bytes = match &e.content {
            Content::Inline { quoted } => quoted.len(),
            Content::Secret { name, marker } => {
                let filled = b64_len(secret_size(stack, name)) + 2;
                plain = plain.saturating_sub(marker.len()).saturating_add(filled);
                filled
            }
            Content::Repo { path, marker } => {
                let filled = b64_len(repo_size(stack, path)) + 2;
                plain = plain.saturating_sub(marker.len()).saturating_add(filled);
                filled
            }
        };
        file_bytes.push(bytes);
    }
    let gzip = (plain > LIMIT).then(|| gzipped(stack, cc)).flatten();
    Estimate { plain, gzip, file_bytes }
}

/// The gzipped size: the document compressed with repository files filled in and
/// secrets left empty, plus each secret's base64 as if incompressible. `None` when a file
/// is too large to ever fit.
fn gzipped(stack: &Stack, cc: &CloudConfig) -> Option<usize> {
    let mut doc = cc.document.clone();
    let mut secrets = 0usize;
    let mut filled: Vec<&str> = Vec::new();
    for e in &cc.entries {
        match &e.content {
            Content::Inline { .. } => {}
            Content::Secret { name, marker } => {
                secrets = secrets.saturating_add(b64_len(secret_size(stack, name)));
                doc = doc.replace(marker.as_str(), "\"\"");
            }
            Content::Repo { path, marker } => {
                if filled.contains(&marker.as_str()) {
                    continue;
                }
                filled.push(marker);
                let b64 = if repo_size(stack, path) == 0 { String::new() } else { repo_base64(stack, path)? };
                doc = doc.replace(marker.as_str(), &format!("\"{b64}\""));
            }
        }
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    encoder.write_all(doc.as_bytes()).ok()?;
    let compressed = encoder.finish().ok()?;
    Some(compressed.len().saturating_add(secrets))
}

/// Reports every role whose user data does not fit EC2's limit even gzipped.
pub fn check(stack: &Stack, sink: &mut Sink) {
    for role in &stack.roles {
        let Some(cc) = render(role, super::Fetch::of(stack, role).as_ref()) else { continue };
        let est = estimate(stack, &cc);
        if est.encoding().is_none() {
            sink.push(too_big(role, &cc, &est));
        }
    }
}

fn too_big(role: &Role, cc: &CloudConfig, est: &Estimate) -> Diagnostic {
    let gzip =
        est.gzip.map_or_else(|| "too large to compress into it".to_string(), |g| format!("{} gzipped", thousands(g)));
    let span = role
        .provision_at
        .clone()
        .or_else(|| role.provision.first().map(|s| s.span.clone()))
        .unwrap_or_else(|| role.name.span.clone());
    let mut d = Diagnostic::new(
        E_USER_DATA_TOO_BIG,
        role.file,
        span,
        format!(
            "the user data of role `{}` does not fit EC2's limit of {} bytes: about {} bytes, {gzip}",
            role.name.text,
            thousands(LIMIT),
            thousands(est.plain)
        ),
    )
    .with_label(format!("renders to about {} bytes of user data", thousands(est.plain)));
    let mut biggest: Vec<(usize, usize)> = est.file_bytes.iter().copied().enumerate().collect();
    biggest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    biggest.truncate(NAMED_FILES);
    let mut names = Vec::new();
    for &(i, bytes) in &biggest {
        let Some(e) = cc.entries.get(i) else { continue };
        let how = match &e.content {
            Content::Inline { .. } => "",
            Content::Secret { .. } => " (estimated from the ciphertext)",
            Content::Repo { .. } => " (base64 of the file on disk)",
        };
        d = d.with_secondary(role.file, e.span.clone(), format!("about {} bytes{how}", thousands(bytes)));
        names.push(format!("`{}` ({} bytes)", e.path, thousands(bytes)));
    }
    let help = if names.is_empty() {
        "split the provisioning: bake what does not change into the image (e.g. with Packer)".to_string()
    } else {
        format!(
            "the biggest files are {}; bake large files into the image (e.g. with Packer) or fetch them at boot with a `run` step (e.g. `aws s3 cp`)",
            names.join(", ")
        )
    };
    d.with_help(help)
}

/// `16384` as `16,384`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(16384), "16,384");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn base64_lengths() {
        assert_eq!((b64_len(0), b64_len(1), b64_len(3), b64_len(4)), (0, 4, 4, 8));
    }

    #[test]
    fn secret_plaintext_length_is_exact() {
        let to = crate::secrets::Encryption::Recipients(vec![age::x25519::Identity::generate().to_public()]);
        for n in [0usize, 1, 100, 65_535, 65_536, 65_537, 200_000] {
            let text = crate::secrets::encrypt(&vec![b'x'; n], &to).expect("encrypt");
            assert_eq!(secret_plaintext_len(&text), Some(n), "{n} bytes");
        }
        assert_eq!(secret_plaintext_len("bm90IGFnZQ=="), None);
    }
}
