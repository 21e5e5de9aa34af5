//! EC2 instance types with their vCPUs, memory and architecture
//! (`compiler/data/instance_types.tsv`).

use super::table::{rows, BadRow};
use std::collections::HashMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/instance_types.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// As AMIs and EC2 name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    /// `t3.medium`
    pub name: String,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub arch: Arch,
}

impl InstanceType {
    /// The family, the part before the dot: `t3` of `t3.medium`.
    pub fn family(&self) -> &str {
        self.name.split_once('.').map_or(self.name.as_str(), |(f, _)| f)
    }

    /// One line for hover and completion details: `2 vCPU, 4 GiB, x86_64`.
    pub fn summary(&self) -> String {
        format!("{} vCPU, {} GiB, {}", self.vcpus, self.memory_gib, self.arch.as_str())
    }
}

struct Catalog {
    types: Vec<InstanceType>,
    by_name: HashMap<String, usize>,
    bad: Vec<BadRow>,
}

fn parse(text: &str) -> Catalog {
    let mut types = Vec::new();
    let mut by_name = HashMap::new();
    let mut bad = Vec::new();
    for (line, cols) in rows(text) {
        let [name, vcpus, memory, arch] = cols.as_slice() else {
            bad.push(BadRow { line, reason: format!("expected 4 columns, found {}", cols.len()) });
            continue;
        };
        let arch = match *arch {
            "x86_64" => Arch::X86_64,
            "arm64" => Arch::Arm64,
            other => {
                bad.push(BadRow { line, reason: format!("unknown architecture {other:?}") });
                continue;
            }
        };
        let (Ok(vcpus), Ok(memory_gib)) = (vcpus.parse::<u32>(), memory.parse::<f64>()) else {
            bad.push(BadRow { line, reason: "vCPUs must be an integer and memory a number".into() });
            continue;
        };
        if !name.contains('.') || vcpus == 0 || !memory_gib.is_finite() || memory_gib <= 0.0 {
            bad.push(BadRow { line, reason: format!("implausible row for {name:?}") });
            continue;
        }
        if by_name.insert(name.to_string(), types.len()).is_some() {
            bad.push(BadRow { line, reason: format!("{name} listed twice") });
        }
        types.push(InstanceType { name: name.to_string(), vcpus, memory_gib, arch });
    }
    Catalog { types, by_name, bad }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| parse(DATA))
}

/// Looks up an instance type by its exact name (`t3.medium`).
pub fn instance_type(name: &str) -> Option<&'static InstanceType> {
    let c = catalog();
    c.by_name.get(name).and_then(|&i| c.types.get(i))
}

/// Every instance type, grouped by family in the data file's order.
pub fn all() -> &'static [InstanceType] {
    &catalog().types
}

/// Instance type names closest to a misspelt one, best first (`t3.mediun` → `t3.medium`).
pub fn suggest(name: &str) -> Vec<&'static str> {
    super::closest(name, all().iter().map(|t| t.name.as_str()), 3)
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
        assert!(all().len() > 300, "found {}", all().len());
    }

    #[test]
    fn required_families_present() {
        for family in [
            "t2", "t3", "t3a", "t4g", "m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7g", "c5", "c6i", "c6g", "c7i", "c7g",
            "r5", "r6i", "r6g", "r7i", "r7g", "x2gd", "x2idn", "x2iedn", "i3", "i4i", "z1d", "g4dn", "g5", "p3",
            "inf2",
        ] {
            assert!(all().iter().any(|t| t.family() == family), "family {family} missing");
        }
    }

    #[test]
    fn lookups_carry_specs() {
        let t = instance_type("t3.medium").expect("t3.medium");
        assert_eq!((t.vcpus, t.memory_gib, t.arch), (2, 4.0, Arch::X86_64));
        let r = instance_type("r6g.large").expect("r6g.large");
        assert_eq!((r.vcpus, r.memory_gib, r.arch), (2, 16.0, Arch::Arm64));
        let i = instance_type("i3.large").expect("i3.large");
        assert_eq!(i.memory_gib, 15.25);
        assert_eq!(instance_type("m7i.metal-48xl").map(|t| t.vcpus), Some(192));
        assert_eq!(t.summary(), "2 vCPU, 4 GiB, x86_64");
        assert_eq!(t.family(), "t3");
    }

    #[test]
    fn unknown_types_are_none() {
        assert!(instance_type("t3.mediun").is_none());
        assert!(instance_type("T3.MEDIUM").is_none());
        assert!(instance_type("").is_none());
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(suggest("t3.mediun").first(), Some(&"t3.medium"));
        assert_eq!(suggest("m5.larg").first(), Some(&"m5.large"));
        assert_eq!(suggest("T3.Micro").first(), Some(&"t3.micro"));
        assert_eq!(suggest("r6g.lrage").first(), Some(&"r6g.large"));
        assert!(suggest("definitely-not-a-type").is_empty());
        assert!(suggest("t3.mediun").len() <= 3);
    }

    #[test]
    fn malformed_rows_are_reported_not_fatal() {
        let c = parse("# c\nt9.x\t2\t4\tx86_64\nbad row\nt9.y\tx\t4\tarm64\nt9.z\t2\t4\tsparc\nt9.x\t2\t4\tarm64\n");
        assert_eq!(c.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        assert_eq!(c.types.first().map(|t| t.name.as_str()), Some("t9.x"));
    }
}
