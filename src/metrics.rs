//! CloudWatch Embedded Metric Format lines.
