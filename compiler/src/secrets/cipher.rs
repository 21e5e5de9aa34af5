//! Encrypting one value and reading what an age header says without decrypting it.

use super::SecretError;
use age::secrecy::SecretString;
use age::x25519;
use base64::Engine as _;
use std::io::Write as _;
use std::str::FromStr as _;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Whom a value is encrypted for.
pub enum Encryption {
    Recipients(Vec<x25519::Recipient>),
    Passphrase(SecretString),
}

impl Encryption {
    /// The stack's recipients when it lists any, else the passphrase. Returns as well
    /// whether a given passphrase was left unused (age cannot mix the two).
    pub fn choose(recipients: &[String], passphrase: Option<SecretString>) -> Result<(Encryption, bool), SecretError> {
        let keys = parse_recipients(recipients)?;
        match (keys.is_empty(), passphrase) {
            (false, p) => Ok((Encryption::Recipients(keys), p.is_some())),
            (true, Some(p)) => Ok((Encryption::Passphrase(p), false)),
            (true, None) => Err(SecretError::NoRecipients),
        }
    }
}

/// Parses the stack's `recipients`, naming the first that is not an X25519 recipient.
pub fn parse_recipients(recipients: &[String]) -> Result<Vec<x25519::Recipient>, SecretError> {
    recipients
        .iter()
        .map(|r| x25519::Recipient::from_str(r).map_err(|e| SecretError::Recipient(format!("`{r}`: {e}"))))
        .collect()
}

/// Encrypts one value; the result is what goes between the quotes of a declaration.
pub fn encrypt(plaintext: &[u8], to: &Encryption) -> Result<String, SecretError> {
    let encryptor = match to {
        Encryption::Recipients(keys) => age::Encryptor::with_recipients(keys.iter().map(|k| k as &dyn age::Recipient))
            .map_err(|e| SecretError::Other(e.to_string()))?,
        Encryption::Passphrase(p) => age::Encryptor::with_user_passphrase(p.clone()),
    };
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let io = |e: std::io::Error| SecretError::Other(format!("encryption failed: {e}"));
    let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
    writer.write_all(plaintext).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(B64.encode(out))
}

/// The bytes of a stored value, after checking that they start with a valid age header.
pub fn decode(text: &str) -> Result<Vec<u8>, SecretError> {
    let bytes = B64.decode(text.as_bytes()).map_err(|e| SecretError::Malformed(format!("bad base64 ({e})")))?;
    if !bytes.starts_with(b"age-encryption.org/") {
        return Err(SecretError::Malformed("it does not start with an age header (`age-encryption.org/v1`)".into()));
    }
    match age::Decryptor::new_buffered(&bytes[..]) {
        Ok(_) => Ok(bytes),
        Err(age::DecryptError::UnknownFormat) => {
            Err(SecretError::Malformed("an age version this drove does not read".into()))
        }
        Err(e) => Err(SecretError::Malformed(format!("broken age header ({e})"))),
    }
}

/// The recipient stanzas of a stored value, counted by type. An X25519 stanza does not
/// say which key it is for, so this is all that can be learnt without a key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    pub x25519: usize,
    pub scrypt: usize,
    /// Any other tag, including the random "grease" stanza age adds to every header.
    pub other: usize,
}

/// Decodes a stored value and counts its stanzas.
pub fn inspect(text: &str) -> Result<HeaderSummary, SecretError> {
    let bytes = decode(text)?;
    let mut summary = HeaderSummary::default();
    // The header is text lines up to the `---` MAC line; stanza bodies are base64 and
    // never start with `->`.
    for line in bytes.split(|&b| b == b'\n') {
        if line.starts_with(b"---") {
            break;
        }
        if let Some(rest) = line.strip_prefix(b"-> ") {
            let tag = rest.split(|&b| b == b' ').next().unwrap_or_default();
            match tag {
                b"X25519" => summary.x25519 += 1,
                b"scrypt" => summary.scrypt += 1,
                _ => summary.other += 1,
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_to_one_base64_line_with_one_stanza_per_recipient() {
        let a = x25519::Identity::generate().to_public();
        let b = x25519::Identity::generate().to_public();
        let text = encrypt(b"hello", &Encryption::Recipients(vec![a, b])).expect("encrypt");
        assert!(!text.contains('\n') && !text.contains(' '));
        assert!(text.starts_with("YWdlLWVuY3J5cHRpb24ub3JnL3Yx"), "{text}");
        let summary = inspect(&text).expect("inspect");
        assert_eq!((summary.x25519, summary.scrypt), (2, 0));
    }

    #[test]
    fn each_encryption_is_fresh() {
        let to = Encryption::Recipients(vec![x25519::Identity::generate().to_public()]);
        assert_ne!(encrypt(b"same", &to), encrypt(b"same", &to));
    }

    #[test]
    fn malformed_values_are_named() {
        assert!(matches!(decode("not base64!"), Err(SecretError::Malformed(m)) if m.contains("base64")));
        assert!(
            matches!(decode(&B64.encode("hello world")), Err(SecretError::Malformed(m)) if m.contains("age header"))
        );
        // A header cut short (what the docs' placeholder looked like).
        let cut = B64.encode("age-encryption.org/v1\n-> X25519 ");
        assert!(matches!(decode(&cut), Err(SecretError::Malformed(m)) if m.contains("broken")));
        assert!(matches!(decode(&B64.encode("age-encryption.org/v9\n")), Err(SecretError::Malformed(_))));
    }

    #[test]
    fn choose_prefers_recipients_and_reports_an_unused_passphrase() {
        let r = x25519::Identity::generate().to_public().to_string();
        let (e, unused) =
            Encryption::choose(std::slice::from_ref(&r), Some(SecretString::from("pw".to_string()))).expect("choose");
        assert!(matches!(e, Encryption::Recipients(ref k) if k.len() == 1) && unused);
        let (e, unused) = Encryption::choose(&[], Some(SecretString::from("pw".to_string()))).expect("choose");
        assert!(matches!(e, Encryption::Passphrase(_)) && !unused);
        assert!(matches!(Encryption::choose(&[], None), Err(SecretError::NoRecipients)));
        assert!(
            matches!(Encryption::choose(&["age1nope".into()], None), Err(SecretError::Recipient(m)) if m.contains("age1nope"))
        );
    }
}
