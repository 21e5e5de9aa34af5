//! The monthly cost delta of a plan's instances, from the on-demand price table embedded
//! in the compiler. An estimate for review, labelled as such wherever it is shown: the
//! table is Linux on-demand prices without volumes, traffic or discounts.

use super::{Action, PlannedChange};
use drove_compiler::model::{instance, Instance};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the prices come from, for the label next to the figures.
pub const PRICE_SOURCE: &str = "EC2 on-demand Linux prices as of 2025, drove's embedded table";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostDelta {
    /// The planned instances' monthly cost before the change (730 hours).
    pub monthly_before: f64,
    pub monthly_after: f64,
    /// `monthly_after - monthly_before`: creates add, deletes subtract, a replace with
    /// another type counts the difference.
    pub delta: f64,
    pub currency: String,
    /// Always true: these are list prices, not a bill.
    pub estimate: bool,
    pub source: String,
    /// Instances left out because the table has no price for their type in the region
    /// (`ADDRESS (TYPE)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpriced: Vec<String>,
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The instance type of one side of a change: `None` when that side does not exist,
/// `Some(None)` when the type is not known.
fn instance_type(side: &Value) -> Option<Option<String>> {
    if side.is_null() {
        return None;
    }
    Some(serde_json::from_value::<Instance>(side.clone()).ok().and_then(|i| i.instance_type))
}

/// The cost delta of the plan's instances in `region`, or `None` when it has none.
pub fn estimate(region: &str, changes: &[PlannedChange]) -> Option<CostDelta> {
    let mut any = false;
    let (mut before, mut after) = (0.0, 0.0);
    let mut unpriced = Vec::new();
    for c in changes.iter().filter(|c| c.kind == instance::KIND) {
        any = true;
        let (was, will) = match c.action {
            Action::Create => (None, instance_type(&c.after)),
            Action::Delete => (instance_type(&c.before), None),
            Action::NoOp => (instance_type(&c.before), instance_type(&c.before)),
            Action::Update | Action::Replace => (instance_type(&c.before), instance_type(&c.after)),
        };
        let mut price = |t: Option<Option<String>>| -> f64 {
            let Some(t) = t else { return 0.0 };
            match t.as_deref().and_then(|name| drove_compiler::catalog::monthly_cost(region, name)) {
                Some(p) => p,
                None => {
                    let shown = t.unwrap_or_else(|| "type known after apply".into());
                    let entry = format!("{} ({shown})", c.address);
                    if !unpriced.contains(&entry) {
                        unpriced.push(entry);
                    }
                    0.0
                }
            }
        };
        before += price(was);
        after += price(will);
    }
    any.then(|| CostDelta {
        monthly_before: cents(before),
        monthly_after: cents(after),
        delta: cents(after - before),
        currency: "USD".into(),
        estimate: true,
        source: PRICE_SOURCE.into(),
        unpriced,
    })
}

impl CostDelta {
    /// `+$60.74/month`, `-$30.37/month`, `±$0.00/month`.
    pub fn delta_text(&self) -> String {
        let sign = if self.delta > 0.0 {
            "+"
        } else if self.delta < 0.0 {
            "-"
        } else {
            "±"
        };
        format!("{sign}${:.2}/month", self.delta.abs())
    }

    /// One line for a plan: the delta, the totals, and that it is an estimate.
    pub fn line(&self) -> String {
        let mut s = format!(
            "Estimated cost: {} ({} ${:.2} → ${:.2} a month for the planned instances; {})",
            self.delta_text(),
            self.currency,
            self.monthly_before,
            self.monthly_after,
            self.source
        );
        if !self.unpriced.is_empty() {
            s.push_str(&format!("; no price for {}", self.unpriced.join(", ")));
        }
        s.push('.');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(address: &str, action: Action, before: Option<&str>, after: Option<&str>) -> PlannedChange {
        let side = |t: Option<&str>| {
            t.map(|t| {
                json!({"role": "a", "image": {"id": "ami-1"}, "instance_type": t, "subnet": "subnet-1",
                    "security_groups": [], "private_ip": null, "associate_public_ip": false, "root_volume": null,
                    "imdsv2_required": true, "user_data": null, "tags": {}})
            })
            .unwrap_or(Value::Null)
        };
        PlannedChange {
            address: address.into(),
            kind: instance::KIND.into(),
            action,
            id: None,
            before: side(before),
            after: side(after),
            outputs: Default::default(),
            diffs: vec![],
            notes: vec![],
            depends_on: vec![],
            state_depends_on: vec![],
            protect: false,
            claim: false,
        }
    }

    fn month(t: &str) -> f64 {
        drove_compiler::catalog::monthly_cost("ap-northeast-1", t).expect("priced")
    }

    #[test]
    fn creates_add_deletes_subtract_replaces_count_the_difference() {
        let plan = [
            change("hosts.a[0]", Action::Create, None, Some("t3.medium")),
            change("hosts.b[0]", Action::Delete, Some("t3.small"), None),
            change("hosts.c[0]", Action::Replace, Some("t3.medium"), Some("t3.large")),
            change("hosts.d[0]", Action::NoOp, Some("t3.micro"), None),
        ];
        let c = estimate("ap-northeast-1", &plan).expect("instances are priced");
        let delta = month("t3.medium") - month("t3.small") + month("t3.large") - month("t3.medium");
        assert!((c.delta - delta).abs() < 0.011, "{} vs {delta}", c.delta);
        let before = month("t3.small") + month("t3.medium") + month("t3.micro");
        assert!((c.monthly_before - before).abs() < 0.011);
        assert!((c.monthly_after - c.monthly_before - c.delta).abs() < 0.011);
        assert!(c.estimate && c.unpriced.is_empty() && c.currency == "USD");
        assert!(c.line().starts_with("Estimated cost: +$"), "{}", c.line());
    }

    #[test]
    fn unknown_types_are_listed_not_guessed_and_no_instances_no_cost() {
        let plan = [
            change("hosts.a[0]", Action::Create, None, Some("t9.enormous")),
            change("hosts.b[0]", Action::Delete, Some("t3.small"), None),
        ];
        let c = estimate("ap-northeast-1", &plan).unwrap();
        assert_eq!(c.unpriced, ["hosts.a[0] (t9.enormous)"]);
        assert_eq!(c.delta, cents(-month("t3.small")));
        assert!(c.delta_text().starts_with("-$"));
        assert!(c.line().contains("no price for hosts.a[0] (t9.enormous)"));
        let mut dns = change("record.x/A", Action::Create, None, None);
        dns.kind = drove_compiler::model::record_set::KIND.into();
        assert_eq!(estimate("ap-northeast-1", &[dns]), None);
        assert_eq!(
            estimate("ap-northeast-1", &[change("hosts.a[0]", Action::Update, Some("t3.small"), Some("t3.small"))])
                .unwrap()
                .delta_text(),
            "±$0.00/month"
        );
    }
}
