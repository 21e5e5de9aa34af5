//! The decrypted secrets of a stack and the keyed fingerprints the state keeps.

use super::{Keyring, Plaintext, SecretError, HASH_KEY_NAME};
use crate::hir;
use age::secrecy::{ExposeSecret, SecretBox};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// 32 fresh random bytes for [`HASH_KEY_NAME`].
pub fn new_hash_key() -> Plaintext {
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    SecretBox::new(Box::new(key))
}

/// Plaintexts held in memory for one plan or apply. Nothing here is ever serialised.
pub struct Decrypted {
    values: BTreeMap<String, Plaintext>,
    hash_key: Option<Plaintext>,
}

impl Decrypted {
    /// Decrypts the named secrets of the stack (and the hash key when the stack has one).
    /// Stops at the first failure and names the secret; the caller must then apply nothing.
    pub fn decrypt<'a>(
        stack: &hir::Stack,
        names: impl IntoIterator<Item = &'a str>,
        keyring: &Keyring,
    ) -> Result<Decrypted, (String, SecretError)> {
        let lookup = |name: &str| -> Result<&str, SecretError> {
            let decl = stack.secret(name).ok_or_else(|| SecretError::Unknown(name.to_string()))?;
            decl.ciphertext.as_ref().map(|t| t.value.as_str()).ok_or_else(|| SecretError::Malformed("no value".into()))
        };
        Decrypted::open(lookup, names, stack.secret(HASH_KEY_NAME).is_some(), keyring)
    }

    /// Decrypts the named secrets from their ciphertexts as a compiled model carries them
    /// (the hash key under [`HASH_KEY_NAME`], when the stack has one), without the source.
    pub fn from_ciphertexts<'a>(
        ciphertexts: &BTreeMap<String, String>,
        names: impl IntoIterator<Item = &'a str>,
        keyring: &Keyring,
    ) -> Result<Decrypted, (String, SecretError)> {
        let lookup = |name: &str| {
            ciphertexts.get(name).map(String::as_str).ok_or_else(|| SecretError::Unknown(name.to_string()))
        };
        Decrypted::open(lookup, names, ciphertexts.contains_key(HASH_KEY_NAME), keyring)
    }

    fn open<'a, 'c>(
        lookup: impl Fn(&str) -> Result<&'c str, SecretError>,
        names: impl IntoIterator<Item = &'a str>,
        with_hash_key: bool,
        keyring: &Keyring,
    ) -> Result<Decrypted, (String, SecretError)> {
        let open = |name: &str| -> Result<Plaintext, (String, SecretError)> {
            let text = lookup(name).map_err(|e| (name.to_string(), e))?;
            keyring.decrypt(text).map_err(|e| (name.to_string(), e))
        };
        let mut values = BTreeMap::new();
        for name in names {
            if name != HASH_KEY_NAME && !values.contains_key(name) {
                values.insert(name.to_string(), open(name)?);
            }
        }
        let hash_key = if with_hash_key { Some(open(HASH_KEY_NAME)?) } else { None };
        Ok(Decrypted { values, hash_key })
    }

    /// The stack's hash key, when it was decrypted.
    pub fn hash_key(&self) -> Option<&Plaintext> {
        self.hash_key.as_ref()
    }

    /// Every secret of the stack.
    pub fn decrypt_all(stack: &hir::Stack, keyring: &Keyring) -> Result<Decrypted, (String, SecretError)> {
        let names: Vec<&str> = stack.secrets.iter().map(|s| s.name.text.as_str()).collect();
        Decrypted::decrypt(stack, names, keyring)
    }

    /// The plaintext of a decrypted secret.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.values.get(name).map(|v| v.expose_secret().as_slice())
    }

    /// What the state keeps for a secret: `hmac-sha256:` and 64 hex digits over the name
    /// and the plaintext, keyed with the stack's hash key. `None` when the stack has no
    /// hash key (`drove secret rekey` adds one) or the secret was not decrypted.
    pub fn fingerprint(&self, name: &str) -> Option<String> {
        let key = self.hash_key.as_ref()?;
        let value = self.values.get(name)?;
        Some(fingerprint(key.expose_secret(), name, value.expose_secret()))
    }

    /// The fingerprint `plaintext` would have as the value of `name` (a value read back
    /// from where it was delivered, to compare with the source's).
    pub fn fingerprint_of(&self, name: &str, plaintext: &[u8]) -> Option<String> {
        let key = self.hash_key.as_ref()?;
        Some(fingerprint(key.expose_secret(), name, plaintext))
    }
}

