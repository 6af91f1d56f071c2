//! The SNS publisher.
