//! The `drove` command line. Each command lives in its own module; this file only parses
//! arguments and maps outcomes to the exit codes of the CLI contract.

mod affected;
#[cfg(feature = "aws")]
mod apply;
mod check;
mod check_repo;
mod compile;
mod completions;
#[cfg(feature = "aws")]
mod engine_run;
mod explain;
mod export;
mod fmt;
mod graph;
mod import;
#[cfg(feature = "aws")]
mod import_aws;
#[cfg(feature = "aws")]
mod init;
#[cfg(feature = "aws")]
mod inventory;
mod lsp;
mod lsp_planner;
mod output;
#[cfg(feature = "aws")]
mod plan;
#[cfg(feature = "aws")]
mod progress;
mod reach;
#[cfg(feature = "aws")]
mod replace;
#[cfg(feature = "aws")]
mod repo_run;
#[cfg(feature = "aws")]
mod saved_plan;
mod secret;
mod stack;
#[cfg(feature = "aws")]
mod state;
#[cfg(feature = "aws")]
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// drove: infrastructure as code for AWS, checked before it is applied.
#[derive(Debug, Parser)]
#[command(name = "drove", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The environment of a stack that declares environments (`environment NAME { … }`):
    /// required to compile, plan or apply one; `check` checks every environment without it
    #[arg(long = "env", global = true, value_name = "NAME")]
    env: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a stack and report every problem; exit 1 on errors, 2 when it can't be read
    Check {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = check::Format::Text)]
        format: check::Format,
    },
    /// Rewrite the stack's files in the canonical style (comments are kept)
    Fmt {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Change nothing; exit 1 when a file would be reformatted
        #[arg(long)]
        check: bool,
    },
    /// Print the desired state of a stack as JSON; refuses a stack with errors (exit 1)
    Compile {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Whether SOURCE can reach DEST[:PORT], and by what path (firewall rules, routes, NAT,
    /// balancer listeners) or what blocks it; `--exposed` lists what the internet reaches
    Reach(reach::Args),
    /// List the repository's stacks a change since GIT_REF touches (its files, or a stack
    /// it uses), in the order they apply
    Affected(affected::Args),
    /// Print the stack's resources and their dependencies as a graph (DOT or Mermaid)
    Graph {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = graph::Format::Dot)]
        format: graph::Format,
    },
    #[cfg(feature = "aws")]
    /// Prepare the state backend: create the S3 bucket if missing (versioned, private, encrypted)
    Init {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Copy the state kept in this local file (where the stack kept it before its
        /// `state = s3(…)`) into the stack's backend, under both locks
        #[arg(long, value_name = "FILE")]
        migrate_state: Option<PathBuf>,
    },
    #[cfg(feature = "aws")]
    /// Show what apply would change; --detailed-exitcode: 0 no changes, 1 error, 2 changes
    Plan(plan::Args),
    #[cfg(feature = "aws")]
    /// Apply a fresh plan of the stack, or exactly a plan saved with `drove plan --out`
    Apply(apply::Args),
    #[cfg(feature = "aws")]
    /// Replace one instance of a `hosts` (new one first, the old one drained on the host, then terminated)
    Replace(replace::Args),
    #[cfg(feature = "aws")]
    /// Delete everything the stack's state holds, in reverse dependency order
    Destroy(apply::DestroyArgs),
    #[cfg(feature = "aws")]
    /// Inspect the state or break a stale lock
    #[command(subcommand)]
    State(state::Command),
    #[cfg(feature = "aws")]
    /// Check live resources and DNS answers against the stack; exit 1 on drift or a wrong answer
    Verify(verify::Args),
    /// Print drove source for existing infrastructure (a zone file, or live AWS resources)
    #[command(subcommand)]
    Import(import::What),
    #[cfg(feature = "aws")]
    /// List the stack's live instances by role (from their tags), as JSON or an Ansible inventory
    Inventory {
        /// A stack directory or a single .drove file
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = inventory::Format::Json)]
        format: inventory::Format,
    },
    /// Write part of a stack in another tool's format
    #[command(subcommand)]
    Export(export::What),
    /// Print the page of a diagnostic code, e.g. `drove explain E0101`
    Explain {
        /// A code such as E0101 or W0003
        code: String,
    },
    /// Run the language server on stdin/stdout (for editors)
    Lsp,
    /// Encrypt, decrypt, edit and re-encrypt the stack's age secrets
    Secret {
        #[command(subcommand)]
        command: secret::SecretCommand,
    },
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout
    Man,
}

/// Exit codes of the CLI contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const PROBLEMS: u8 = 1;
    pub const USAGE: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(env) = &cli.env {
        if let Some(command) = takes_no_environment(&cli.command) {
            return ExitCode::from(output::fail(format!("`drove {command}` takes no `--env` (it was `{env}`)")));
        }
    }
    stack::choose_environment(cli.env);
    let code = match cli.command {
        Command::Check { path, format } => check::run(&path, format),
        Command::Fmt { path, check } => fmt::run(&path, check),
        Command::Compile { path } => compile::run(&path),
        Command::Graph { path, format } => graph::run(&path, format),
        Command::Reach(args) => reach::run(&args),
        Command::Affected(args) => affected::run(&args),
        #[cfg(feature = "aws")]
        Command::Init { path, migrate_state } => init::run(&path, migrate_state.as_deref()),
        #[cfg(feature = "aws")]
        Command::Plan(args) => plan::run(&args),
        #[cfg(feature = "aws")]
        Command::Apply(args) => apply::run(&args),
        #[cfg(feature = "aws")]
        Command::Replace(args) => replace::run(&args),
        #[cfg(feature = "aws")]
        Command::Destroy(args) => apply::destroy(&args),
        #[cfg(feature = "aws")]
        Command::State(cmd) => state::run(&cmd),
        #[cfg(feature = "aws")]
        Command::Verify(args) => verify::run(&args),
        Command::Import(what) => import::run(what),
        #[cfg(feature = "aws")]
        Command::Inventory { path, format } => inventory::run(&path, format),
        Command::Export(what) => export::run(what),
        Command::Explain { code } => explain::run(&code),
        Command::Lsp => lsp::run(),
        Command::Secret { command } => secret::run(command),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
    };
    ExitCode::from(code)
}

/// The commands that do not compile a stack, so have no environment to choose.
fn takes_no_environment(command: &Command) -> Option<&'static str> {
    match command {
        Command::Fmt { .. } => Some("fmt"),
        Command::Affected(_) => Some("affected"),
        Command::Import(_) => Some("import"),
        Command::Explain { .. } => Some("explain"),
        Command::Lsp => Some("lsp"),
        Command::Secret { .. } => Some("secret"),
        Command::Completions { .. } => Some("completions"),
        Command::Man => Some("man"),
        _ => None,
    }
}
