//! A YAML document as a tree that remembers the line of every node.
//!
//! yaml-rust2's own `Yaml` tree drops positions and resolves plain scalars more
//! loosely than the YAML 1.2 core schema, so the tree is built here from the
//! parser's marked events. Types matter: event patterns are type-strict, so
//! `"5"` and `5` must stay apart, `yes` stays a string, and `~` is null.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One node of a YAML (or JSON) document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: usize,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry. Keys are kept as their text: pattern keys are field names,
/// whatever they would resolve to as values.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub value: Node,
}

/// An error in the YAML text itself, with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

impl Node {
    /// A short name of the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::UInt(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The node as JSON, types kept exactly. Floats that JSON cannot hold
    /// (`.inf`, `.nan`) never reach here: they are rejected while parsing.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::Number(Number::from(*i)),
            Kind::UInt(u) => Value::Number(Number::from(*u)),
            Kind::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut map = Map::new();
                for entry in entries {
                    map.insert(entry.key.clone(), entry.value.to_json());
                }
                Value::Object(map)
            }
        }
    }
}

impl Node {
    /// The node as JSON text, mapping members in the order written.
    pub fn to_json_text(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match &self.kind {
            Kind::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Kind::Map(entries) => {
                out.push('{');
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(entry.key.clone()).to_string());
                    out.push(':');
                    entry.value.write_json(out);
                }
                out.push('}');
            }
            _ => out.push_str(&self.to_json().to_string()),
        }
    }
}

/// Parse one YAML document (JSON is YAML). An empty text is a null document.
pub fn parse(text: &str) -> Result<Node, Vec<SyntaxError>> {
    let text = crate::input::strip_bom_str(text);
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(err) = parser.load(&mut builder, true) {
        // `[*Create]` reads as an alias in YAML; the user meant a wildcard.
        let hint = if err.info().contains("unknown anchor") {
            " (a value starting with `*` is a YAML alias: quote it; \"*Create\" is the literal \
             text, {wildcard: \"*Create\"} the wildcard)"
        } else {
            ""
        };
        builder.errors.push(SyntaxError {
            line: err.marker().line().max(1),
            message: format!("YAML syntax error: {}{hint}", err.info()),
        });
        return Err(builder.errors);
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    match builder.docs.len() {
        0 => Ok(Node {
            line: 1,
            kind: Kind::Null,
        }),
        1 => Ok(builder.docs.remove(0)),
        _ => Err(vec![SyntaxError {
            line: builder.docs[1].line,
            message: "a rule file holds one YAML document; remove the second `---`".to_string(),
        }]),
    }
}

enum Open {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, usize)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    docs: Vec<Node>,
    /// Anchored nodes and how many nodes each holds.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes built so far, aliases counted at their expanded size.
    nodes: usize,
    errors: Vec<SyntaxError>,
}

/// More nodes than any rule file needs; a guard against aliases that expand
/// exponentially ("billion laughs").
const MAX_NODES: usize = 1_000_000;

