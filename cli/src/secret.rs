//! `drove secret init|encrypt|decrypt|edit|rekey`: age-encrypted values in the stack's
//! source (see `docs/secrets.md`). A command that fails writes nothing.

use crate::output::{write, Stream};
use drove_compiler::analysis::{analyze, Analysis};
use drove_compiler::secrets::{
    self, default_identity_path, encrypt, new_hash_key, passphrase_from_env, set_declarations, valid_name, Encryption,
    Keyring, SecretError, HASH_KEY_NAME, IDENTITY_ENV,
};
use drove_compiler::source::Sources;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum SecretCommand {
    /// Generate an age identity (private key file) and print its recipient for the stack's `recipients`
    Init {
        /// Where to write the identity [default: $DROVE_IDENTITY, else ~/.config/drove/identity.txt]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Encrypt a value from stdin (or --from) and write `secret "NAME" = "…"` into the stack
    Encrypt {
        /// The secret's name, as `secret("NAME")` refers to it
        name: String,
        /// A stack directory (new secrets go to its secrets.drove) or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Read the value from FILE (`-` for stdin) instead of stdin
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Print a secret's plaintext to stdout (refused on a terminal unless --force)
    Decrypt {
        name: String,
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print even when stdout is a terminal
        #[arg(long)]
        force: bool,
    },
    /// Decrypt a secret into a private temporary file, open $VISUAL or $EDITOR, re-encrypt if it changed
    Edit {
        name: String,
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Re-encrypt every secret of the stack for its current `recipients`
    Rekey {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

pub fn run(command: SecretCommand) -> u8 {
    let result = match command {
        SecretCommand::Init { out } => init(out),
        SecretCommand::Encrypt { name, path, from } => encrypt_cmd(&name, &path, from.as_deref()),
        SecretCommand::Decrypt { name, path, force } => decrypt_cmd(&name, &path, force),
        SecretCommand::Edit { name, path } => edit(&name, &path),
        SecretCommand::Rekey { path } => rekey(&path),
    };
    match result {
        Ok(()) => crate::exit::OK,
        Err(Failure::Problem(message)) => {
            write(Stream::Stderr, &format!("drove: error: {message}\n"));
            crate::exit::PROBLEMS
        }
        Err(Failure::Exit(code)) => code,
    }
}

enum Failure {
    /// A key, ciphertext or stack problem: exit 1.
    Problem(String),
    /// Already reported (an unreadable stack): this exit code.
    Exit(u8),
}

impl From<SecretError> for Failure {
    fn from(e: SecretError) -> Self {
        Failure::Problem(e.to_string())
    }
}

fn problem(message: impl std::fmt::Display) -> Failure {
    Failure::Problem(message.to_string())
}

fn note(message: &str) {
    write(Stream::Stderr, &format!("{message}\n"));
}

// ---- init ----

fn init(out: Option<PathBuf>) -> Result<(), Failure> {
    let path = out
        .or_else(|| std::env::var_os(IDENTITY_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(default_identity_path)
        .ok_or_else(|| problem("no HOME to put the identity in; pass --out FILE"))?;
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| problem(format!("{}: {e}", path.display())))?;
        let publics: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim().parse::<age::x25519::Identity>().ok())
            .map(|i| i.to_public().to_string())
            .collect();
        if publics.is_empty() {
            return Err(problem(format!("{} exists and holds no age identity; not overwritten", path.display())));
        }
        note(&format!("{} exists; not overwritten. Its recipient:", path.display()));
        write(Stream::Stdout, &format!("{}\n", publics.join("\n")));
        return Ok(());
    }
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    use age::secrecy::ExposeSecret as _;
    let text = format!(
        "# drove secret identity: keep this file private\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    write_private(&path, text.as_bytes()).map_err(|e| problem(format!("{}: {e}", path.display())))?;
    note(&format!(
        "wrote the identity to {}; add its recipient to the stack:\n  recipients = [\"{recipient}\"]",
        path.display()
    ));
    write(Stream::Stdout, &format!("{recipient}\n"));
    Ok(())
}

/// Creates a new file readable by its owner only, in directories only the owner can enter.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

// ---- the stack ----

struct Stack {
    sources: Sources,
    analysis: Analysis,
    /// Where new declarations go: `secrets.drove` of a directory, or the file itself.
    new_file: PathBuf,
}

fn load(path: &Path) -> Result<Stack, Failure> {
    let sources = crate::stack::load(path).map_err(Failure::Exit)?;
    let analysis = analyze(&sources);
    let new_file = if path.is_dir() { path.join("secrets.drove") } else { path.to_path_buf() };
    Ok(Stack { sources, analysis, new_file })
}

impl Stack {
    fn recipients(&self) -> Vec<String> {
        self.analysis.stack.info().map(|s| s.recipients.iter().map(|r| r.value.clone()).collect()).unwrap_or_default()
    }

    /// Refuses to rewrite files the parser could not read whole.
    fn writable(&self) -> Result<(), Failure> {
        let syntax = self.analysis.diagnostics.iter().find(|d| d.code < "E0050" && d.is_error());
        match syntax {
            Some(d) => Err(problem(format!(
                "{} has syntax errors ({}: {}); fix them first (`drove check`)",
                self.sources.file(d.primary.file).path.display(),
                d.code,
                d.message
            ))),
            None => Ok(()),
        }
    }

    fn ciphertext(&self, name: &str) -> Result<&str, Failure> {
        match self.analysis.stack.secret(name) {
            Some(s) => s
                .ciphertext
                .as_ref()
                .map(|c| c.value.as_str())
                .ok_or_else(|| problem(format!("secret `{name}` has no value"))),
            None => {
                let names = self.analysis.stack.secrets.iter().map(|s| s.name.text.as_str());
                let hint = drove_compiler::diag::did_you_mean(name, names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                Err(problem(format!("the stack has no secret `{name}`{hint}")))
            }
        }
    }

    /// How new values are encrypted, warning when a passphrase in the environment is left unused.
    fn encryption(&self) -> Result<Encryption, Failure> {
        let (e, unused) = Encryption::choose(&self.recipients(), passphrase_from_env())?;
        if unused {
            note(&format!(
                "note: {} is not used to encrypt: the stack lists recipients, and age cannot mix a passphrase with them",
                secrets::PASSPHRASE_ENV
            ));
        }
        Ok(e)
    }

    /// Encrypts the values and writes them, adding the fingerprint key when the stack has none.
    fn store(&self, values: Vec<(String, Vec<u8>)>, to: &Encryption) -> Result<Vec<PathBuf>, Failure> {
        let mut encrypted = Vec::with_capacity(values.len() + 1);
        let has_key =
            values.iter().any(|(n, _)| n == HASH_KEY_NAME) || self.analysis.stack.secret(HASH_KEY_NAME).is_some();
        if !has_key {
            use age::secrecy::ExposeSecret as _;
            encrypted.push((HASH_KEY_NAME.to_string(), encrypt(new_hash_key().expose_secret(), to)?));
        }
        for (name, value) in values {
            encrypted.push((name, encrypt(&value, to)?));
        }
        let edits = set_declarations(&self.sources, &self.analysis.stack, &encrypted, &self.new_file);
        // Write every file's new text beside it first, then rename: a failure leaves the stack as it was.
        let mut staged = Vec::new();
        for e in &edits {
            match stage(&e.path, &e.text) {
                Ok(t) => staged.push((t, e.path.clone())),
                Err(err) => return Err(problem(format!("{}: {err}", e.path.display()))),
            }
        }
        let mut written = Vec::new();
        for (tmp, path) in staged {
            tmp.persist(&path).map_err(|e| problem(format!("{}: {}", path.display(), e.error)))?;
            written.push(path);
        }
        Ok(written)
    }
}

fn stage(path: &Path, text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".drove-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    Ok(tmp)
}

fn shown(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn describe(to: &Encryption) -> String {
    match to {
        Encryption::Recipients(r) => format!("{} recipient(s)", r.len()),
        Encryption::Passphrase(_) => format!("the passphrase in {}", secrets::PASSPHRASE_ENV),
    }
}

// ---- encrypt, decrypt ----

fn encrypt_cmd(name: &str, path: &Path, from: Option<&Path>) -> Result<(), Failure> {
    valid_name(name).map_err(problem)?;
    let stack = load(path)?;
    stack.writable()?;
    let to = stack.encryption()?;
    let value = match from {
        Some(f) if f != Path::new("-") => std::fs::read(f).map_err(|e| problem(format!("{}: {e}", f.display())))?,
        _ => {
            if std::io::stdin().is_terminal() {
                note("reading the value from the terminal; end it with Ctrl-D");
            }
            let mut v = Vec::new();
            std::io::stdin().read_to_end(&mut v).map_err(|e| problem(format!("stdin: {e}")))?;
            v
        }
    };
    let written = stack.store(vec![(name.to_string(), value)], &to)?;
    note(&format!("encrypted `{name}` for {} into {}", describe(&to), shown(&written)));
    Ok(())
}

fn decrypt_cmd(name: &str, path: &Path, force: bool) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() && !force {
        return Err(problem(
            "stdout is a terminal: pipe the output, use `drove secret edit`, or pass --force to print it here",
        ));
    }
    let stack = load(path)?;
    let text = stack.ciphertext(name)?;
    let plain = Keyring::from_env()?.decrypt(text).map_err(|e| problem(format!("secret `{name}`: {e}")))?;
    use age::secrecy::ExposeSecret as _;
    let mut out = std::io::stdout().lock();
    out.write_all(plain.expose_secret()).and_then(|()| out.flush()).map_err(|e| problem(format!("stdout: {e}")))
}

// ---- edit ----

/// The plaintext's temporary file: overwritten with zeros and removed on every way out.
struct Scratch {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(meta) = std::fs::metadata(&self.file) {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&self.file) {
                let _ = f.write_all(&vec![0u8; usize::try_from(meta.len()).unwrap_or(0)]);
                let _ = f.sync_all();
            }
        }
        let _ = std::fs::remove_file(&self.file);
    }
}

fn scratch(name: &str, content: &[u8]) -> std::io::Result<Scratch> {
    // Memory-backed when the system has it, so the plaintext never reaches a disk.
    let shm = Path::new("/dev/shm");
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("drove-secret-");
        b
    };
    let dir = if shm.is_dir() { builder.tempdir_in(shm).or_else(|_| builder.tempdir())? } else { builder.tempdir()? };
    // tempfile leaves the directory to the umask; nobody else may list or enter it.
    #[cfg(unix)]
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    // Keep the name's extension so the editor picks a mode; nothing else of it.
    let ext =
        Path::new(name).extension().and_then(|e| e.to_str()).filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()));
    let file = dir.path().join(ext.map_or_else(|| "secret".to_string(), |e| format!("secret.{e}")));
    let s = Scratch { _dir: dir, file };
    write_private(&s.file, content)?;
    Ok(s)
}

fn edit(name: &str, path: &Path) -> Result<(), Failure> {
    valid_name(name).map_err(problem)?;
    let stack = load(path)?;
    stack.writable()?;
    let to = stack.encryption()?;
    let old = match stack.analysis.stack.secret(name) {
        Some(_) => {
            use age::secrecy::ExposeSecret as _;
            let plain = Keyring::from_env()?
                .decrypt(stack.ciphertext(name)?)
                .map_err(|e| problem(format!("secret `{name}`: {e}")))?;
            Some(plain.expose_secret().clone())
        }
        None => None,
    };
    let s = scratch(name, old.as_deref().unwrap_or_default())
        .map_err(|e| problem(format!("cannot create a private temporary file: {e}")))?;
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    // Through the shell, so EDITOR may carry arguments (`code --wait`).
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("drove-secret-edit")
        .arg(&s.file)
        .status()
        .map_err(|e| problem(format!("cannot run the editor `{editor}`: {e}")))?;
    if !status.success() {
        return Err(problem(format!("the editor `{editor}` failed ({status}); `{name}` is unchanged")));
    }
    let new = std::fs::read(&s.file).map_err(|e| problem(format!("cannot read the edited value: {e}")))?;
    drop(s);
    if old.as_deref() == Some(new.as_slice()) {
        note(&format!("`{name}` is unchanged"));
        return Ok(());
    }
    let written = stack.store(vec![(name.to_string(), new)], &to)?;
    note(&format!("encrypted `{name}` for {} into {}", describe(&to), shown(&written)));
    Ok(())
}

// ---- rekey ----

fn rekey(path: &Path) -> Result<(), Failure> {
    let stack = load(path)?;
    stack.writable()?;
    let to = stack.encryption()?;
    let keyring = Keyring::from_env()?;
    let mut values = Vec::new();
    for s in &stack.analysis.stack.secrets {
        if values.iter().any(|(n, _): &(String, Vec<u8>)| *n == s.name.text) {
            continue;
        }
        let text = stack.ciphertext(&s.name.text)?;
        use age::secrecy::ExposeSecret as _;
        let plain = keyring
            .decrypt(text)
            .map_err(|e| problem(format!("secret `{}`: {e}; nothing was changed", s.name.text)))?;
        values.push((s.name.text.clone(), plain.expose_secret().clone()));
    }
    let count = values.iter().filter(|(n, _)| n != HASH_KEY_NAME).count();
    if values.is_empty() {
        note("the stack has no secrets; nothing to do");
        return Ok(());
    }
    let written = stack.store(values, &to)?;
    note(&format!("re-encrypted {count} secret(s) for {} in {}", describe(&to), shown(&written)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_file_is_private_and_gone_after_use() {
        let s = scratch("db.yml", b"pw").expect("scratch");
        let file = s.file.clone();
        assert!(file.extension().is_some_and(|e| e == "yml"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(file.parent().expect("dir")).expect("meta").permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
        assert_eq!(std::fs::read(&file).expect("read"), b"pw");
        drop(s);
        assert!(!file.exists());
        assert!(!file.parent().expect("dir").exists());
    }
}
