//! The files of a stack, as the compiler sees them. Loading from disk lives here so the
//! CLI and the language server agree on which files make a stack.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in a [`Sources`] set. Spans are byte ranges into that file's text.
pub type FileId = usize;
pub type Span = Range<usize>;

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        // memchr's vectorised search: `match_indices` took a call per line, a visible
        // part of checking a large zone.
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceFile { path: path.into(), text, line_starts }
    }

    /// 0-based line and 0-based column in characters (not bytes) for a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (offset, line) = self.line_of(offset);
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0);
        (line, col)
    }

    /// 0-based line and UTF-16 column, as the language server protocol counts them.
    pub fn line_col_utf16(&self, offset: usize) -> (usize, usize) {
        let (offset, line) = self.line_of(offset);
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map(|s| s.encode_utf16().count()).unwrap_or(0);
        (line, col)
    }

    /// Byte offset of a 0-based line and UTF-16 column; clamps to the text.
    pub fn offset_utf16(&self, line: usize, col16: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else { return self.text.len() };
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let mut units = 0;
        for (i, ch) in self.text[start..end].char_indices() {
            if units >= col16 || ch == '\n' {
                return start + i;
            }
            units += ch.len_utf16();
        }
        end
    }

    /// The 0-based line holding a byte offset, and that line's byte range without its
    /// line break.
    pub fn line_at(&self, offset: usize) -> (usize, Span) {
        let (_, line) = self.line_of(offset);
        let end = self.line_starts.get(line + 1).map_or(self.text.len(), |&next| next - 1);
        (line, self.line_starts[line]..end)
    }

    /// An offset clamped to the text, and the 0-based line it is on.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        (offset, self.line_starts.partition_point(|&s| s <= offset) - 1)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one stack. Order is by path so output is deterministic.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn single(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Sources { files: vec![SourceFile::new(path, text)] }
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(path, text));
        self.files.len() - 1
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// The stack's directory: that of its files (`load` reads one directory), `.` for a
    /// bare file name; `None` when there are no files.
    pub fn dir(&self) -> Option<PathBuf> {
        let parent = self.files.first()?.path.parent()?;
        Some(if parent.as_os_str().is_empty() { PathBuf::from(".") } else { parent.to_path_buf() })
    }
}

/// Why a stack could not be read. These are I/O and usage problems (exit code 2), not
/// diagnostics about the language.
#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    Io(PathBuf, std::io::Error),
    NotUtf8 { path: PathBuf, offset: usize },
    NoFiles(PathBuf),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
            LoadError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::NotUtf8 { path, offset } => {
                write!(f, "{}: not valid UTF-8 (first bad byte at offset {offset})", path.display())
            }
            LoadError::NoFiles(p) => write!(f, "{}: no *.drove files in this directory", p.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads a stack: a single `.drove` file, or every `*.drove` file directly in a directory.
pub fn load(path: &Path) -> Result<Sources, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(path.to_path_buf()),
        _ => LoadError::Io(path.to_path_buf(), e),
    })?;
    let mut paths = Vec::new();
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| LoadError::Io(path.to_path_buf(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::Io(path.to_path_buf(), e))?;
            let p = entry.path();
            if p.extension().is_some_and(|x| x == "drove") && p.is_file() {
                paths.push(p);
            }
        }
        if paths.is_empty() {
            return Err(LoadError::NoFiles(path.to_path_buf()));
        }
        paths.sort();
    } else {
        paths.push(path.to_path_buf());
    }
    let mut sources = Sources::default();
    for p in paths {
        let bytes = std::fs::read(&p).map_err(|e| LoadError::Io(p.clone(), e))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| LoadError::NotUtf8 { path: p.clone(), offset: e.utf8_error().valid_up_to() })?;
        sources.add(p, text);
    }
    Ok(sources)
}