/// HMAC-SHA256 over `drove-secret-v1 \0 NAME \0 PLAINTEXT`; the name is bound in so two
/// secrets with one value do not show as equal.
fn fingerprint(key: &[u8], name: &str, plaintext: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(b"drove-secret-v1\0");
    mac.update(name.as_bytes());
    mac.update(b"\0");
    mac.update(plaintext);
    let mut out = String::from("hmac-sha256:");
    for b in mac.finalize().into_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{declaration, encrypt, Encryption};

    fn stack_with(secrets: &[(&str, &[u8])], to: &Encryption, hash_key: Option<&[u8]>) -> hir::Stack {
        let mut text = String::from("stack s { region = \"ap-northeast-1\" }\n");
        for (name, value) in secrets {
            text.push_str(&declaration(name, &encrypt(value, to).expect("encrypt")));
            text.push('\n');
        }
        if let Some(k) = hash_key {
            text.push_str(&declaration(HASH_KEY_NAME, &encrypt(k, to).expect("encrypt")));
        }
        let (file, _) = crate::syntax::parse(0, &text);
        let mut sink = crate::diag::Sink::default();
        crate::lower::lower(&[file], &mut sink)
    }

    #[test]
    fn fingerprints_follow_the_plaintext_not_the_ciphertext() {
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![me.to_public()]);
        let keyring = Keyring::from_identities(vec![me]);
        let key = [7u8; 32];
        let a = Decrypted::decrypt_all(&stack_with(&[("db", b"pw1"), ("api", b"pw1")], &to, Some(&key)), &keyring)
            .expect("decrypt");
        // Re-encrypted (a fresh ciphertext) with the same plaintext.
        let b = Decrypted::decrypt_all(&stack_with(&[("db", b"pw1")], &to, Some(&key)), &keyring).expect("decrypt");
        let c = Decrypted::decrypt_all(&stack_with(&[("db", b"pw2")], &to, Some(&key)), &keyring).expect("decrypt");
        let fa = a.fingerprint("db").expect("fingerprint");
        assert_eq!(Some(&fa), b.fingerprint("db").as_ref());
        assert_ne!(Some(&fa), c.fingerprint("db").as_ref());
        assert_ne!(a.fingerprint("db"), a.fingerprint("api"), "the name is bound in");
        assert!(fa.starts_with("hmac-sha256:") && fa.len() == 12 + 64 && !fa.contains("pw1"));
        assert_eq!(a.get("db"), Some(&b"pw1"[..]));
    }

    #[test]
    fn without_a_hash_key_there_is_no_fingerprint() {
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![me.to_public()]);
        let d = Decrypted::decrypt_all(&stack_with(&[("db", b"x")], &to, None), &Keyring::from_identities(vec![me]))
            .expect("decrypt");
        assert_eq!(d.fingerprint("db"), None);
        assert_eq!(d.get("db"), Some(&b"x"[..]));
    }

    #[test]
    fn the_failing_secret_is_named() {
        let me = age::x25519::Identity::generate();
        let to = Encryption::Recipients(vec![age::x25519::Identity::generate().to_public()]);
        let err =
            Decrypted::decrypt_all(&stack_with(&[("db", b"x")], &to, None), &Keyring::from_identities(vec![me])).err();
        assert_eq!(err, Some(("db".to_string(), SecretError::WrongKey { passphrase: false })));
        let s = stack_with(&[], &to, None);
        assert!(
            matches!(Decrypted::decrypt(&s, ["nope"], &Keyring::from_identities(vec![])), Err((n, SecretError::Unknown(_))) if n == "nope")
        );
    }

    #[test]
    fn passphrase_round_trip_and_wrong_passphrase() {
        use age::secrecy::SecretString;
        let to = Encryption::Passphrase(SecretString::from("correct horse".to_string()));
        let s = stack_with(&[("db", b"v")], &to, None);
        let good = Keyring::new(None, Some(SecretString::from("correct horse".to_string()))).expect("keyring");
        assert_eq!(Decrypted::decrypt_all(&s, &good).expect("decrypt").get("db"), Some(&b"v"[..]));
        let bad = Keyring::new(None, Some(SecretString::from("wrong".to_string()))).expect("keyring");
        assert_eq!(
            Decrypted::decrypt_all(&s, &bad).err().map(|e| e.1),
            Some(SecretError::WrongKey { passphrase: true })
        );
    }
}
