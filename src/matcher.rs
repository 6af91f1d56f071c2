//! The compiled rule set: which rules fire for an event view, honouring `exclude` and `scope`; indexed so that cost grows slowly with the number of rules.
