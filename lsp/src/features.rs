//! Each protocol feature as a function of a snapshot: position conversion around one call
//! into `drove_compiler::ide` (or `fmt`).

use crate::convert::{self, location, offset, position, range};
use crate::workspace::Snapshot;
use drove_compiler::ide::{self, CompletionKind, SymbolKind as Kind, TokenKind};
use drove_compiler::source::FileId;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{self as lsp, *};

const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::TYPE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::CLASS,
    SemanticTokenType::VARIABLE,
];
const TOKEN_MODIFIERS: &[SemanticTokenModifier] =
    &[SemanticTokenModifier::DECLARATION, SemanticTokenModifier::READONLY];

fn token_type(kind: TokenKind) -> u32 {
    match kind {
        TokenKind::Keyword => 0,
        TokenKind::Comment => 1,
        TokenKind::String => 2,
        TokenKind::Number => 3,
        TokenKind::Property => 4,
        TokenKind::Type => 5,
        TokenKind::Function => 6,
        TokenKind::Symbol(Kind::Stack | Kind::Network | Kind::Zone | Kind::Balancer | Kind::Use) => 7,
        TokenKind::Symbol(Kind::Subnet | Kind::BalancerTarget) => 8,
        TokenKind::Symbol(Kind::Firewall) => 9,
        TokenKind::Symbol(Kind::Role) => 10,
        TokenKind::Symbol(
            Kind::Hosts | Kind::Host | Kind::Let | Kind::Secret | Kind::HealthCheck | Kind::Certificate,
        ) => 11,
    }
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), ".".into(), "[".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: TOKEN_MODIFIERS.to_vec(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        inlay_hint_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// One edit replacing the whole text with `drove fmt`'s output; none when it is already
/// formatted or cannot be (syntax errors, which the diagnostics show).
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = drove_compiler::fmt::format(text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let file = drove_compiler::source::SourceFile::new("", text);
    Some(vec![TextEdit { range: range(&file, &(0..text.len())), new_text: formatted }])
}

fn at(snap: &Snapshot, file: FileId, p: Position) -> Option<usize> {
    Some(offset(snap.sources.files.get(file)?, p))
}

pub fn hover(snap: &Snapshot, file: FileId, p: Position) -> Option<Hover> {
    let a = snap.analysis.as_ref()?;
    let offset = at(snap, file, p)?;
    if snap.index.at(file, offset).is_none() {
        if let Some(t) = ide::across::target_at(a, &snap.sources, file, offset) {
            return Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: ide::across::hover(&t),
                }),
                range: Some(range(snap.sources.file(file), &t.here)),
            });
        }
    }
    let (span, md) = ide::hover_at(a, &snap.index, &snap.sources, file, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: md }),
        range: Some(range(snap.sources.file(file), &span)),
    })
}

pub fn definition(snap: &Snapshot, file: FileId, p: Position) -> Option<GotoDefinitionResponse> {
    let offset = at(snap, file, p)?;
    let Some(id) = snap.index.at(file, offset) else { return across_definition(snap, file, offset) };
    let s = snap.index.symbol(id)?;
    Some(GotoDefinitionResponse::Scalar(location(snap, s.file, &s.name_span)?))
}

/// A name of a used stack: its declaration in that stack's file (the editor's text when
/// the file is open there, else the disk's, for the position).
fn across_definition(snap: &Snapshot, file: FileId, offset: usize) -> Option<GotoDefinitionResponse> {
    let a = snap.analysis.as_ref()?;
    let t = ide::across::target_at(a, &snap.sources, file, offset)?;
    let text = snap.overlay.get(&t.path).cloned().or_else(|| std::fs::read_to_string(&t.path).ok())?;
    let mut other = drove_compiler::source::Sources::default();
    other.add(t.path.clone(), text);
    let uri = Uri::from_file_path(&t.path)?;
    Some(GotoDefinitionResponse::Scalar(Location { uri, range: range(other.file(0), &t.span) }))
}

pub fn references(snap: &Snapshot, file: FileId, p: Position, with_decl: bool) -> Option<Vec<Location>> {
    let id = snap.index.at(file, at(snap, file, p)?)?;
    Some(snap.index.occurrences(id, with_decl).iter().filter_map(|(f, s)| location(snap, *f, s)).collect())
}

/// The declaration the position names (its kind and name as used), for references from
/// other stacks.
pub fn declaration_at(snap: &Snapshot, file: FileId, p: Position) -> Option<(Kind, String)> {
    let id = snap.index.at(file, at(snap, file, p)?)?;
    let s = snap.index.symbol(id)?;
    Some((s.kind, s.path(&snap.index)))
}

/// The name's range, or why it cannot be renamed (a zone); nothing where no name is.
pub fn prepare_rename(
    snap: &Snapshot,
    file: FileId,
    p: Position,
) -> Option<std::result::Result<PrepareRenameResponse, String>> {
    let off = at(snap, file, p)?;
    match snap.index.prepare_rename(file, off) {
        Ok(span) => Some(Ok(PrepareRenameResponse::Range(range(snap.sources.file(file), &span)))),
        Err(ide::RenameError::NothingHere) => None,
        Err(e) => Some(Err(e.to_string())),
    }
}

