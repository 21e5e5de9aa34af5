//! Zone files from compiled record sets.
