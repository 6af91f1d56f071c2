//! Account names (`accounts:`) and scopes (`scope:`): which accounts and
//! regions a rule applies to, as written.

use super::{AccountDef, Ctx, RawScope, SCOPE_KEYS, get, section_entries, string_list};
use crate::aws_ids::{is_account_id, is_region};
use crate::rules::yaml::{Kind, Node};

pub(super) fn parse_accounts(ctx: &mut Ctx, node: &Node) -> Vec<AccountDef> {
    let entries = section_entries(
        ctx,
        node,
        "`accounts` must map names to lists of account ids (e.g. `prod: [\"111122223333\"]`)",
    );
    let mut out = Vec::new();
    for entry in entries {
        let name = &entry.key;
        if name.trim().is_empty() {
            ctx.err(entry.key_line, None, "account name is empty");
            continue;
        }
        if is_account_id(name) {
            ctx.err(
                entry.key_line,
                None,
                format!(
                    "account name `{name}` looks like an account id; use a name such as `prod`"
                ),
            );
            continue;
        }
        let items: Vec<&Node> = match &entry.value.kind {
            Kind::Seq(items) => items.iter().collect(),
            Kind::Str(_) | Kind::Int(_) | Kind::UInt(_) => vec![&entry.value],
            _ => {
                ctx.err(
                    entry.value.line,
                    None,
                    format!(
                        "account `{name}` must be a list of 12-digit account ids, not {}",
                        entry.value.type_name()
                    ),
                );
                continue;
            }
        };
        if items.is_empty() {
            ctx.err(
                entry.value.line,
                None,
                format!("account `{name}` lists no account ids"),
            );
            continue;
        }
        let mut ids = Vec::new();
        for item in items {
            match account_id(item) {
                Ok(id) => ids.push(id),
                Err(message) => ctx.err(item.line, None, format!("account `{name}`: {message}")),
            }
        }
        out.push(AccountDef {
            name: name.clone(),
            line: entry.key_line,
            ids,
        });
    }
    out
}

/// A 12-digit account id. Unquoted ids are integers in YAML; they are accepted
/// when they still have 12 digits (a leading zero would have been lost).
pub(super) fn account_id(node: &Node) -> Result<String, String> {
    let text = match &node.kind {
        Kind::Str(s) => s.clone(),
        Kind::Int(i) => i.to_string(),
        Kind::UInt(u) => u.to_string(),
        _ => {
            return Err(format!(
                "an account id must be a string, not {}",
                node.type_name()
            ));
        }
    };
    if is_account_id(&text) {
        Ok(text)
    } else if matches!(node.kind, Kind::Int(_) | Kind::UInt(_)) {
        Err(format!(
            "`{text}` is not a 12-digit account id; quote ids (\"012345678901\") so leading zeros are kept"
        ))
    } else {
        Err(format!("`{text}` is not a 12-digit account id"))
    }
}

/// One entry of a list of accounts: a name (resolved later against
/// `accounts:`) or an account id, with its line; `None` after reporting a bad
/// id (`{context}: ...`) or a value of the wrong type (`{wrong_type}, not ...`).
pub(super) fn account_entry(
    ctx: &mut Ctx,
    item: &Node,
    rid: Option<&str>,
    context: &str,
    wrong_type: &str,
) -> Option<(String, usize)> {
    match &item.kind {
        Kind::Str(s) => Some((s.clone(), item.line)),
        Kind::Int(_) | Kind::UInt(_) => match account_id(item) {
            Ok(id) => Some((id, item.line)),
            Err(message) => {
                ctx.err(item.line, rid, format!("{context}: {message}"));
                None
            }
        },
        _ => {
            ctx.err(
                item.line,
                rid,
                format!("{wrong_type}, not {}", item.type_name()),
            );
            None
        }
    }
}

pub(super) fn scope(ctx: &mut Ctx, node: &Node, rid: Option<&str>) -> Option<RawScope> {
    let Kind::Map(entries) = &node.kind else {
        ctx.err(
            node.line,
            rid,
            format!(
                "`scope` must be a mapping with `accounts` and/or `regions`, not {}",
                node.type_name()
            ),
        );
        return None;
    };
    ctx.unknown_keys(entries, SCOPE_KEYS, "a scope", rid);
    let accounts = get(entries, "accounts").map(|n| {
        let items: Vec<&Node> = match &n.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![n],
        };
        items
            .into_iter()
            .filter_map(|item| {
                account_entry(
                    ctx,
                    item,
                    rid,
                    "scope",
                    "scope accounts are account ids or names",
                )
            })
            .collect()
    });
    let regions = get(entries, "regions").map(|n| {
        let list = match &n.kind {
            Kind::Str(s) => vec![s.clone()],
            _ => string_list(ctx, n, "regions", rid),
        };
        for region in &list {
            if !is_region(region) {
                ctx.err(
                    n.line,
                    rid,
                    format!("`{region}` is not an AWS region name (e.g. `eu-west-1`)"),
                );
            }
        }
        list
    });
    let scope = RawScope {
        line: node.line,
        accounts,
        regions,
    };
    ctx.scopes.push((rid.map(str::to_string), scope.clone()));
    Some(scope)
}
