//! The value tests behind the operators, one file per family: numbers
//! (`numeric`, number equality), IP addresses and CIDR ranges, case-insensitive
//! comparison, and wildcards. Exact, prefix, suffix, `exists` and
//! `anything-but` need no more than string and key tests and live with the
//! pattern evaluator.

mod case_fold;
mod ip;
mod numeric;
pub(crate) mod wildcard;

pub(crate) use case_fold::{eq_ic, prefix_ic, suffix_ic};
pub(crate) use ip::{Cidr, Ip, ip_text, parse_ip};
pub(crate) use numeric::{NumKey, OUT_OF_RANGE, comparable, pattern_number};
pub(crate) use wildcard::Wildcard;