impl Builder {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(SyntaxError { line, message });
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let size = count_nodes(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match &node.kind {
                        Kind::Str(s) => Some(s.clone()),
                        Kind::Null => Some(String::new()),
                        Kind::Bool(b) => Some(b.to_string()),
                        Kind::Int(i) => Some(i.to_string()),
                        Kind::UInt(u) => Some(u.to_string()),
                        Kind::Float(f) => Some(f.to_string()),
                        Kind::Seq(_) | Kind::Map(_) => None,
                    };
                    match text {
                        Some(text) => *key = Some((text, node.line)),
                        None => {
                            // Keep the mapping well-formed so later errors still make sense.
                            *key = Some((String::new(), node.line));
                            self.errors.push(SyntaxError {
                                line: node.line,
                                message: "mapping keys must be plain strings".to_string(),
                            });
                        }
                    }
                }
                Some((name, key_line)) => {
                    if let Some(previous) = entries.iter().find(|e| e.key == name) {
                        let message = format!(
                            "duplicate key `{name}` (first at line {})",
                            previous.key_line
                        );
                        self.errors.push(SyntaxError {
                            line: key_line,
                            message,
                        });
                    } else {
                        entries.push(Entry {
                            key: name,
                            key_line,
                            value: node,
                        });
                    }
                }
            },
        }
    }

    fn scalar(
        &mut self,
        value: String,
        style: TScalarStyle,
        tag: Option<Tag>,
        line: usize,
    ) -> Kind {
        let tag = tag.map(|t| {
            if t.handle == "tag:yaml.org,2002:" {
                format!("!!{}", t.suffix)
            } else {
                format!("{}{}", t.handle, t.suffix)
            }
        });
        match tag.as_deref() {
            None if style == TScalarStyle::Plain => match resolve_plain(&value) {
                Ok(kind) => kind,
                Err(message) => {
                    self.error(line, message);
                    Kind::Null
                }
            },
            None | Some("!!str") | Some("!") => Kind::Str(value),
            Some(tag @ ("!!int" | "!!float" | "!!bool" | "!!null")) => {
                let resolved = resolve_plain(&value);
                let ok = matches!(
                    (&resolved, tag),
                    (Ok(Kind::Int(_) | Kind::UInt(_)), "!!int")
                        | (Ok(Kind::Float(_) | Kind::Int(_) | Kind::UInt(_)), "!!float")
                        | (Ok(Kind::Bool(_)), "!!bool")
                        | (Ok(Kind::Null), "!!null")
                );
                match resolved {
                    Ok(Kind::Int(i)) if ok && tag == "!!float" => Kind::Float(i as f64),
                    Ok(Kind::UInt(u)) if ok && tag == "!!float" => Kind::Float(u as f64),
                    Ok(kind) if ok => kind,
                    _ => {
                        self.error(line, format!("`{value}` is not a valid {tag}"));
                        Kind::Null
                    }
                }
            }
            Some(other) => {
                self.error(line, format!("unsupported YAML tag `{other}`"));
                Kind::Null
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line().max(1);
        match ev {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((_, size)) if self.nodes.saturating_add(*size) > MAX_NODES => {
                    self.nodes = MAX_NODES;
                    if !self
                        .errors
                        .iter()
                        .any(|e| e.message.contains("aliases expand"))
                    {
                        self.error(
                            line,
                            format!("aliases expand to more than {MAX_NODES} nodes"),
                        );
                    }
                    self.finish(
                        Node {
                            line,
                            kind: Kind::Null,
                        },
                        0,
                    );
                }
                Some((node, size)) => {
                    let mut node = node.clone();
                    self.nodes += *size;
                    node.line = line;
                    self.finish(node, 0);
                }
                None => {
                    self.error(line, "alias to an unknown anchor".to_string());
                    self.finish(
                        Node {
                            line,
                            kind: Kind::Null,
                        },
                        0,
                    );
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                self.nodes += 1;
                let kind = self.scalar(value, style, tag, line);
                self.finish(Node { line, kind }, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq {
                line,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map {
                line,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Open::Seq {
                        line,
                        anchor,
                        items,
                    }) => (
                        Node {
                            line,
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Open::Map {
                        line,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            line,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ),
                    None => return,
                };
                self.finish(node, anchor);
            }
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.kind {
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

/// Resolve a plain (unquoted) scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Result<Kind, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Kind::Null),
        "true" | "True" | "TRUE" => return Ok(Kind::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Kind::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(format!(
                "`{text}` is not a number JSON can hold; quote it if you mean the string"
            ));
        }
        _ => {}
    }
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return parse_int(text, negative, digits, 10);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return parse_int(text, false, oct, 8);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return parse_int(text, false, hex, 16);
    }
    if is_core_float(digits) {
        return match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Kind::Float(f)),
            _ => Err(format!("number `{text}` is out of range")),
        };
    }
    Ok(Kind::Str(text.to_string()))
}

fn parse_int(text: &str, negative: bool, digits: &str, radix: u32) -> Result<Kind, String> {
    let out_of_range = || format!("integer `{text}` is out of range; quote it to keep it a string");
    let magnitude = u64::from_str_radix(digits, radix).map_err(|_| out_of_range())?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Ok(Kind::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            Err(out_of_range())
        }
    } else if let Ok(i) = i64::try_from(magnitude) {
        Ok(Kind::Int(i))
    } else {
        Ok(Kind::UInt(magnitude))
    }
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the sign already removed.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (!int.is_empty() || !frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> Value {
        parse(text).unwrap().to_json()
    }

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        let v = value(
            "a: yes\nb: no\nc: on\nd: ~\ne: null\nf: 42\ng: -7\nh: 1.5\ni: 1e3\nj: TRUE\nk: 0x1F\nl: 0o17\nm: '5'\nn: \"true\"\no: 012\np: 18446744073709551615\nq: .5\nr: 1.2.3\n",
        );
        assert_eq!(
            v,
            json!({"a":"yes","b":"no","c":"on","d":null,"e":null,"f":42,"g":-7,"h":1.5,
                   "i":1000.0,"j":true,"k":31,"l":15,"m":"5","n":"true","o":12,
                   "p":18446744073709551615u64,"q":0.5,"r":"1.2.3"})
        );
        assert!(v["f"].is_i64());
        assert!(v["i"].is_f64());
    }

    #[test]
    fn json_text_keeps_member_order() {
        let node = parse("b: [1, \"x\", null]\na: {z: 1.5, y: true}\n").unwrap();
        assert_eq!(
            node.to_json_text(),
            r#"{"b":[1,"x",null],"a":{"z":1.5,"y":true}}"#
        );
    }

    #[test]
    fn json_text_parses_with_json_types() {
        let text = "{\n\t\"detail\": {\"x\":[1, 2.5, \"3\", null, true, {\"exists\":false}]},\n\t\"e\": -0\n}\n";
        assert_eq!(
            value(text),
            json!({"detail":{"x":[1,2.5,"3",null,true,{"exists":false}]},"e":0})
        );
    }

    #[test]
    fn nodes_remember_their_lines() {
        let node = parse("# comment\nrules:\n  - id: a\n    title: b\n  - id: c\n").unwrap();
        let Kind::Map(entries) = &node.kind else {
            panic!("not a map")
        };
        assert_eq!(entries[0].key_line, 2);
        let Kind::Seq(items) = &entries[0].value.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[0].line, 3);
        assert_eq!(items[1].line, 5);
    }

    #[test]
    fn syntax_errors_duplicate_keys_and_bad_numbers_have_lines() {
        let errs = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(errs[0].message.starts_with("YAML syntax error"), "{errs:?}");
        let errs = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].message.contains("duplicate key `a`"));
        let errs = parse("x: .inf\ny: 99999999999999999999\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].line, errs[1].line), (1, 2));
    }

    #[test]
    fn exponential_aliases_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let errs = parse(&text).unwrap_err();
        assert!(errs[0].message.contains("aliases expand"), "{errs:?}");
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn anchors_tags_and_empty_documents() {
        assert_eq!(
            value("a: &x {k: [v]}\nb: *x\nc: !!str 5\nd: !!float 1\n"),
            json!({"a":{"k":["v"]},"b":{"k":["v"]},"c":"5","d":1.0})
        );
        assert_eq!(value(""), Value::Null);
        assert!(parse("a: !!int x\n").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }
}
