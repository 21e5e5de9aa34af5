//! The keys that decrypt: an identity file and/or a passphrase, found in the environment.

use super::{cipher, SecretError, IDENTITY_ENV, PASSPHRASE_ENV};
use age::secrecy::{SecretBox, SecretString};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// A decrypted value; it is zeroed when dropped and never printed by `Debug`.
pub type Plaintext = SecretBox<Vec<u8>>;

/// Identities to decrypt with. Build it once per run: the passphrase's scrypt work is paid
/// per secret, the identity file is read once.
pub struct Keyring {
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    has_passphrase: bool,
}

/// `$XDG_CONFIG_HOME/drove/identity.txt`, else `$HOME/.config/drove/identity.txt`.
pub fn default_identity_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("drove").join("identity.txt"))
}

/// The passphrase from the environment, when set and not empty.
pub fn passphrase_from_env() -> Option<SecretString> {
    std::env::var(PASSPHRASE_ENV).ok().filter(|p| !p.is_empty()).map(SecretString::from)
}

impl Keyring {
    /// The identity file named by `DROVE_IDENTITY` (which must then exist) or the default
    /// one when it exists, plus the passphrase from `DROVE_SECRET_PASSPHRASE` when set.
    pub fn from_env() -> Result<Keyring, SecretError> {
        let file = match std::env::var_os(IDENTITY_ENV).filter(|v| !v.is_empty()) {
            Some(p) => Some(PathBuf::from(p)),
            None => default_identity_path().filter(|p| p.exists()),
        };
        let keyring = Keyring::new(file.as_deref(), passphrase_from_env())?;
        if keyring.identities.is_empty() {
            let default = default_identity_path().map_or_else(|| "no HOME".into(), |p| p.display().to_string());
            return Err(SecretError::NoKeys(format!(
                "{IDENTITY_ENV} and {PASSPHRASE_ENV} are not set and {default} does not exist"
            )));
        }
        Ok(keyring)
    }

    /// A keyring from an identity file and a passphrase, either optional.
    pub fn new(identity_file: Option<&Path>, passphrase: Option<SecretString>) -> Result<Keyring, SecretError> {
        let mut identities: Vec<Box<dyn age::Identity + Send + Sync>> = Vec::new();
        if let Some(path) = identity_file {
            let text = std::fs::read(path).map_err(|e| SecretError::Identity(format!("{}: {e}", path.display())))?;
            let parsed = age::IdentityFile::from_buffer(&text[..])
                .map_err(|e| SecretError::Identity(format!("{}: {e}", path.display())))?
                .into_identities()
                .map_err(|e| SecretError::Identity(format!("{}: {e}", path.display())))?;
            if parsed.is_empty() {
                return Err(SecretError::Identity(format!(
                    "{}: holds no identity (`AGE-SECRET-KEY-1…` line)",
                    path.display()
                )));
            }
            identities.extend(parsed);
        }
        let has_passphrase = passphrase.is_some();
        if let Some(p) = passphrase {
            identities.push(Box::new(age::scrypt::Identity::new(p)));
        }
        Ok(Keyring { identities, has_passphrase })
    }

    /// A keyring holding exactly these X25519 identities (tests, tools).
    pub fn from_identities(ids: Vec<age::x25519::Identity>) -> Keyring {
        Keyring {
            identities: ids.into_iter().map(|i| Box::new(i) as Box<dyn age::Identity + Send + Sync>).collect(),
            has_passphrase: false,
        }
    }

    /// Decrypts a stored value in memory.
    pub fn decrypt(&self, text: &str) -> Result<Plaintext, SecretError> {
        let bytes = cipher::decode(text)?;
        let decryptor = age::Decryptor::new_buffered(&bytes[..]).map_err(|e| SecretError::Malformed(e.to_string()))?;
        let scrypt = decryptor.is_scrypt();
        let mut reader = decryptor.decrypt(self.identities.iter().map(|i| i.as_ref() as &dyn age::Identity)).map_err(
            |e| match e {
                age::DecryptError::NoMatchingKeys => {
                    SecretError::WrongKey { passphrase: scrypt && self.has_passphrase }
                }
                // scrypt's stanza fails to open under a wrong passphrase.
                age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed if scrypt => {
                    SecretError::WrongKey { passphrase: true }
                }
                age::DecryptError::InvalidMac | age::DecryptError::DecryptionFailed => SecretError::Tampered,
                age::DecryptError::ExcessiveWork { required, .. } => SecretError::Other(format!(
                    "the passphrase's scrypt work factor 2^{required} is above what this machine accepts"
                )),
                other => SecretError::Malformed(other.to_string()),
            },
        )?;
        let mut out = Vec::new();
        if reader.read_to_end(&mut out).is_err() {
            // Don't keep a partial plaintext around.
            out.iter_mut().for_each(|b| *b = 0);
            return Err(SecretError::Tampered);
        }
        Ok(SecretBox::new(Box::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::cipher::{encrypt, Encryption};
    use age::secrecy::ExposeSecret as _;
    use base64::Engine as _;

    #[test]
    fn round_trip_with_an_identity() {
        let me = age::x25519::Identity::generate();
        let text = encrypt(b"s3cr3t", &Encryption::Recipients(vec![me.to_public()])).expect("encrypt");
        let plain = Keyring::from_identities(vec![me]).decrypt(&text).expect("decrypt");
        assert_eq!(plain.expose_secret().as_slice(), b"s3cr3t");
    }

    #[test]
    fn another_key_is_refused() {
        let me = age::x25519::Identity::generate();
        let text = encrypt(b"x", &Encryption::Recipients(vec![me.to_public()])).expect("encrypt");
        let other = Keyring::from_identities(vec![age::x25519::Identity::generate()]);
        assert_eq!(other.decrypt(&text).err(), Some(SecretError::WrongKey { passphrase: false }));
    }

    #[test]
    fn a_flipped_payload_byte_is_tampering() {
        let me = age::x25519::Identity::generate();
        let text = encrypt(b"a longer plaintext", &Encryption::Recipients(vec![me.to_public()])).expect("encrypt");
        let mut bytes = base64::engine::general_purpose::STANDARD.decode(&text).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(Keyring::from_identities(vec![me]).decrypt(&tampered).err(), Some(SecretError::Tampered));
    }

    #[test]
    fn identity_files_are_read_and_bad_ones_named() {
        let dir = std::env::temp_dir().join(format!("drove-keyring-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let me = age::x25519::Identity::generate();
        let good = dir.join("id.txt");
        std::fs::write(&good, format!("# a comment\n{}\n", me.to_string().expose_secret())).expect("write");
        let text = encrypt(b"v", &Encryption::Recipients(vec![me.to_public()])).expect("encrypt");
        let k = Keyring::new(Some(&good), None).expect("keyring");
        assert_eq!(k.decrypt(&text).expect("decrypt").expose_secret().as_slice(), b"v");

        let bad = dir.join("bad.txt");
        std::fs::write(&bad, "hunter2\n").expect("write");
        let err = Keyring::new(Some(&bad), None).err().expect("error");
        assert!(matches!(&err, SecretError::Identity(m) if m.contains("line 1") && !m.contains("hunter2")), "{err}");
        assert!(matches!(Keyring::new(Some(&dir.join("missing")), None), Err(SecretError::Identity(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
