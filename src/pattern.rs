//! The EventBridge event-pattern language: parse, validate (with EventBridge's reason texts), compile, match.
