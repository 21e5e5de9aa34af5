//! HIR → the desired state (`crate::model`). Each area adds its resources here.

pub mod instances;
