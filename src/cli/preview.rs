//! `render`'s routing: the function's, from its environment and the flags.

use crate::config::{ROUTING_VARIABLES, routing_from_vars};
use crate::routing::Router;

/// The main topic `render` uses when neither `--topic-arn` nor ALERT_TOPIC_ARN names one.
const PREVIEW_TOPIC_ARN: &str = "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts";

/// The function's routing, from its environment variables with `flags`
/// (variable, value given on the command line) taking precedence.
pub(crate) fn render_router<const N: usize>(
    flags: [(&str, Option<String>); N],
) -> Result<Router, String> {
    let mut vars: Vec<(String, String)> = ROUTING_VARIABLES
        .iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    for (name, value) in flags {
        if let Some(value) = value {
            vars.retain(|(k, _)| k != name);
            vars.push((name.to_string(), value));
        }
    }
    if !vars
        .iter()
        .any(|(k, v)| k == "ALERT_TOPIC_ARN" && !v.trim().is_empty())
    {
        vars.retain(|(k, _)| k != "ALERT_TOPIC_ARN");
        vars.push(("ALERT_TOPIC_ARN".to_string(), PREVIEW_TOPIC_ARN.to_string()));
    }
    routing_from_vars(vars).map_err(|e| e.to_string())
}
