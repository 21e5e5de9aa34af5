//! Wire-format record data (RFC 3597 generic data for a known type) → the terms of its
//! presentation format, so it is checked by the same parser as text data.

use super::data::{string_term, word_term};
use crate::dns::rtype::RType;
use crate::syntax::cst::Term;
use std::net::{Ipv4Addr, Ipv6Addr};

struct Reader<'a> {
    rtype: RType,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn short(&self, what: &str) -> String {
        format!("generic {} data ends inside its {what}", self.rtype)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let out = self.bytes.get(self.pos..self.pos + n).ok_or_else(|| self.short(what))?;
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn rest(&mut self) -> &'a [u8] {
        let out = self.bytes.get(self.pos..).unwrap_or(&[]);
        self.pos = self.bytes.len();
        out
    }

    /// An uncompressed name (RFC 3597 §4 forbids compression in generic data).
    fn name(&mut self, what: &str) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let len = self.u8(what)? as usize;
            if len == 0 {
                break;
            }
            if len > 63 {
                return Err(format!("generic {} data: the {what} has a compressed or oversized label", self.rtype));
            }
            let label = self.take(len, what)?;
            match std::str::from_utf8(label) {
                Ok(l) if !l.contains(['.', '\\', ' ', '"']) => out.push_str(l),
                _ => {
                    return Err(format!(
                        "generic {} data: a label of the {what} holds characters drove names do not",
                        self.rtype
                    ))
                }
            }
            out.push('.');
        }
        Ok(if out.is_empty() { ".".into() } else { out })
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        let len = self.u8(what)? as usize;
        let b = self.take(len, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| format!("generic {} data: the {what} is not UTF-8", self.rtype))
    }

    fn hex_rest(&mut self) -> String {
        self.rest().iter().map(|b| format!("{b:02X}")).collect()
    }
}

pub fn terms(rtype: RType, bytes: &[u8]) -> Result<Vec<Term>, String> {
    let mut r = Reader { rtype, bytes, pos: 0 };
    let mut out = Vec::new();
    match rtype {
        RType::A => {
            let b = r.take(4, "address")?;
            out.push(word_term(&Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()));
        }
        RType::Aaaa => {
            let mut a = [0u8; 16];
            a.copy_from_slice(r.take(16, "address")?);
            out.push(word_term(&Ipv6Addr::from(a).to_string()));
        }
        RType::Cname | RType::Ns | RType::Ptr => out.push(word_term(&r.name("name")?)),
        RType::Mx => {
            out.push(word_term(&r.u16("preference")?.to_string()));
            out.push(word_term(&r.name("exchange")?));
        }
        RType::Txt | RType::Spf => {
            while r.pos < bytes.len() {
                out.push(string_term(r.string("string")?));
            }
        }
        RType::Srv => {
            for what in ["priority", "weight", "port"] {
                out.push(word_term(&r.u16(what)?.to_string()));
            }
            out.push(word_term(&r.name("target")?));
        }
        RType::Naptr => {
            out.push(word_term(&r.u16("order")?.to_string()));
            out.push(word_term(&r.u16("preference")?.to_string()));
            for what in ["flags", "service", "regexp"] {
                out.push(string_term(r.string(what)?));
            }
            out.push(word_term(&r.name("replacement")?));
        }
        RType::Ds => {
            out.push(word_term(&r.u16("key tag")?.to_string()));
            out.push(word_term(&r.u8("algorithm")?.to_string()));
            out.push(word_term(&r.u8("digest type")?.to_string()));
            out.push(word_term(&r.hex_rest()));
        }
        RType::Sshfp => {
            out.push(word_term(&r.u8("algorithm")?.to_string()));
            out.push(word_term(&r.u8("fingerprint type")?.to_string()));
            out.push(word_term(&r.hex_rest()));
        }
        RType::Tlsa => {
            for what in ["usage", "selector", "matching type"] {
                out.push(word_term(&r.u8(what)?.to_string()));
            }
            out.push(word_term(&r.hex_rest()));
        }
        RType::Caa => {
            out.push(word_term(&r.u8("flags")?.to_string()));
            let tag = r.string("tag")?;
            out.push(word_term(&tag));
            let value = String::from_utf8(r.rest().to_vec())
                .map_err(|_| "generic CAA data: the value is not UTF-8".to_string())?;
            out.push(string_term(value));
        }
        RType::Https | RType::Svcb => {
            out.push(word_term(&r.u16("priority")?.to_string()));
            out.push(word_term(&r.name("target")?));
            // Decoded by the DNS layer, which also reads the presentation format, so the
            // two agree on every key and escape.
            let params =
                crate::dns::svcb::wire_presentation(r.rest()).map_err(|m| format!("generic {rtype} data: {m}"))?;
            if let Some(p) = params {
                out.push(string_term(p));
            }
        }
    }
    if r.pos != bytes.len() {
        return Err(format!("generic {rtype} data has {} bytes left over", bytes.len() - r.pos));
    }
    Ok(out)
}
