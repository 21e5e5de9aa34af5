//! AWS commercial regions and their availability zones (`compiler/data/regions.tsv`).

use super::table::{rows, BadRow};
use std::collections::HashMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/regions.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// `ap-northeast-1`
    pub code: String,
    /// `Asia Pacific (Tokyo)`
    pub name: String,
    /// Zone letters in order: `['a', 'c', 'd']`.
    pub zones: Vec<char>,
}

/// Why an availability zone is not valid for a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneError {
    /// A full zone name of another region, e.g. `us-east-1a` in `ap-northeast-1`.
    OtherRegion { region: String },
    /// Not a letter (or full name) this region has.
    Unknown,
}

impl Region {
    /// Full zone names: `ap-northeast-1a`, `ap-northeast-1c`, …
    pub fn zone_names(&self) -> Vec<String> {
        self.zones.iter().map(|z| format!("{}{z}", self.code)).collect()
    }

    /// Validates a zone given as a suffix (`a`) or a full name (`ap-northeast-1a`) and
    /// returns the full name.
    pub fn zone(&self, zone: &str) -> Result<String, ZoneError> {
        let suffix = match zone.strip_prefix(self.code.as_str()) {
            Some(rest) => rest,
            None if zone.len() == 1 => zone,
            None => {
                // A full name of some other region is a clearer mistake to report.
                let other =
                    catalog().regions.iter().find(|r| zone.strip_prefix(r.code.as_str()).is_some_and(|s| s.len() == 1));
                return Err(match other {
                    Some(r) => ZoneError::OtherRegion { region: r.code.clone() },
                    None => ZoneError::Unknown,
                });
            }
        };
        let mut chars = suffix.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if self.zones.contains(&c.to_ascii_lowercase()) => {
                Ok(format!("{}{}", self.code, c.to_ascii_lowercase()))
            }
            _ => Err(ZoneError::Unknown),
        }
    }

    /// The zone letters as strings, for "did you mean" and completion.
    pub fn zone_suffixes(&self) -> Vec<String> {
        self.zones.iter().map(|z| z.to_string()).collect()
    }
}

struct Catalog {
    regions: Vec<Region>,
    by_code: HashMap<String, usize>,
    bad: Vec<BadRow>,
}

fn parse(text: &str) -> Catalog {
    let mut regions = Vec::new();
    let mut by_code = HashMap::new();
    let mut bad = Vec::new();
    for (line, cols) in rows(text) {
        let [code, zones, name] = cols.as_slice() else {
            bad.push(BadRow { line, reason: format!("expected 3 columns, found {}", cols.len()) });
            continue;
        };
        let zones: Option<Vec<char>> = zones
            .split_whitespace()
            .map(|z| {
                let mut c = z.chars();
                match (c.next(), c.next()) {
                    (Some(l), None) if l.is_ascii_lowercase() => Some(l),
                    _ => None,
                }
            })
            .collect();
        match zones {
            Some(zones) if !zones.is_empty() && !code.is_empty() => {
                if by_code.insert(code.to_string(), regions.len()).is_some() {
                    bad.push(BadRow { line, reason: format!("region {code} listed twice") });
                }
                regions.push(Region { code: code.to_string(), name: name.to_string(), zones });
            }
            _ => bad.push(BadRow { line, reason: "zones must be single lower-case letters".into() }),
        }
    }
    Catalog { regions, by_code, bad }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| parse(DATA))
}

/// Looks up a region by code (`ap-northeast-1`).
pub fn region(code: &str) -> Option<&'static Region> {
    let c = catalog();
    c.by_code.get(code).and_then(|&i| c.regions.get(i))
}

/// Every region, in the data file's order.
pub fn all() -> &'static [Region] {
    &catalog().regions
}

/// Region codes closest to a misspelt one, best first.
pub fn suggest(code: &str) -> Vec<&'static str> {
    super::closest(code, all().iter().map(|r| r.code.as_str()), 3)
}

/// Rows of the data file that did not parse (empty when the file is sound).
pub fn bad_rows() -> &'static [BadRow] {
    &catalog().bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_fully() {
        assert_eq!(bad_rows(), &[] as &[BadRow]);
        assert!(all().len() >= 30, "all commercial regions, found {}", all().len());
    }

    #[test]
    fn known_zone_layouts() {
        assert_eq!(region("ap-northeast-1").map(|r| r.zones.clone()), Some(vec!['a', 'c', 'd']));
        assert_eq!(region("us-east-1").map(|r| r.zones.clone()), Some(vec!['a', 'b', 'c', 'd', 'e', 'f']));
        assert_eq!(region("ca-central-1").map(|r| r.zones.clone()), Some(vec!['a', 'b', 'd']));
        assert_eq!(region("ap-northeast-1").map(|r| r.name.as_str()), Some("Asia Pacific (Tokyo)"));
    }

    #[test]
    fn unknown_region_is_none() {
        assert!(region("ap-northeast-9").is_none());
        assert!(region("").is_none());
    }

    #[test]
    fn zone_by_suffix_or_full_name() {
        let tokyo = region("ap-northeast-1").expect("tokyo");
        assert_eq!(tokyo.zone("a"), Ok("ap-northeast-1a".to_string()));
        assert_eq!(tokyo.zone("ap-northeast-1d"), Ok("ap-northeast-1d".to_string()));
        assert_eq!(tokyo.zone("b"), Err(ZoneError::Unknown));
        assert_eq!(tokyo.zone("ap-northeast-1b"), Err(ZoneError::Unknown));
        assert_eq!(tokyo.zone("ap-northeast-1"), Err(ZoneError::Unknown));
        assert_eq!(tokyo.zone("ap-northeast-1cc"), Err(ZoneError::Unknown));
        assert_eq!(tokyo.zone(""), Err(ZoneError::Unknown));
        assert_eq!(tokyo.zone("us-east-1a"), Err(ZoneError::OtherRegion { region: "us-east-1".into() }));
        assert_eq!(tokyo.zone("東"), Err(ZoneError::Unknown));
    }

    #[test]
    fn zone_candidates() {
        let tokyo = region("ap-northeast-1").expect("tokyo");
        assert_eq!(tokyo.zone_suffixes(), vec!["a", "c", "d"]);
        assert_eq!(tokyo.zone_names(), vec!["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]);
    }

    #[test]
    fn region_did_you_mean() {
        assert_eq!(suggest("ap-northeast1").first(), Some(&"ap-northeast-1"));
        assert_eq!(suggest("us-east-l").first(), Some(&"us-east-1"));
        assert!(suggest("zzzz").is_empty());
    }
}