pub fn rename(
    snap: &Snapshot,
    file: FileId,
    p: Position,
    new_name: &str,
) -> std::result::Result<WorkspaceEdit, String> {
    let off = at(snap, file, p).ok_or("no such position")?;
    // With the analysis, the rename also keeps the declaration's resources (a `moved`).
    let edits = match &snap.analysis {
        Some(a) => snap.index.rename_in(a, &snap.sources, file, off, new_name),
        None => snap.index.rename(file, off, new_name),
    }
    .map_err(|e| e.to_string())?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (f, span, text) in edits {
        if let (Some(uri), Some(src)) = (snap.uris.get(f), snap.sources.files.get(f)) {
            changes.entry(uri.clone()).or_default().push(TextEdit { range: range(src, &span), new_text: text });
        }
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..Default::default() })
}

pub fn completion(snap: &Snapshot, file: FileId, p: Position) -> Option<CompletionResponse> {
    let a = snap.analysis.as_ref()?;
    let tree = a.files.get(file)?;
    let src = snap.sources.file(file);
    let items = ide::completions(&a.stack, &snap.index, tree, src, at(snap, file, p)?);
    let items = items
        .into_iter()
        .map(|c| CompletionItem {
            // Clients filter on this against the replaced text, quote included.
            filter_text: (c.insert != c.label).then(|| c.insert.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit { range: range(src, &c.range), new_text: c.insert })),
            label: c.label,
            kind: Some(match c.kind {
                CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                CompletionKind::Attribute => CompletionItemKind::PROPERTY,
                CompletionKind::Name(Kind::Firewall) => CompletionItemKind::INTERFACE,
                CompletionKind::Name(Kind::Role) => CompletionItemKind::CLASS,
                CompletionKind::Name(Kind::Network | Kind::Stack) => CompletionItemKind::MODULE,
                CompletionKind::Name(Kind::Subnet) => CompletionItemKind::ENUM_MEMBER,
                CompletionKind::Name(_) => CompletionItemKind::VARIABLE,
                CompletionKind::InstanceType => CompletionItemKind::VALUE,
                CompletionKind::Zone => CompletionItemKind::VALUE,
                CompletionKind::RecordType => CompletionItemKind::TYPE_PARAMETER,
            }),
            detail: c.detail,
            ..Default::default()
        })
        .collect();
    Some(CompletionResponse::Array(items))
}

fn symbol_kind(k: Kind) -> lsp::SymbolKind {
    match k {
        Kind::Stack => lsp::SymbolKind::PACKAGE,
        Kind::Network => lsp::SymbolKind::NAMESPACE,
        Kind::Subnet => lsp::SymbolKind::ENUM_MEMBER,
        Kind::Firewall => lsp::SymbolKind::INTERFACE,
        Kind::Role => lsp::SymbolKind::CLASS,
        Kind::Hosts | Kind::Host => lsp::SymbolKind::OBJECT,
        Kind::Let => lsp::SymbolKind::CONSTANT,
        Kind::Secret => lsp::SymbolKind::KEY,
        Kind::Zone => lsp::SymbolKind::MODULE,
        Kind::HealthCheck => lsp::SymbolKind::EVENT,
        Kind::Balancer => lsp::SymbolKind::STRUCT,
        Kind::BalancerTarget => lsp::SymbolKind::FIELD,
        Kind::Certificate => lsp::SymbolKind::KEY,
        Kind::Use => lsp::SymbolKind::PACKAGE,
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol struct
pub fn document_symbols(snap: &Snapshot, file: FileId) -> Option<DocumentSymbolResponse> {
    let src = snap.sources.files.get(file)?;
    let ix = &snap.index;
    let make = |id: usize, children: Option<Vec<DocumentSymbol>>| {
        let s = &ix.symbols[id];
        DocumentSymbol {
            name: s.name.clone(),
            detail: Some(s.kind.keyword().into()),
            kind: symbol_kind(s.kind),
            tags: None,
            deprecated: None,
            range: range(src, &s.span),
            selection_range: range(src, &s.name_span),
            children,
        }
    };
    let mut out = Vec::new();
    for (id, s) in ix.symbols.iter().enumerate().filter(|(_, s)| s.file == file && s.parent.is_none()) {
        let kids: Vec<_> =
            ix.symbols.iter().enumerate().filter(|(_, c)| c.parent == Some(id)).map(|(c, _)| make(c, None)).collect();
        let _ = s;
        out.push(make(id, (!kids.is_empty()).then_some(kids)));
    }
    Some(DocumentSymbolResponse::Nested(out))
}

#[allow(deprecated)]
pub fn workspace_symbols(snaps: &[std::sync::Arc<Snapshot>], query: &str) -> Vec<SymbolInformation> {
    let q = query.to_lowercase();
    let mut out = Vec::new();
    for snap in snaps {
        for s in &snap.index.symbols {
            let path = s.path(&snap.index);
            if !path.to_lowercase().contains(&q) {
                continue;
            }
            if let Some(location) = location(snap, s.file, &s.name_span) {
                out.push(symbol_information(s.kind, path, location));
            }
        }
    }
    out
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol struct
pub fn symbol_information(kind: Kind, name: String, location: Location) -> SymbolInformation {
    SymbolInformation {
        name,
        kind: symbol_kind(kind),
        tags: None,
        deprecated: None,
        location,
        container_name: Some(kind.keyword().into()),
    }
}

/// Quick fixes from the diagnostics' `fixes`, for every diagnostic whose range meets the
/// requested one (a cursor anywhere on it) or that the client names in its context.
pub fn code_actions(
    snap: &Snapshot,
    file: FileId,
    want: Range,
    named: &[lsp::Diagnostic],
    extra: &[drove_compiler::diag::Diagnostic],
) -> Option<CodeActionResponse> {
    let a = snap.analysis.as_ref()?;
    let src = snap.sources.files.get(file)?;
    let (lo, hi) = (offset(src, want.start), offset(src, want.end));
    let mut out = Vec::new();
    for d in a.diagnostics.iter().chain(extra).filter(|d| d.primary.file == file) {
        let s = &d.primary.span;
        let Some(lsp_d) = convert::diagnostic(snap, d) else { continue };
        let meets = s.start <= hi && lo <= s.end;
        let is_named = named.iter().any(|n| n.range == lsp_d.range && n.code == lsp_d.code);
        if !meets && !is_named {
            continue;
        }
        for fix in &d.fixes {
            let Some(edit) = workspace_edit(snap, fix) else { continue };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_d.clone()]),
                edit: Some(edit),
                is_preferred: Some(d.fixes.len() == 1),
                ..Default::default()
            }));
        }
    }
    Some(out)
}

