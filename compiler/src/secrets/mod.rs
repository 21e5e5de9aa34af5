//! Secrets: single values encrypted with [age](https://age-encryption.org) and kept in the
//! stack's source as `secret "NAME" = "CIPHERTEXT"`.
//!
//! # Format
//!
//! The string holds one binary age file (format v1) encoded as standard base64 with
//! padding, on one line, with no armor. One value per file keeps a diff of the source to
//! the secrets that changed, and one line keeps the formatter and the grammar simple.
//!
//! # Who can decrypt
//!
//! When the stack lists `recipients`, a value is encrypted to those X25519 keys and nothing
//! else. When it lists none, it is encrypted to the passphrase in `DROVE_SECRET_PASSPHRASE`
//! (age's scrypt recipient). age forbids a passphrase beside other recipients in one file,
//! so a stack uses one mode or the other; CI of a stack with recipients gets an identity
//! file of its own (see `docs/secrets.md`).
//!
//! Decryption happens in memory only, with the identities in the file named by
//! `DROVE_IDENTITY` (default `$XDG_CONFIG_HOME/drove/identity.txt`, else
//! `~/.config/drove/identity.txt`) and the passphrase, whichever are present.
//!
//! # Detecting a change
//!
//! The state keeps [`Decrypted::fingerprint`]: HMAC-SHA256 of the secret's name and
//! plaintext, keyed with 32 random bytes kept as one more secret of the stack,
//! [`HASH_KEY_NAME`], encrypted like the others. Anyone who can read the state but cannot
//! decrypt the stack cannot test guesses against a fingerprint, and re-encrypting a value
//! (rekey) leaves its fingerprint alone, so hosts are replaced only when a value changes.

mod check;
mod cipher;
mod declaration;
mod fingerprint;
mod keyring;

pub use check::check;
pub use cipher::{decode, encrypt, inspect, parse_recipients, Encryption, HeaderSummary};
pub use declaration::{declaration, set_declarations, valid_name, Edit};
pub use fingerprint::{new_hash_key, Decrypted};
pub use keyring::{default_identity_path, passphrase_from_env, Keyring, Plaintext};

/// The passphrase for stacks without recipients, and for CI.
pub const PASSPHRASE_ENV: &str = "DROVE_SECRET_PASSPHRASE";
/// Path of an age identity file.
pub const IDENTITY_ENV: &str = "DROVE_IDENTITY";
/// The secret that keys the fingerprints kept in the state.
pub const HASH_KEY_NAME: &str = "drove.hash-key";

/// Why a secret could not be encrypted or decrypted. Messages never contain plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// The stored value is not base64 of an age file.
    Malformed(String),
    /// Neither an identity file nor a passphrase is available.
    NoKeys(String),
    /// None of the identities (or the passphrase) opens the file.
    WrongKey {
        passphrase: bool,
    },
    /// The file was opened but its header MAC or payload does not authenticate.
    Tampered,
    /// The identity file could not be read or parsed.
    Identity(String),
    /// A stack recipient is not an age X25519 recipient.
    Recipient(String),
    /// Nothing to encrypt to.
    NoRecipients,
    /// The stack has no secret of that name.
    Unknown(String),
    Other(String),
}

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretError::Malformed(why) => write!(f, "not an age ciphertext: {why}"),
            SecretError::NoKeys(tried) => write!(
                f,
                "no key to decrypt with: {tried}; create one with `drove secret init`, point {IDENTITY_ENV} at an identity file, or set {PASSPHRASE_ENV}"
            ),
            SecretError::WrongKey { passphrase: true } => write!(f, "the passphrase in {PASSPHRASE_ENV} does not decrypt it"),
            SecretError::WrongKey { passphrase: false } => {
                write!(f, "none of the available keys decrypts it (it was encrypted for other recipients; `drove secret rekey` by someone who can read it adds yours)")
            }
            SecretError::Tampered => write!(f, "the ciphertext was altered: its authentication failed"),
            SecretError::Identity(why) => write!(f, "cannot use the identity file: {why}"),
            SecretError::Recipient(why) => write!(f, "bad recipient in the stack: {why}"),
            SecretError::NoRecipients => write!(
                f,
                "the stack lists no `recipients` and {PASSPHRASE_ENV} is not set: add `recipients = [\"age1…\"]` (see `drove secret init`) or set the passphrase"
            ),
            SecretError::Unknown(name) => write!(f, "the stack has no secret `{name}`"),
            SecretError::Other(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for SecretError {}
