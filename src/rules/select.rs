//! Which built-in rules are on: `BUILTIN_RULES` (the function) and
//! `--builtin` (the CLI) take `default`, `all`, `none`, or a comma-separated
//! list of rule ids and tags (`default,credential-access`,
//! `default,ssm-send-command`).

use std::fmt;
use std::str::FromStr;

use super::{Rule, is_builtin_file};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BuiltinSelection {
    /// No built-in rule is loaded.
    None,
    /// The rules enabled by default; opt-in ones (`enabled: false`) stay off.
    #[default]
    Default,
    /// Every built-in rule, opt-in ones included.
    All,
    /// Exactly the rules named by id or tag, plus the default set when the
    /// list holds `default` (every rule when it holds `all`).
    Items(Vec<String>),
}

impl From<bool> for BuiltinSelection {
    fn from(on: bool) -> BuiltinSelection {
        if on {
            BuiltinSelection::Default
        } else {
            BuiltinSelection::None
        }
    }
}

/// A selection that is not a keyword or a list of names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "built-in rule selection {0:?}: expected `default`, `all`, `none`, or a comma-separated list of rule ids and tags"
)]
pub struct SelectionError(pub String);

impl FromStr for BuiltinSelection {
    type Err = SelectionError;

    fn from_str(text: &str) -> Result<BuiltinSelection, SelectionError> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "default" | "true" => return Ok(BuiltinSelection::Default),
            "all" => return Ok(BuiltinSelection::All),
            "none" | "false" => return Ok(BuiltinSelection::None),
            _ => {}
        }
        let items: Vec<String> = lower.split(',').map(|s| s.trim().to_string()).collect();
        let well_formed = |s: &String| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        };
        if items.iter().all(well_formed) {
            Ok(BuiltinSelection::Items(items))
        } else {
            Err(SelectionError(text.to_string()))
        }
    }
}

impl fmt::Display for BuiltinSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuiltinSelection::None => f.write_str("none"),
            BuiltinSelection::Default => f.write_str("default"),
            BuiltinSelection::All => f.write_str("all"),
            BuiltinSelection::Items(items) => f.write_str(&items.join(",")),
        }
    }
}

impl BuiltinSelection {
    /// Does the selection load the built-in pack at all?
    pub fn loads_builtin(&self) -> bool {
        *self != BuiltinSelection::None
    }

    /// Turn the built-in rules of `rules` on or off as selected, before any
    /// override (an override's `enabled:` still wins). Returns the names that
    /// are neither a keyword, a built-in rule id nor a built-in tag.
    pub(crate) fn apply(&self, rules: &mut [Rule]) -> Vec<String> {
        let builtin = |r: &&mut Rule| is_builtin_file(&r.origin.file);
        match self {
            BuiltinSelection::None | BuiltinSelection::Default => Vec::new(),
            BuiltinSelection::All => {
                rules
                    .iter_mut()
                    .filter(builtin)
                    .for_each(|r| r.enabled = true);
                Vec::new()
            }
            BuiltinSelection::Items(items) => {
                let named = |r: &Rule, item: &str| r.id == item || r.tags.iter().any(|t| t == item);
                let unknown = items
                    .iter()
                    .filter(|item| {
                        !matches!(item.as_str(), "default" | "all")
                            && !rules
                                .iter()
                                .any(|r| is_builtin_file(&r.origin.file) && named(r, item))
                    })
                    .cloned()
                    .collect();
                let all = items.iter().any(|i| i == "all");
                let default = items.iter().any(|i| i == "default");
                for rule in rules.iter_mut().filter(builtin) {
                    rule.enabled = all
                        || (default && rule.enabled)
                        || items.iter().any(|item| named(rule, item));
                }
                unknown
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_lists_parse() {
        let parse = |s: &str| s.parse::<BuiltinSelection>();
        assert_eq!(parse("true"), Ok(BuiltinSelection::Default));
        assert_eq!(parse("Default"), Ok(BuiltinSelection::Default));
        assert_eq!(parse("false"), Ok(BuiltinSelection::None));
        assert_eq!(parse("none"), Ok(BuiltinSelection::None));
        assert_eq!(parse("all"), Ok(BuiltinSelection::All));
        assert_eq!(
            parse("default, credential-access"),
            Ok(BuiltinSelection::Items(vec![
                "default".into(),
                "credential-access".into()
            ]))
        );
        assert!(parse("").is_err());
        assert!(parse("default,,x").is_err());
        assert!(parse("maybe?").is_err());
    }
}