/// A fix as a workspace edit: the text edit, after creating the file it names, if any.
fn workspace_edit(snap: &Snapshot, fix: &drove_compiler::diag::Fix) -> Option<WorkspaceEdit> {
    let uri = snap.uris.get(fix.file)?;
    let src = snap.sources.files.get(fix.file)?;
    let edit = TextEdit { range: range(src, &fix.span), new_text: fix.replacement.clone() };
    let Some(path) = &fix.create else {
        return Some(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), vec![edit])])), ..Default::default() });
    };
    let create = ResourceOp::Create(CreateFile {
        uri: Uri::from_file_path(path)?,
        options: Some(CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(true) }),
        annotation_id: None,
    });
    let mut ops = vec![DocumentChangeOperation::Op(create)];
    if !(fix.span.is_empty() && fix.replacement.is_empty()) {
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri: uri.clone(), version: None },
            edits: vec![OneOf::Left(edit)],
        }));
    }
    Some(WorkspaceEdit { document_changes: Some(DocumentChanges::Operations(ops)), ..Default::default() })
}

pub fn semantic_tokens(snap: &Snapshot, file: FileId) -> Option<SemanticTokensResult> {
    let a = snap.analysis.as_ref()?;
    let tree = a.files.get(file)?;
    let src = snap.sources.files.get(file)?;
    let tokens = ide::semantic_tokens(&snap.index, tree, file, &src.text);
    let mut data = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for t in tokens {
        let ty = token_type(t.kind);
        let mods = u32::from(t.declaration) | if matches!(t.kind, TokenKind::Symbol(Kind::Let)) { 2 } else { 0 };
        // The protocol wants single-line tokens: split long strings at line breaks.
        let text = src.text.get(t.span.clone()).unwrap_or("");
        let mut start = t.span.start;
        for piece in text.split('\n') {
            let p = position(src, start);
            let len = piece.encode_utf16().count() as u32;
            if len > 0 {
                let delta_line = p.line - last_line;
                let delta_start = if delta_line == 0 { p.character - last_col } else { p.character };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: len,
                    token_type: ty,
                    token_modifiers_bitset: mods,
                });
                (last_line, last_col) = (p.line, p.character);
            }
            start += piece.len() + 1;
        }
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data }))
}

pub fn inlay_hints(snap: &Snapshot, file: FileId, want: Range) -> Option<Vec<InlayHint>> {
    let a = snap.analysis.as_ref()?;
    let src = snap.sources.files.get(file)?;
    let (lo, hi) = (offset(src, want.start), offset(src, want.end));
    Some(
        ide::inlay_hints(&a.stack, file)
            .into_iter()
            .filter(|h| lo <= h.offset && h.offset <= hi)
            .map(|h| InlayHint {
                position: position(src, h.offset),
                label: InlayHintLabel::String(h.label),
                kind: None,
                text_edits: None,
                tooltip: None,
                padding_left: Some(true),
                padding_right: None,
                data: None,
            })
            .collect(),
    )
}
