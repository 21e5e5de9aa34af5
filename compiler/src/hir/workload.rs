use super::{Ident, Ref, Spanned};
use crate::source::{FileId, Span};
use std::net::IpAddr;

/// `role NAME { image = … type = … provision { … } }`: what a kind of instance is.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub image: Option<Spanned<Image>>,
    pub instance_type: Option<Spanned<String>>,
    pub firewalls: Vec<Ref>,
    pub disk_gib: Option<Spanned<u64>>,
    pub public_ip: Option<Spanned<bool>>,
    pub imdsv2: Option<Spanned<bool>>,
    pub encrypted: Option<Spanned<bool>>,
    pub provision: Vec<Step>,
    /// The `provision` keyword, where diagnostics about the whole block point.
    pub provision_at: Option<Span>,
    pub drain: Option<Spanned<String>>,
    /// Seconds.
    pub drain_timeout: Option<Spanned<u64>>,
    pub batch: Option<Spanned<u64>>,
    /// `secrets = parameter_store | user_data`; `None` means Parameter Store.
    pub secrets: Option<Spanned<SecretDelivery>>,
    /// `access { … }`: what the hosts may touch in AWS with their instance role.
    pub access: Vec<Access>,
}

/// One line of a role's `access { … }` block: `s3 "BUCKET/PREFIX*" read, write`.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub span: Span,
    pub service: Spanned<AccessService>,
    /// The bucket and key pattern, parameter name pattern or log group, as written.
    pub target: Spanned<String>,
    pub read: bool,
    pub write: bool,
    /// The span of the mode words.
    pub mode_span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessService {
    S3,
    Parameter,
    Logs,
}

impl AccessService {
    pub const ALL: [(&'static str, AccessService); 3] =
        [("s3", AccessService::S3), ("parameter", AccessService::Parameter), ("logs", AccessService::Logs)];

    pub fn word(self) -> &'static str {
        match self {
            AccessService::S3 => "s3",
            AccessService::Parameter => "parameter",
            AccessService::Logs => "logs",
        }
    }
}

/// How the hosts of a role get the secrets their `file` steps hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretDelivery {
    /// Written to SSM Parameter Store at apply time; the host reads them at boot with its
    /// instance role.
    ParameterStore,
    /// Embedded in the user data, which whoever may describe the instance can read.
    UserData,
}

impl Role {
    /// How this role's hosts get their secrets.
    pub fn secret_delivery(&self) -> SecretDelivery {
        self.secrets.as_ref().map_or(SecretDelivery::ParameterStore, |s| s.value)
    }

    /// The secrets this role's `file` steps hold, each once, in order of first use.
    pub fn provisioned_secrets(&self) -> Vec<&Ident> {
        let mut out: Vec<&Ident> = Vec::new();
        for step in &self.provision {
            if let StepKind::File { content, .. } = &step.kind {
                if let FileContent::Secret(name) = &content.value {
                    if !out.iter().any(|n| n.text == name.text) {
                        out.push(name);
                    }
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// `image("PATTERN")` or `image("PATTERN", owner = "ACCOUNT")`: the newest matching AMI.
    Pattern { pattern: String, owner: Option<String> },
    /// `ami-0123…`
    Id(String),
}

/// One provisioning step, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub span: Span,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    Package {
        names: Vec<Spanned<String>>,
    },
    User {
        name: Spanned<String>,
        groups: Vec<Spanned<String>>,
        shell: Option<Spanned<String>>,
    },
    File {
        path: Spanned<String>,
        owner: Option<Spanned<String>>,
        mode: Option<Spanned<u32>>,
        content: Spanned<FileContent>,
    },
    Run {
        command: Spanned<String>,
    },
    Service {
        names: Vec<Spanned<String>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileContent {
    /// A string or long string, verbatim.
    Text(String),
    /// `file("path/in/repo")`, relative to the stack directory.
    RepoFile(String),
    /// `secret("name")`; the span of the outer `Spanned` is the call, this one the name.
    Secret(Ident),
}

/// `hosts NAME { role = … count = … subnets = [ … ] }`: identical instances (cattle).
#[derive(Debug, Clone, PartialEq)]
pub struct Hosts {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub role: Option<Ref>,
    pub count: Option<Spanned<u64>>,
    pub subnets: Vec<Ref>,
    /// The span of the `subnets` value (so `subnets = []` can be pointed at).
    pub subnets_span: Option<Span>,
    pub protect: Option<Spanned<bool>>,
}

/// `host NAME { role = … subnet = … }`: one named instance (a pet).
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub file: FileId,
    pub name: Ident,
    pub span: Span,
    pub role: Option<Ref>,
    pub subnet: Option<Ref>,
    pub ip: Option<Spanned<IpAddr>>,
    pub protect: Option<Spanned<bool>>,
}
