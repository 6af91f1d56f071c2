//! Rule files (YAML or JSON), settings (account names, scopes, overrides) and the built-in pack.
