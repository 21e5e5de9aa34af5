//! `certificate` declarations → an `acm.certificate` (at `certificate.NAME`) and its
//! `acm.validation` (at `certificate.NAME.validation`), which writes each name's
//! validation record into the public zone of the stack that holds that name.

use super::tags;
use crate::dns::compile::zone_address;
use crate::dns::hir::Zone;
use crate::dns::name::{Name, NameUse};
use crate::hir::{Certificate as Decl, CertificateUse, Stack};
use crate::model::certificate::{self, Certificate};
use crate::model::certificate_validation::{self, CertificateValidation};
use crate::model::{Resource, StackInfo, Val};
use std::collections::BTreeMap;

pub fn resources(stack: &Stack, info: &StackInfo) -> Vec<Resource> {
    let mut out = Vec::new();
    for c in &stack.certificates {
        let Some(domain) = c.domain.as_ref().and_then(|d| name_of(&d.value)) else { continue };
        let mut alternative: Vec<String> =
            c.names.iter().filter_map(|n| name_of(&n.value)).map(|n| n.as_str().to_string()).collect();
        alternative.sort();
        alternative.dedup();
        alternative.retain(|n| n != domain.as_str());
        let address = certificate::address(&c.name.text);
        let spec = Certificate {
            domain: domain.as_str().to_string(),
            alternative_names: alternative,
            tags: tags(info, &format!("{}-{}", info.name, c.name.text)),
        };
        let mut zones = BTreeMap::new();
        for n in std::iter::once(domain.as_str().to_string()).chain(spec.alternative_names.iter().cloned()) {
            let Some(z) = name_of(&n).and_then(|name| covering_zone(stack, &name)) else { continue };
            let Some(zname) = &z.name else { continue };
            zones.insert(n, Val::id_of(zone_address(stack, z, zname)));
        }
        out.push(Resource::new(&address, spec));
        let validation = CertificateValidation { certificate: Val::reference(&address, "arn"), zones, records: vec![] };
        out.push(Resource::new(certificate_validation::address(&c.name.text), validation));
    }
    out
}

/// A certificate name as a DNS name: written without the final dot, `*.` allowed first.
pub fn name_of(text: &str) -> Option<Name> {
    let absolute = if text.ends_with('.') { text.to_string() } else { format!("{text}.") };
    Name::parse(&absolute, None, NameUse::Owner).ok()
}

/// The stack's public zone closest above `name` (a wildcard's validation record goes where
/// its base name's would): where ACM's validation record for it is written.
pub fn covering_zone<'s>(stack: &'s Stack, name: &Name) -> Option<&'s Zone> {
    let base = name.as_str().strip_prefix("*.").and_then(name_of).unwrap_or_else(|| name.clone());
    stack
        .zones
        .iter()
        .filter(|z| !z.is_private())
        .filter(|z| z.name.as_ref().is_some_and(|zn| base.is_within(zn)))
        .max_by_key(|z| z.name.as_ref().map_or(0, Name::text_len))
}

/// What a listener's `certificate` attribute holds: the issued ARN of a declared
/// certificate (known once its validation is done), an ARN, or a domain the planner
/// resolves to the newest issued certificate for it.
pub fn listener_value(u: &CertificateUse) -> Val<String> {
    match u {
        CertificateUse::Declared(r) => Val::reference(certificate_validation::address(&r.text), "certificate_arn"),
        CertificateUse::Arn(s) | CertificateUse::Domain(s) => Val::Lit(s.value.clone()),
    }
}

/// The declaration a `certificate.NAME` names.
pub fn declared<'s>(stack: &'s Stack, name: &str) -> Option<&'s Decl> {
    stack.certificates.iter().find(|c| c.name.text == name)
}
