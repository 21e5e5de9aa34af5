//! Record types: the ones Route53 serves, and the ones it does not (so a zone-file type
//! like `LOC` gets "not supported by Route53" rather than "unknown").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RType {
    A,
    Aaaa,
    Caa,
    Cname,
    Ds,
    Https,
    Mx,
    Naptr,
    Ns,
    Ptr,
    Spf,
    Srv,
    Sshfp,
    Svcb,
    Tlsa,
    Txt,
}

impl RType {
    pub const ALL: [RType; 16] = [
        RType::A,
        RType::Aaaa,
        RType::Caa,
        RType::Cname,
        RType::Ds,
        RType::Https,
        RType::Mx,
        RType::Naptr,
        RType::Ns,
        RType::Ptr,
        RType::Spf,
        RType::Srv,
        RType::Sshfp,
        RType::Svcb,
        RType::Tlsa,
        RType::Txt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RType::A => "A",
            RType::Aaaa => "AAAA",
            RType::Caa => "CAA",
            RType::Cname => "CNAME",
            RType::Ds => "DS",
            RType::Https => "HTTPS",
            RType::Mx => "MX",
            RType::Naptr => "NAPTR",
            RType::Ns => "NS",
            RType::Ptr => "PTR",
            RType::Spf => "SPF",
            RType::Srv => "SRV",
            RType::Sshfp => "SSHFP",
            RType::Svcb => "SVCB",
            RType::Tlsa => "TLSA",
            RType::Txt => "TXT",
        }
    }

    /// Type names are case-insensitive, as in a zone file.
    pub fn parse(text: &str) -> Option<RType> {
        RType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(text))
    }

    /// Types Route53 documents for an alias to another record of the zone.
    pub fn alias_allowed(self) -> bool {
        matches!(
            self,
            RType::A
                | RType::Aaaa
                | RType::Caa
                | RType::Cname
                | RType::Ds
                | RType::Mx
                | RType::Naptr
                | RType::Ptr
                | RType::Spf
                | RType::Srv
                | RType::Txt
        )
    }

    /// Multivalue answers pick among several healthy values; an NS or CNAME set (one name
    /// only) has nothing to pick from, so Route53 refuses them.
    pub fn multivalue_allowed(self) -> bool {
        !matches!(self, RType::Ns | RType::Cname)
    }
}

impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Types a zone file may hold that Route53 does not serve.
const NOT_IN_ROUTE53: &[&str] = &[
    "SOA",
    "LOC",
    "HINFO",
    "RP",
    "AFSDB",
    "CERT",
    "DNAME",
    "DNSKEY",
    "RRSIG",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "KEY",
    "SIG",
    "KX",
    "APL",
    "IPSECKEY",
    "DHCID",
    "HIP",
    "OPENPGPKEY",
    "CDS",
    "CDNSKEY",
    "CSYNC",
    "ZONEMD",
    "URI",
    "SMIMEA",
    "EUI48",
    "EUI64",
    "MINFO",
    "MB",
    "MG",
    "MR",
    "WKS",
    "X25",
    "ISDN",
    "RT",
    "NSAP",
    "PX",
    "GPOS",
    "A6",
    "NULL",
    "TKEY",
    "TSIG",
    "ANY",
    "AXFR",
    "IXFR",
];

pub fn is_known_unsupported(text: &str) -> bool {
    NOT_IN_ROUTE53.iter().any(|t| t.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_case_insensitive_and_total() {
        for t in RType::ALL {
            assert_eq!(RType::parse(t.as_str()), Some(t));
            assert_eq!(RType::parse(&t.as_str().to_lowercase()), Some(t));
        }
        assert_eq!(RType::parse("CNAM"), None);
        assert!(is_known_unsupported("loc") && !is_known_unsupported("TXT"));
    }

    #[test]
    fn alias_and_multivalue_rules() {
        assert!(RType::A.alias_allowed() && !RType::Ns.alias_allowed() && !RType::Sshfp.alias_allowed());
        assert!(RType::Txt.multivalue_allowed() && !RType::Cname.multivalue_allowed());
    }
}
