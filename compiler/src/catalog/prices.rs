//! On-demand Linux prices per hour in USD (`compiler/data/prices.tsv`). These are
//! estimates for a plan's monthly cost delta, not billing figures.

use super::table::{rows, BadRow};
use std::collections::HashMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/prices.tsv");

/// The hours AWS uses for a month in its own estimates (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

struct Catalog {
    regions: Vec<String>,
    /// (region index, type) → USD per hour
    prices: HashMap<(usize, String), f64>,
    types: Vec<String>,
    bad: Vec<BadRow>,
}

fn parse(text: &str) -> Catalog {
    let mut regions: Vec<String> = Vec::new();
    let mut prices = HashMap::new();
    let mut types = Vec::new();
    let mut bad = Vec::new();
    for (line, cols) in rows(text) {
        let Some((first, rest)) = cols.split_first() else { continue };
        if regions.is_empty() {
            if *first == "type" && !rest.is_empty() {
                regions = rest.iter().map(|r| r.to_string()).collect();
            } else {
                bad.push(BadRow { line, reason: "the first row must be `type` and the region codes".into() });
            }
            continue;
        }
        if rest.len() != regions.len() {
            bad.push(BadRow { line, reason: format!("expected {} prices, found {}", regions.len(), rest.len()) });
            continue;
        }
        types.push(first.to_string());
        for (i, cell) in rest.iter().enumerate() {
            if *cell == "-" {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(p) if p.is_finite() && p > 0.0 => {
                    prices.insert((i, first.to_string()), p);
                }
                _ => bad.push(BadRow { line, reason: format!("bad price {cell:?}") }),
            }
        }
    }
    Catalog { regions, prices, types, bad }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| parse(DATA))
}

/// Estimated on-demand Linux price in USD per hour, if the catalog has one.
pub fn hourly_price(region: &str, instance_type: &str) -> Option<f64> {
    let c = catalog();
    let r = c.regions.iter().position(|x| x == region)?;
    c.prices.get(&(r, instance_type.to_string())).copied()
}

/// Estimated on-demand Linux cost in USD of one instance running a whole month (730 h).
pub fn monthly_cost(region: &str, instance_type: &str) -> Option<f64> {
    hourly_price(region, instance_type).map(|p| p * HOURS_PER_MONTH)
}

/// Instance types that have a price in at least one region.
pub fn priced_types() -> &'static [String] {
    &catalog().types
}

/// Regions that have prices.
pub fn regions() -> &'static [String] {
    &catalog().regions
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
    }

    #[test]
    fn required_regions_priced() {
        for r in ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-1"] {
            assert!(regions().iter().any(|x| x == r), "{r} missing");
            assert!(super::super::region(r).is_some(), "{r} not in the region catalog");
        }
    }

    #[test]
    fn every_priced_type_is_in_the_type_catalog_and_vice_versa() {
        for t in priced_types() {
            assert!(super::super::instance_type(t).is_some(), "{t} priced but not a known type");
        }
        for t in super::super::instance_types::all() {
            assert!(hourly_price("us-east-1", &t.name).is_some(), "{} has no us-east-1 price", t.name);
        }
    }

    #[test]
    fn known_prices() {
        assert_eq!(hourly_price("us-east-1", "t3.micro"), Some(0.0104));
        assert_eq!(hourly_price("us-east-1", "m5.large"), Some(0.096));
        let m = monthly_cost("ap-northeast-1", "t3.medium").expect("priced");
        assert!((m - 0.0544 * 730.0).abs() < 1e-9, "{m}");
    }

    #[test]
    fn bigger_costs_more() {
        let small = monthly_cost("eu-west-1", "c6i.large").expect("priced");
        let big = monthly_cost("eu-west-1", "c6i.4xlarge").expect("priced");
        assert!(big > small);
    }

    #[test]
    fn unknown_region_or_type_has_no_cost() {
        assert_eq!(monthly_cost("sa-east-1", "t3.micro"), None);
        assert_eq!(monthly_cost("us-east-1", "t3.mediun"), None);
        assert_eq!(monthly_cost("", ""), None);
    }

    #[test]
    fn missing_cells_and_bad_rows() {
        let c = parse("type\tr1\tr2\nx.a\t1\t-\nx.b\t1\nx.c\tnope\t2\n");
        assert_eq!(c.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(c.prices.get(&(0, "x.a".to_string())), Some(&1.0));
        assert_eq!(c.prices.get(&(1, "x.a".to_string())), None);
    }
}
