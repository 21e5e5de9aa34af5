//! drove source from a read zone file.
