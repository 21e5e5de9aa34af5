//! What can be checked about secrets without a key: each value is an age file, each
//! recipient an X25519 key, and each value has the stanzas the recipients call for.
//!
//! An X25519 stanza does not name its recipient (age hides it on purpose), so a value
//! encrypted for the right *number* of the wrong keys passes; only decryption tells.
//! Stanzas of other types are not counted: age adds a random "grease" stanza to headers,
//! which looks the same as an SSH or plugin recipient would.

use super::cipher::inspect;
use crate::diag::{Diagnostic, Sink};
use crate::hir;

pub const E_MALFORMED: &str = "E0259";
pub const E_BAD_RECIPIENT: &str = "E0260";
pub const W_STALE: &str = "W0034";

const ENCRYPT_HELP: &str = "write secrets with `drove secret encrypt NAME`, which replaces the whole declaration";

/// Diagnostics about a value point at the secret's name: the value is one long line.
pub fn check(stack: &hir::Stack, sink: &mut Sink) {
    let info = stack.info();
    let recipients = info.map(|s| s.recipients.as_slice()).unwrap_or_default();
    let mut recipients_ok = true;
    for r in recipients {
        if let Err(e) = r.value.parse::<age::x25519::Recipient>() {
            recipients_ok = false;
            let file = info.map_or(0, |s| s.file);
            let mut d = Diagnostic::new(E_BAD_RECIPIENT, file, r.span.clone(), format!("`{}` is not an age X25519 recipient", r.value))
                .with_label(format!("not an `age1…` key: {e}"))
                .with_help("a recipient is the `age1…` public key that `drove secret init` (or `age-keygen`) prints; never the `AGE-SECRET-KEY-1…` line");
            if r.value.starts_with("AGE-SECRET-KEY-") {
                d = d.with_help("this is a private key: remove it from the source now, generate a new identity with `drove secret init`, and list its `age1…` public key");
            }
            sink.push(d);
        }
    }
    let mut distinct: Vec<&str> = recipients.iter().map(|r| r.value.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    for s in &stack.secrets {
        let Some(text) = &s.ciphertext else { continue };
        let summary = match inspect(&text.value) {
            Ok(summary) => summary,
            Err(e) => {
                sink.push(
                    Diagnostic::new(
                        E_MALFORMED,
                        s.file,
                        s.name.span.clone(),
                        format!("secret `{}` does not hold an age ciphertext", s.name.text),
                    )
                    .with_label(e.to_string())
                    .with_help(ENCRYPT_HELP),
                );
                continue;
            }
        };
        let (Some(info), true) = (info, recipients_ok) else { continue };
        let why = if distinct.is_empty() {
            (summary.x25519 > 0).then(|| {
                "it is encrypted for public keys, but the stack lists no `recipients` (so it expects a passphrase)"
                    .to_string()
            })
        } else if summary.scrypt > 0 {
            Some(format!("it is encrypted to a passphrase, but the stack lists {} recipient(s)", distinct.len()))
        } else if summary.x25519 != distinct.len() {
            Some(format!(
                "it is encrypted for {} key(s), but the stack lists {} recipient(s)",
                summary.x25519,
                distinct.len()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            let anchor = recipients.first().map_or(info.name.span.clone(), |r| r.span.clone());
            sink.push(
                Diagnostic::new(
                    W_STALE,
                    s.file,
                    s.name.span.clone(),
                    format!("secret `{}` is not encrypted for the stack's recipients", s.name.text),
                )
                .with_label(why)
                .with_secondary(info.file, anchor, "the stack's recipients")
                .with_help("run `drove secret rekey` to re-encrypt every secret for the current recipients"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::secrets::{declaration, encrypt, Encryption};
    use crate::source::Sources;

    fn codes(text: &str) -> Vec<&'static str> {
        crate::analyze(&Sources::single("s.drove", text)).diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn matching_values_pass_and_stale_ones_warn() {
        let a = age::x25519::Identity::generate().to_public();
        let b = age::x25519::Identity::generate().to_public();
        let for_a = encrypt(b"v", &Encryption::Recipients(vec![a.clone()])).expect("encrypt");
        let one = format!(
            "stack s {{\n  region = \"ap-northeast-1\"\n  recipients = [\"{a}\"]\n}}\n{}\n",
            declaration("x", &for_a)
        );
        assert_eq!(codes(&one), Vec::<&str>::new());
        let two = format!(
            "stack s {{\n  region = \"ap-northeast-1\"\n  recipients = [\"{a}\", \"{b}\"]\n}}\n{}\n",
            declaration("x", &for_a)
        );
        assert_eq!(codes(&two), vec!["W0034"]);
        let none = format!("stack s {{ region = \"ap-northeast-1\" }}\n{}\n", declaration("x", &for_a));
        assert_eq!(codes(&none), vec!["W0034"]);
    }

    #[test]
    fn malformed_values_and_recipients_are_errors_with_precise_spans() {
        let text =
            "stack s {\n  region = \"ap-northeast-1\"\n  recipients = [\"age1nope\"]\n}\nsecret \"x\" = \"aGVsbG8=\"\n";
        let a = crate::analyze(&Sources::single("s.drove", text));
        let got: Vec<(&str, &str)> = a.diagnostics.iter().map(|d| (d.code, &text[d.primary.span.clone()])).collect();
        assert_eq!(got, vec![("E0260", "\"age1nope\""), ("E0259", "\"x\"")]);
    }
}
