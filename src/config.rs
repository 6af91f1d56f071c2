//! Lambda configuration from environment variables, parsed and validated once at cold start.
