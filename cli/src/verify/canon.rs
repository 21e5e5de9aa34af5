//! Record data in one comparable form, whether it comes from the model (presentation text)
//! or from a DNS answer (wire data): hickory-proto parses both into its typed `RData`, so
//! names compare case-insensitively, IPv6 addresses and numbers by value. TXT and SPF
//! compare as the concatenation of their strings (how SPF and DKIM read them, RFC 7208
//! §3.3), so a different split of a long value is not a mismatch. DS, which hickory-proto
//! reads only with its DNSSEC features, compares as its wire bytes.

use hickory_proto::rr::{RData, RecordType};
use hickory_proto::serialize::binary::{BinDecoder, Restrict};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canon {
    Data(RData),
    Text(Vec<u8>),
    Raw(Vec<u8>),
}

/// The record type drove names (`SPF` included, which hickory-proto knows only by number).
pub fn record_type(rtype: &str) -> Option<RecordType> {
    match rtype.to_ascii_uppercase().as_str() {
        "SPF" => Some(RecordType::Unknown(99)),
        t => t.parse::<RecordType>().ok().filter(|t| !matches!(t, RecordType::Unknown(_))),
    }
}

/// A value of the model, as Route53 presentation text.
pub fn from_text(rtype: &str, text: &str) -> Result<Canon, String> {
    let parse =
        |t: RecordType| RData::try_from_str(t, text).map_err(|e| format!("cannot read `{text}` as {rtype}: {e}"));
    match rtype.to_ascii_uppercase().as_str() {
        "TXT" | "SPF" => Ok(Canon::Text(joined(&parse(RecordType::TXT)?))),
        "DS" => ds(text).map(Canon::Raw).ok_or_else(|| format!("cannot read `{text}` as DS")),
        _ => {
            let t = record_type(rtype).ok_or_else(|| format!("unknown record type {rtype}"))?;
            Ok(Canon::Data(parse(t)?))
        }
    }
}

/// A record of an answer, and how to show it.
pub fn from_answer(rtype: &str, data: &RData) -> (Canon, String) {
    match (rtype.to_ascii_uppercase().as_str(), data) {
        ("TXT", RData::TXT(_)) => (Canon::Text(joined(data)), data.to_string()),
        ("SPF", RData::Unknown { rdata, .. }) => {
            let bytes = &rdata.anything;
            let text =
                RData::read(&mut BinDecoder::new(bytes), RecordType::TXT, Restrict::new(bytes.len() as u16)).ok();
            match text {
                Some(t) => (Canon::Text(joined(&t)), t.to_string()),
                None => (Canon::Raw(bytes.clone()), data.to_string()),
            }
        }
        ("DS", RData::Unknown { rdata, .. }) => (Canon::Raw(rdata.anything.clone()), show_ds(&rdata.anything)),
        _ => (Canon::Data(data.clone()), data.to_string()),
    }
}

fn joined(data: &RData) -> Vec<u8> {
    match data {
        RData::TXT(t) => t.txt_data.iter().flat_map(|s| s.iter().copied()).collect(),
        _ => Vec::new(),
    }
}

/// `KEYTAG ALGORITHM DIGESTTYPE DIGEST` (the digest may be split by spaces) → wire bytes.
fn ds(text: &str) -> Option<Vec<u8>> {
    let mut fields = text.split_whitespace();
    let tag: u16 = fields.next()?.parse().ok()?;
    let alg: u8 = fields.next()?.parse().ok()?;
    let digest_type: u8 = fields.next()?.parse().ok()?;
    let hex: String = fields.collect();
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut out = tag.to_be_bytes().to_vec();
    out.extend([alg, digest_type]);
    for i in (0..hex.len()).step_by(2) {
        out.push(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?);
    }
    Some(out)
}

fn show_ds(bytes: &[u8]) -> String {
    match bytes {
        [t0, t1, alg, dt, digest @ ..] => {
            let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
            format!("{} {alg} {dt} {hex}", u16::from_be_bytes([*t0, *t1]))
        }
        _ => format!("({} bytes)", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(rtype: &str, a: &str, b: &str) -> bool {
        from_text(rtype, a).unwrap() == from_text(rtype, b).unwrap()
    }

    #[test]
    fn values_compare_by_meaning() {
        assert!(same("AAAA", "2001:db8::1", "2001:0DB8:0:0::0001"));
        assert!(same("MX", "10 Mail.Example.", "010 mail.example."));
        assert!(same("CNAME", "WWW.example.", "www.example."));
        assert!(same("TXT", "\"v=spf1 \" \"-all\"", "\"v=spf1 -all\""));
        assert!(same(
            "DS",
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
            "60485 5 1 2bb183af5f22588179a53b0a 98631fad1a292118"
        ));
        assert!(!same("MX", "10 mail.example.", "20 mail.example."));
        assert!(!same("TXT", "\"a\"", "\"b\""));
    }

    #[test]
    fn bad_model_values_are_errors_not_panics() {
        assert!(from_text("A", "not-an-address").is_err());
        assert!(from_text("DS", "1 2").is_err());
        assert!(from_text("DS", "1 2 3 ABC").is_err());
        assert!(from_text("BOGUS", "x").is_err());
    }

    #[test]
    fn answers_of_types_hickory_reads_only_as_bytes() {
        let spf = RData::Unknown {
            code: RecordType::Unknown(99),
            rdata: hickory_proto::rr::rdata::NULL::with(b"\x06v=spf1\x05 -all".to_vec()),
        };
        assert_eq!(from_answer("SPF", &spf).0, from_text("SPF", "\"v=spf1 -all\"").unwrap());
        let raw = ds("1 8 2 ABCD").unwrap();
        let answer = RData::Unknown { code: RecordType::DS, rdata: hickory_proto::rr::rdata::NULL::with(raw) };
        let (canon, shown) = from_answer("DS", &answer);
        assert_eq!(canon, from_text("DS", "1 8 2 abcd").unwrap());
        assert_eq!(shown, "1 8 2 ABCD");
    }
}
