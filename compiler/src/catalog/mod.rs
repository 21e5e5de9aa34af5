//! Embedded AWS catalogs: regions and their availability zones, EC2 instance types, and
//! on-demand prices. The data lives in `compiler/data/*.tsv` (each file notes its source
//! and date) and is parsed once, on first use, so the language server starts fast and
//! every later lookup is a hash-map probe.

pub mod instance_types;
pub mod prices;
pub mod regions;

mod table;

pub use instance_types::{instance_type, Arch, InstanceType};
pub use prices::{hourly_price, monthly_cost, HOURS_PER_MONTH};
pub use regions::{region, Region, ZoneError};

/// Up to `limit` candidates closest to `name`, best first, for "did you mean" lists and
/// completion. Ranked by edit distance (a typo is one or two edits away), ties by
/// Jaro-Winkler similarity and then by name so the order is deterministic; names more than
/// a few edits away are not suggested.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<&'a str> {
    let needle = name.to_ascii_lowercase();
    let max_distance = (needle.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, f64, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_ascii_lowercase();
            let d = strsim::damerau_levenshtein(&needle, &lower);
            (d <= max_distance).then(|| (d, strsim::jaro_winkler(&needle, &lower), c))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then_with(|| a.2.cmp(b.2)));
    scored.into_iter().take(limit).map(|(_, _, c)| c).collect()
}
