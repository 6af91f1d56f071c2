//! One case per invalid-pattern reason, asserting EventBridge's reason text.

use cloudtrail_alerts::event::PathSet;
use cloudtrail_alerts::pattern::{Pattern, PatternError};

fn reason(pattern: &str) -> PatternError {
    let mut paths = PathSet::new();
    match Pattern::parse(pattern, &mut paths) {
        Ok(_) => panic!("pattern {pattern} was accepted"),
        Err(e) => e,
    }
}

fn check(table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (pattern, expected) in table {
        let got = reason(pattern).reason;
        if got != *expected {
            failures.push(format!(
                "{pattern}\n  expected: {expected}\n  got:      {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn structure() {
    check(&[
        (r#"["a"]"#, "Filter is not an object"),
        (r#""source""#, "Filter is not an object"),
        (
            r#"{"source":"aws.ec2"}"#,
            "\"source\" must be an object or an array",
        ),
        (
            r#"{"detail":{"n":42}}"#,
            "\"n\" must be an object or an array",
        ),
        (r#"{"a":true}"#, "\"a\" must be an object or an array"),
        (r#"{"a":null}"#, "\"a\" must be an object or an array"),
        (r#"{"a":[]}"#, "Empty arrays are not allowed"),
        (r#"{}"#, "Empty objects are not allowed"),
        (r#"{"detail":{}}"#, "Empty objects are not allowed"),
        (
            r#"{"a":[["x"]]}"#,
            "Match value must be String, number, true, false, or null",
        ),
        (r#"{"a":[{}]}"#, "Match expression name not found"),
        (
            r#"{"a":[{"contains":"x"}]}"#,
            "Unrecognized match type contains",
        ),
        (
            r#"{"a":[{"PREFIX":"x"}]}"#,
            "Unrecognized match type PREFIX",
        ),
        (
            r#"{"a":[{"EXISTS":true}]}"#,
            "Unrecognized match type EXISTS",
        ),
        (
            r#"{"a":[{"exactly":"x"}]}"#,
            "Unrecognized match type exactly",
        ),
        (
            r#"{"a":[{"prefix":"x","suffix":"y"}]}"#,
            "Only one key allowed in match expression",
        ),
    ]);
}

#[test]
fn malformed_json_reports_the_parser_message() {
    let e = reason(r#"{"a":["x"]"#);
    assert!(
        e.reason.contains("EOF while parsing an object"),
        "{}",
        e.reason
    );
}

#[test]
fn reasons_carry_the_pattern_path() {
    assert_eq!(reason(r#"{"detail":{"x":[]}}"#).path, "detail.x");
    assert_eq!(reason(r#"{}"#).path, "");
    assert_eq!(reason(r#"{"detail":{"$or":[{"a":["1"]}]}}"#).path, "detail");
}

#[test]
fn prefix_suffix_equals_ignore_case_wildcard() {
    check(&[
        (
            r#"{"a":[{"prefix":["x"]}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a":[{"prefix":1}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a":[{"prefix":null}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a":[{"suffix":["x"]}]}"#,
            "suffix match pattern must be a string",
        ),
        (
            r#"{"a":[{"suffix":2}]}"#,
            "suffix match pattern must be a string",
        ),
        (
            r#"{"a":[{"prefix":{"foo":"x"}}]}"#,
            "Unsupported prefix pattern: foo",
        ),
        (
            r#"{"a":[{"suffix":{"prefix":"x"}}]}"#,
            "Unsupported suffix pattern: prefix",
        ),
        (
            r#"{"a":[{"prefix":{}}]}"#,
            "Prefix expression name not found",
        ),
        (
            r#"{"a":[{"prefix":{"equals-ignore-case":5}}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a":[{"prefix":{"equals-ignore-case":"a","x":"b"}}]}"#,
            "Only one key allowed in match expression",
        ),
        (
            r#"{"a":[{"equals-ignore-case":["x"]}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a":[{"equals-ignore-case":{"a":"b"}}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a":[{"equals-ignore-case":[]}]}"#,
            "equals-ignore-case match pattern must be a string",
        ),
        (
            r#"{"a":[{"wildcard":5}]}"#,
            "wildcard match pattern must be a string",
        ),
        (
            r#"{"a":[{"wildcard":["*"]}]}"#,
            "wildcard match pattern must be a string",
        ),
        (
            r#"{"a":[{"wildcard":"abc**def"}]}"#,
            "Consecutive wildcard characters at pos 4",
        ),
        (
            r#"{"a":[{"wildcard":"**"}]}"#,
            "Consecutive wildcard characters at pos 1",
        ),
        (
            r#"{"a":[{"wildcard":"a\\c"}]}"#,
            "Invalid escape character at pos 2",
        ),
        (
            r#"{"a":[{"wildcard":"ab\\"}]}"#,
            "Invalid escape character at pos 3",
        ),
        (
            r#"{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}"#,
            "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
        ),
    ]);
}

#[test]
fn anything_but() {
    check(&[
        (
            r#"{"a":[{"anything-but":["a",1]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a":[{"anything-but":[]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a":[{"anything-but":["a",null]}]}"#,
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            r#"{"a":[{"anything-but":[true]}]}"#,
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            r#"{"a":[{"anything-but":null}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a":[{"anything-but":true}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a":[{"anything-but":{"foo":"x"}}]}"#,
            "Unsupported anything-but pattern: foo",
        ),
        (
            r#"{"a":[{"anything-but":{}}]}"#,
            "Anything-But expression name not found",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":""}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a":[{"anything-but":{"suffix":""}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":["a",""]}}]}"#,
            "Null prefix/suffix not allowed",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":5}}]}"#,
            "prefix/suffix match pattern must be a string",
        ),
        (
            r#"{"a":[{"anything-but":{"suffix":[5]}}]}"#,
            "prefix/suffix match pattern must be a string",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":{"equals-ignore-case":"x"}}}]}"#,
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            r#"{"a":[{"anything-but":{"equals-ignore-case":5}}]}"#,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":5}}]}"#,
            "wildcard match pattern must be a string",
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":"a**"}}]}"#,
            "Consecutive wildcard characters at pos 2",
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":["ok","\\x"]}}]}"#,
            "Invalid escape character at pos 1",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":[]}}]}"#,
            "Empty arrays are not allowed",
        ),
        (
            r#"{"a":[{"anything-but":{"equals-ignore-case":[]}}]}"#,
            "Empty arrays are not allowed",
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":"a","suffix":"b"}}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a":[{"anything-but":"a","prefix":"b"}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a":[{"anything-but":6000000000}]}"#,
            "Value must be between -5.0E9 and 5.0E9, inclusive",
        ),
    ]);
}

#[test]
fn numeric() {
    check(&[
        (
            r#"{"a":[{"numeric":">"}]}"#,
            "Value of numeric must be an array.",
        ),
        (
            r#"{"a":[{"numeric":5}]}"#,
            "Value of numeric must be an array.",
        ),
        (
            r#"{"a":[{"numeric":[]}]}"#,
            "Invalid member in numeric match: ]",
        ),
        (
            r#"{"a":[{"numeric":[5]}]}"#,
            "Invalid member in numeric match: 5",
        ),
        (
            r#"{"a":[{"numeric":[">","5"]}]}"#,
            "Value of > must be numeric",
        ),
        (
            r#"{"a":[{"numeric":[">="]}]}"#,
            "Value of >= must be numeric",
        ),
        (
            r#"{"a":[{"numeric":["<",null]}]}"#,
            "Value of < must be numeric",
        ),
        (
            r#"{"a":[{"numeric":["<=",true]}]}"#,
            "Value of <= must be numeric",
        ),
        (
            r#"{"a":[{"numeric":["=","1"]}]}"#,
            "Value of equals must be numeric",
        ),
        (
            r#"{"a":[{"numeric":["!=",1]}]}"#,
            "Unrecognized numeric range operator: !=",
        ),
        (
            r#"{"a":[{"numeric":["<",5,">",1]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a":[{"numeric":["=",5,"<",9]}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a":[{"numeric":[">",1,">",5]}]}"#,
            "Bad numeric range operator: >",
        ),
        (
            r#"{"a":[{"numeric":[">",1,5]}]}"#,
            "Bad value in numeric range: 5",
        ),
        (
            r#"{"a":[{"numeric":[">",1,"<"]}]}"#,
            "Value of < must be numeric",
        ),
        (
            r#"{"a":[{"numeric":[">",1,"<",5,6]}]}"#,
            "Too many terms in numeric range expression",
        ),
        (
            r#"{"a":[{"numeric":[">",5,"<",1]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a":[{"numeric":[">=",5,"<=",5]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"a":[{"numeric":[">",6e9]}]}"#,
            "Value must be between -5.0E9 and 5.0E9, inclusive",
        ),
        (
            r#"{"a":[{"numeric":[">",0],"exists":true}]}"#,
            "Too many elements in numeric expression",
        ),
    ]);
}

#[test]
fn exists_and_cidr() {
    check(&[
        (
            r#"{"a":[{"exists":"true"}]}"#,
            "exists match pattern must be either true or false.",
        ),
        (
            r#"{"a":[{"exists":1}]}"#,
            "exists match pattern must be either true or false.",
        ),
        (
            r#"{"a":[{"exists":true,"prefix":"x"}]}"#,
            "Only one key allowed in match expression",
        ),
        (
            r#"{"a":[{"cidr":5}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a":[{"cidr":["10.0.0.0/8"]}]}"#,
            "prefix match pattern must be a string",
        ),
        (
            r#"{"a":[{"cidr":"10.0.0.0"}]}"#,
            "Malformed CIDR, one '/' required",
        ),
        (
            r#"{"a":[{"cidr":"10.0.0.0/8/9"}]}"#,
            "Malformed CIDR, one '/' required",
        ),
        (
            r#"{"a":[{"cidr":"10.0.0.0/x"}]}"#,
            "Malformed CIDR, mask bits must be an integer",
        ),
        (
            r#"{"a":[{"cidr":"10.0.0.0/-1"}]}"#,
            "Malformed CIDR, mask bits must not be negative",
        ),
        (
            r#"{"a":[{"cidr":"host.example/8"}]}"#,
            "Nonstandard IP address: host.example",
        ),
        (
            r#"{"a":[{"cidr":"10.0.0.256/8"}]}"#,
            "Invalid IP address: 10.0.0.256",
        ),
        (
            r#"{"a":[{"cidr":"1.2.3.4/32"}]}"#,
            "IPv4 mask bits must be < 32",
        ),
        (
            r#"{"a":[{"cidr":"2001:db8::/128"}]}"#,
            "IPv6 mask bits must be < 128",
        ),
    ]);
}

#[test]
fn or() {
    check(&[
        (
            r#"{"$or":{"a":["1"]}}"#,
            "It must be an Array followed with $or.",
        ),
        (
            r#"{"$or":[{"a":["1"]}]}"#,
            "There must have at least 2 Objects in $or relationship.",
        ),
        (
            r#"{"$or":[]}"#,
            "There must have at least 2 Objects in $or relationship.",
        ),
        (
            r#"{"$or":["a","b"]}"#,
            "Only JSON object is allowed in array of $or relationship.",
        ),
        (
            r#"{"$or":[{"a":["1"]},{}]}"#,
            "Empty objects are not allowed",
        ),
        (
            r#"{"$or":[{"numeric":["1"]},{"b":["2"]}]}"#,
            "numeric is Ruler reserved fieldName which cannot be used inside $or.",
        ),
        (
            r#"{"$or":[{"a":{"prefix":["1"]}},{"b":["2"]}]}"#,
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ]);
    // Reserved words are ordinary field names outside $or.
    let mut paths = PathSet::new();
    assert!(Pattern::parse(r#"{"prefix":["1"]}"#, &mut paths).is_ok());
}

#[test]
fn or_combinations_are_limited() {
    // 4 × 4 × 4 × 4 × 4 = 1024 conjunctions.
    let branch = r#"{"$or":[{"a":["1"]},{"b":["2"]},{"c":["3"]},{"d":["4"]}]}"#;
    let pattern = format!(r#"{{"p":{b},"q":{b},"r":{b},"s":{b},"t":{b}}}"#, b = branch);
    let e = reason(&pattern);
    assert!(
        e.reason.contains("more than 1000 combinations"),
        "{}",
        e.reason
    );
    // 4^4 = 256 is fine
    let pattern = format!(r#"{{"p":{b},"q":{b},"r":{b},"s":{b}}}"#, b = branch);
    let mut paths = PathSet::new();
    assert!(Pattern::parse(&pattern, &mut paths).is_ok());
}

#[test]
fn reasons_follow_document_order() {
    // The first problem written is the one reported, as EventBridge reads patterns in order.
    check(&[
        (r#"{"b":[],"a":"x"}"#, "Empty arrays are not allowed"),
        (r#"{"b":"x","a":[]}"#, "\"b\" must be an object or an array"),
        (
            r#"{"a":[{"numeric":[">",0],"exists":true}]}"#,
            "Too many elements in numeric expression",
        ),
        (
            r#"{"a":[{"exists":true,"numeric":[">",0]}]}"#,
            "Only one key allowed in match expression",
        ),
    ]);
}
