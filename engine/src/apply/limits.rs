//! Route53's limits on one change batch, and packing a zone's record changes into batches
//! within them.

use crate::provider::{self, Change, Operation};
use drove_compiler::model::RecordSet;

/// Route53 takes at most 1,000 ResourceRecord elements per batch, an UPSERT's counted
/// twice; a change with none (an alias) still takes a place, so it counts as one.
pub const MAX_BATCH_CHANGES: usize = 1000;
/// Route53 limits a batch to 32,000 characters of record values, an UPSERT's counted twice.
pub const MAX_BATCH_VALUE_CHARS: usize = 32_000;

/// The record set a change sends: its `before` for a delete, else its `after`.
fn sent(c: &Change) -> Option<RecordSet> {
    provider::record_set(if c.operation == Operation::Delete { &c.before } else { &c.after })
}

/// What a change costs against the batch limits: (ResourceRecord elements, characters of
/// values), as Route53 counts them.
fn cost_of(set: Option<&RecordSet>, operation: Operation) -> (usize, usize) {
    let values: Vec<&str> = set.iter().flat_map(|s| s.values.iter().flatten()).filter_map(|v| v.text()).collect();
    let factor = if operation == Operation::Update { 2 } else { 1 };
    let records = values.len().max(1) * factor;
    let chars = values.iter().map(|v| v.chars().count()).sum::<usize>() * factor;
    (records, chars)
}

/// What packing needs of a change: the name it changes and its cost against the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Measure {
    pub(super) name: String,
    pub(super) cost: (usize, usize),
}

pub(super) fn measure(c: &Change) -> Measure {
    let set = sent(c);
    Measure { cost: cost_of(set.as_ref(), c.operation), name: set.map(|s| s.name).unwrap_or_default() }
}

/// Packs record changes of one zone into batches within Route53's limits, keeping all
/// changes of one name in the same batch (in the order they came). `measure_of` gives
/// each item's measure (kept by the caller, so a queue packed again is not parsed again).
pub(super) fn pack<T>(group: Vec<T>, measure_of: impl Fn(&T) -> Measure) -> Vec<Vec<T>> {
    let mut measured: Vec<(Measure, T)> = group.into_iter().map(|t| (measure_of(&t), t)).collect();
    measured.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let mut batches: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let (mut records, mut chars) = (0, 0);
    let mut rest = measured.into_iter().peekable();
    while let Some((first, t)) = rest.next() {
        let (mut run_records, mut run_chars) = first.cost;
        let mut run = vec![t];
        while let Some((m, t)) = rest.next_if(|(m, _)| m.name == first.name) {
            run_records += m.cost.0;
            run_chars += m.cost.1;
            run.push(t);
        }
        if !current.is_empty()
            && (records + run_records > MAX_BATCH_CHANGES || chars + run_chars > MAX_BATCH_VALUE_CHARS)
        {
            batches.push(std::mem::take(&mut current));
            (records, chars) = (0, 0);
        }
        records += run_records;
        chars += run_chars;
        current.extend(run);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use drove_compiler::model::record_set;
    use serde_json::{json, Value};

    fn change(name: &str, op: Operation, values: &[&str]) -> Change {
        let body = json!({"zone": "Z1", "name": name, "type": "MX", "ttl": 300, "values": values});
        let (before, after) = if op == Operation::Delete { (body, Value::Null) } else { (Value::Null, body) };
        Change {
            address: name.into(),
            kind: record_set::KIND.into(),
            operation: op,
            id: None,
            before,
            after,
            token: String::new(),
            lineage: String::new(),
            claim: false,
        }
    }

    fn sizes(batches: &[Vec<Change>]) -> Vec<usize> {
        batches.iter().map(Vec::len).collect()
    }

    #[test]
    fn batches_count_resource_records_and_upserts_twice() {
        // 600 creates of two values each are 1,200 ResourceRecord elements: two batches.
        let creates: Vec<_> =
            (0..600).map(|i| change(&format!("h{i}."), Operation::Create, &["10 a.", "20 b."])).collect();
        assert_eq!(sizes(&pack(creates, measure)), vec![500, 100]);
        // 600 upserts of one value count 1,200 too.
        let upserts: Vec<_> = (0..600).map(|i| change(&format!("h{i}."), Operation::Update, &["10 a."])).collect();
        assert_eq!(sizes(&pack(upserts, measure)), vec![500, 100]);
    }

    #[test]
    fn batches_stay_under_the_value_characters() {
        let long = "x".repeat(250);
        let creates: Vec<_> =
            (0..200).map(|i| change(&format!("h{i}."), Operation::Create, &[long.as_str()])).collect();
        let batches = pack(creates, measure);
        assert!(batches.iter().all(|b| b.iter().map(|c| measure(c).cost.1).sum::<usize>() <= MAX_BATCH_VALUE_CHARS));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 200);
        assert_eq!(batches.len(), 2);
    }

    #[test]
    fn changes_of_one_name_stay_together_in_their_order() {
        // 999 single-value creates, then a delete and a create at one name: the pair does
        // not fit after the 999 and moves to the next batch whole, delete first.
        let mut group: Vec<_> = (0..999).map(|i| change(&format!("a{i:03}."), Operation::Create, &["1 a."])).collect();
        group.push(change("b.", Operation::Delete, &["1 old."]));
        group.push(change("b.", Operation::Create, &["1 new."]));
        let batches = pack(group, measure);
        assert_eq!(sizes(&batches), vec![999, 2]);
        let ops: Vec<Operation> = batches[1].iter().map(|c| c.operation).collect();
        assert_eq!(ops, vec![Operation::Delete, Operation::Create]);
    }
}
