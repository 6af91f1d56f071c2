//! Ties the pure steps together: raw event → view → matching rules → alerts.
