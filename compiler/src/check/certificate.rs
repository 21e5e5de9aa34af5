//! Certificates: names ACM accepts, each in a zone of the stack where drove can write its
//! validation record, and a balancer's certificate that ACM and ELB will take.

use crate::compile::certificates::{covering_zone, name_of};
use crate::diag::{Diagnostic, Sink};
use crate::hir::{CertificateUse, Spanned, Stack};
use crate::source::FileId;

/// A name ACM refuses: not a DNS name, a wildcard that is not the leftmost label, a
/// subject over 64 characters.
pub const E_NAME: &str = "E0236";
/// A name no public zone of the stack holds, so drove cannot validate it.
pub const E_NO_ZONE: &str = "E0237";
/// A balancer's certificate ARN that is not an ACM certificate of the stack's region.
pub const E_ARN: &str = "E0238";

/// ACM's limit on a certificate's first name (it becomes the subject's common name).
const MAX_SUBJECT: usize = 64;

pub fn check(stack: &Stack, sink: &mut Sink) {
    for c in &stack.certificates {
        let mut valid = Vec::new();
        if let Some(d) = &c.domain {
            if valid_name(c.file, d, sink) {
                valid.push(d);
            }
            if valid.len() == 1 && d.value.trim_end_matches('.').len() > MAX_SUBJECT {
                sink.push(
                    Diagnostic::new(
                        E_NAME,
                        c.file,
                        d.span.clone(),
                        format!("a certificate's domain is at most {MAX_SUBJECT} characters"),
                    )
                    .with_label(format!("{} characters", d.value.trim_end_matches('.').len()))
                    .with_help("put a shorter name first and this one in `names`"),
                );
            }
        }
        for n in &c.names {
            if valid_name(c.file, n, sink) {
                valid.push(n);
            }
        }
        for n in valid {
            let Some(name) = name_of(&n.value) else { continue };
            if covering_zone(stack, &name).is_none() {
                sink.push(
                    Diagnostic::new(
                        E_NO_ZONE,
                        c.file,
                        n.span.clone(),
                        format!("no public zone of this stack holds `{}`", n.value),
                    )
                    .with_label("drove cannot write this name's validation record")
                    .with_help(
                        "declare the zone in this stack, or give the balancer a certificate issued elsewhere by its domain or ARN",
                    ),
                );
            }
        }
    }
    let region = stack.info().and_then(|i| i.region.as_ref()).map(|r| r.value.as_str());
    for b in &stack.balancers {
        match &b.certificate {
            Some(CertificateUse::Domain(d)) => {
                valid_name(b.file, d, sink);
            }
            Some(CertificateUse::Arn(a)) => check_arn(b.file, a, region, sink),
            _ => {}
        }
    }
}

/// Reports a name ACM refuses; whether it was valid.
fn valid_name(file: FileId, n: &Spanned<String>, sink: &mut Sink) -> bool {
    let text = n.value.trim_end_matches('.');
    let problem = if text.is_empty() {
        Some("an empty name".to_string())
    } else if text.strip_prefix("*.").unwrap_or(text).contains('*') {
        Some("a wildcard may only be the leftmost label, `*.example.com`".to_string())
    } else if !text.contains('.') {
        Some("a certificate names a domain with at least two labels".to_string())
    } else if name_of(text).is_none() {
        Some("not a valid DNS name".to_string())
    } else {
        None
    };
    let Some(problem) = problem else { return true };
    sink.push(
        Diagnostic::new(E_NAME, file, n.span.clone(), format!("`{}` is not a name ACM can certify", n.value))
            .with_label(problem),
    );
    false
}

/// `arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID`, in the stack's region: a balancer
/// takes certificates of its own region only.
fn check_arn(file: FileId, a: &Spanned<String>, region: Option<&str>, sink: &mut Sink) {
    let parts: Vec<&str> = a.value.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[1].starts_with("aws")
        && parts[2] == "acm"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].strip_prefix("certificate/").is_some_and(|id| !id.is_empty());
    if !well_formed {
        sink.push(
            Diagnostic::new(E_ARN, file, a.span.clone(), "not the ARN of an ACM certificate")
                .with_label("expected `arn:aws:acm:REGION:ACCOUNT:certificate/ID`")
                .with_help("or name the certificate by its domain, `certificate = \"example.com\"`"),
        );
        return;
    }
    if let Some(region) = region.filter(|r| *r != parts[3]) {
        sink.push(
            Diagnostic::new(
                E_ARN,
                file,
                a.span.clone(),
                format!("this certificate is in {}, the stack in {region}", parts[3]),
            )
            .with_label("a load balancer takes certificates of its own region only")
            .with_help(format!("request or import the certificate in {region}")),
        );
    }
}
