//! (pattern, event, expected) tables, one per operator of the EventBridge pattern language.

use cloudtrail_alerts::event::{EventView, PathSet};
use cloudtrail_alerts::pattern::{Pattern, TestPatternError, test_event_pattern};

fn matches(pattern: &str, event: &str) -> bool {
    let mut paths = PathSet::new();
    let compiled = Pattern::parse(pattern, &mut paths)
        .unwrap_or_else(|e| panic!("pattern {pattern} rejected: {e}"));
    let event: serde_json::Value = serde_json::from_str(event).expect("event JSON");
    let view = EventView::from_value(&event, &paths).expect("event view");
    compiled.matches(&view)
}

fn check(table: &[(&str, &str, bool)]) {
    let mut failures = Vec::new();
    for (i, (pattern, event, expected)) in table.iter().enumerate() {
        let got = matches(pattern, event);
        if got != *expected {
            failures.push(format!(
                "#{i}: pattern {pattern} event {event}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exact_strings_and_types() {
    check(&[
        (r#"{"source":["aws.ec2"]}"#, r#"{"source":"aws.ec2"}"#, true),
        (
            r#"{"source":["aws.ec2"]}"#,
            r#"{"source":"aws.EC2"}"#,
            false,
        ),
        (
            r#"{"source":["aws.ec2"]}"#,
            r#"{"source":" aws.ec2"}"#,
            false,
        ),
        (r#"{"source":["aws.ec2"]}"#, r#"{"other":"aws.ec2"}"#, false),
        (
            r#"{"Source":["aws.ec2"]}"#,
            r#"{"source":"aws.ec2"}"#,
            false,
        ),
        // precomposed é is not e + combining accent
        ("{\"a\":[\"\u{e9}\"]}", "{\"a\":\"e\u{301}\"}", false),
        (r#"{"a":["x","y"]}"#, r#"{"a":"y"}"#, true),
        (r#"{"a":["5"]}"#, r#"{"a":5}"#, false),
        (r#"{"a":[5]}"#, r#"{"a":"5"}"#, false),
        (r#"{"a":[true]}"#, r#"{"a":true}"#, true),
        (r#"{"a":[true]}"#, r#"{"a":"true"}"#, false),
        (r#"{"a":["false"]}"#, r#"{"a":false}"#, false),
        (r#"{"a":[false]}"#, r#"{"a":false}"#, true),
        // a string holding JSON is just a string
        (r#"{"a":{"b":["c"]}}"#, r#"{"a":"{\"b\":\"c\"}"}"#, false),
        // unnamed event fields are ignored
        (r#"{"a":["x"]}"#, r#"{"a":"x","b":1,"c":{"d":[1,2]}}"#, true),
    ]);
}

#[test]
fn null_empty_string_and_missing() {
    check(&[
        (r#"{"a":[null]}"#, r#"{"a":null}"#, true),
        (r#"{"a":[null]}"#, r#"{}"#, false),
        (r#"{"a":[null]}"#, r#"{"a":[]}"#, false),
        (r#"{"a":[null]}"#, r#"{"a":"null"}"#, false),
        (r#"{"a":[null]}"#, r#"{"a":""}"#, false),
        (r#"{"a":["null"]}"#, r#"{"a":null}"#, false),
        (r#"{"a":[""]}"#, r#"{"a":""}"#, true),
        (r#"{"a":[""]}"#, r#"{"a":null}"#, false),
        (r#"{"a":[""]}"#, r#"{}"#, false),
        (r#"{"a":[null]}"#, r#"{"a":[1,null]}"#, true),
    ]);
}

#[test]
fn numbers_compare_by_value() {
    check(&[
        (r#"{"n":[300]}"#, r#"{"n":300}"#, true),
        (r#"{"n":[300]}"#, r#"{"n":300.0}"#, true),
        (r#"{"n":[300]}"#, r#"{"n":3.0e2}"#, true),
        (r#"{"n":[3.0e2]}"#, r#"{"n":300}"#, true),
        (r#"{"n":[0.5]}"#, r#"{"n":0.50}"#, true),
        (r#"{"n":[0]}"#, r#"{"n":-0}"#, true),
        (r#"{"n":[-0.0]}"#, r#"{"n":0}"#, true),
        (r#"{"n":[300]}"#, r#"{"n":301}"#, false),
        // long integers beyond f64 precision keep every digit
        (
            r#"{"n":[12345678901234567890]}"#,
            r#"{"n":12345678901234567890}"#,
            true,
        ),
        (
            r#"{"n":[12345678901234567890]}"#,
            r#"{"n":12345678901234567891}"#,
            false,
        ),
        (
            r#"{"n":[12345678901234567890]}"#,
            r#"{"n":"12345678901234567890"}"#,
            false,
        ),
        // outside the ±5e9 envelope, numbers are compared by text
        (r#"{"n":[6500000000.0]}"#, r#"{"n":6.5e9}"#, true),
    ]);
}

#[test]
fn arrays_in_events_and_patterns() {
    check(&[
        (r#"{"r":["a"]}"#, r#"{"r":["b","a"]}"#, true),
        (r#"{"r":["a","c"]}"#, r#"{"r":["b","c"]}"#, true),
        (r#"{"r":["a"]}"#, r#"{"r":["b","c"]}"#, false),
        (r#"{"r":["a"]}"#, r#"{"r":[]}"#, false),
        (r#"{"r":[3]}"#, r#"{"r":[1,[2,[3]]]}"#, true),
        (
            r#"{"a":{"b":[2]}}"#,
            r#"{"a":[{"b":1},{"b":[2,[3]]}]}"#,
            true,
        ),
        (
            r#"{"a":{"b":[4]}}"#,
            r#"{"a":[{"b":1},{"b":[2,[3]]}]}"#,
            false,
        ),
        // objects are never leaves
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":{"b":1}}"#, false),
    ]);
}

#[test]
fn dotted_keys_join_with_nested_keys() {
    check(&[
        (
            r#"{"state.status":["on"]}"#,
            r#"{"state":{"status":"on"}}"#,
            true,
        ),
        (
            r#"{"state":{"status":["on"]}}"#,
            r#"{"state.status":"on"}"#,
            true,
        ),
        (r#"{"a.b":{"c":["x"]}}"#, r#"{"a":{"b.c":"x"}}"#, true),
        (
            r#"{"state.status":["on"]}"#,
            r#"{"state":{"status":"off"}}"#,
            false,
        ),
    ]);
}

#[test]
fn array_consistent_matching() {
    let event = r#"{"i":[{"a":"1","b":"2"},{"a":"3","b":"4"}]}"#;
    check(&[
        (r#"{"i":{"a":["1"],"b":["2"]}}"#, event, true),
        (r#"{"i":{"a":["3"],"b":["4"]}}"#, event, true),
        (r#"{"i":{"a":["1"],"b":["4"]}}"#, event, false),
        (r#"{"i":{"a":["1","3"],"b":["4"]}}"#, event, true),
        // fields outside the array combine with any element
        (
            r#"{"s":["x"],"i":{"a":["3"]}}"#,
            r#"{"s":"x","i":[{"a":"1"},{"a":"3"}]}"#,
            true,
        ),
        // different arrays do not constrain each other
        (
            r#"{"p":{"a":["1"]},"q":{"b":["4"]}}"#,
            r#"{"p":[{"a":"0"},{"a":"1"}],"q":[{"b":"4"},{"b":"5"}]}"#,
            true,
        ),
        // nested arrays: the outer element must agree, inner ones may differ
        (
            r#"{"o":{"x":["1"],"in":{"y":["b"]}}}"#,
            r#"{"o":[{"x":"1","in":[{"y":"a"},{"y":"b"}]},{"x":"2","in":[{"y":"c"}]}]}"#,
            true,
        ),
        (
            r#"{"o":{"x":["2"],"in":{"y":["b"]}}}"#,
            r#"{"o":[{"x":"1","in":[{"y":"a"},{"y":"b"}]},{"x":"2","in":[{"y":"c"}]}]}"#,
            false,
        ),
        // anything-but and exists:true take part; exists:false does not
        (
            r#"{"i":{"a":["1"],"b":[{"anything-but":"2"}]}}"#,
            event,
            false,
        ),
        (
            r#"{"i":{"a":["3"],"b":[{"anything-but":"2"}]}}"#,
            event,
            true,
        ),
        (
            r#"{"i":{"a":["1"],"c":[{"exists":true}]}}"#,
            r#"{"i":[{"a":"1"},{"a":"3","c":0}]}"#,
            false,
        ),
        (
            r#"{"i":{"a":["1"],"c":[{"exists":false}]}}"#,
            r#"{"i":[{"a":"1"},{"a":"3","c":0}]}"#,
            false,
        ),
        (
            r#"{"i":{"a":["1"],"c":[{"exists":false}]}}"#,
            r#"{"i":[{"a":"1"},{"a":"3"}]}"#,
            true,
        ),
    ]);
}

#[test]
fn prefix_and_suffix() {
    check(&[
        (
            r#"{"a":[{"prefix":"Desc"}]}"#,
            r#"{"a":"DescribeInstances"}"#,
            true,
        ),
        (
            r#"{"a":[{"prefix":"Desc"}]}"#,
            r#"{"a":"describeInstances"}"#,
            false,
        ),
        (r#"{"a":[{"prefix":"Desc"}]}"#, r#"{"a":"Des"}"#, false),
        (r#"{"a":[{"prefix":"1"}]}"#, r#"{"a":123}"#, false),
        (r#"{"a":[{"prefix":"n"}]}"#, r#"{"a":null}"#, false),
        (r#"{"a":[{"prefix":""}]}"#, r#"{"a":""}"#, true),
        (r#"{"a":[{"prefix":""}]}"#, r#"{"a":"anything"}"#, true),
        (r#"{"a":[{"prefix":""}]}"#, r#"{"a":1}"#, false),
        (r#"{"a":[{"suffix":".png"}]}"#, r#"{"a":"img.png"}"#, true),
        (r#"{"a":[{"suffix":".png"}]}"#, r#"{"a":"img.PNG"}"#, false),
        (r#"{"a":[{"suffix":""}]}"#, r#"{"a":""}"#, true),
        (
            r#"{"a":[{"prefix":{"equals-ignore-case":"desc"}}]}"#,
            r#"{"a":"DESCribe"}"#,
            true,
        ),
        (
            r#"{"a":[{"prefix":{"equals-ignore-case":"desc"}}]}"#,
            r#"{"a":"xdesc"}"#,
            false,
        ),
        (
            r#"{"a":[{"suffix":{"equals-ignore-case":".PNG"}}]}"#,
            r#"{"a":"img.png"}"#,
            true,
        ),
        (
            r#"{"a":[{"prefix":"Describe"},"RunInstances"]}"#,
            r#"{"a":"RunInstances"}"#,
            true,
        ),
    ]);
}

#[test]
fn equals_ignore_case() {
    check(&[
        (
            r#"{"a":[{"equals-ignore-case":"alice"}]}"#,
            r#"{"a":"ALiCe"}"#,
            true,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"alice"}]}"#,
            r#"{"a":"alicex"}"#,
            false,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"alice"}]}"#,
            r#"{"a":"alic"}"#,
            false,
        ),
        (r#"{"a":[{"equals-ignore-case":""}]}"#, r#"{"a":""}"#, true),
        (
            r#"{"a":[{"equals-ignore-case":""}]}"#,
            r#"{"a":"x"}"#,
            false,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"été"}]}"#,
            r#"{"a":"ÉTÉ"}"#,
            true,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"жω"}]}"#,
            r#"{"a":"ЖΩ"}"#,
            true,
        ),
        // accents are not stripped; ß has no one-to-one upper case
        (
            r#"{"a":[{"equals-ignore-case":"ete"}]}"#,
            r#"{"a":"été"}"#,
            false,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"ß"}]}"#,
            r#"{"a":"SS"}"#,
            false,
        ),
        (
            r#"{"a":[{"equals-ignore-case":"true"}]}"#,
            r#"{"a":true}"#,
            false,
        ),
    ]);
}

#[test]
fn wildcard() {
    check(&[
        (
            r#"{"a":[{"wildcard":"*.png"}]}"#,
            r#"{"a":"dir/img.png"}"#,
            true,
        ),
        (
            r#"{"a":[{"wildcard":"dir/*.png"}]}"#,
            r#"{"a":"dir/a/b.png"}"#,
            true,
        ),
        (
            r#"{"a":[{"wildcard":"dir/*.png"}]}"#,
            r#"{"a":"dir/a.jpg"}"#,
            false,
        ),
        (r#"{"a":[{"wildcard":"a*b*c"}]}"#, r#"{"a":"abc"}"#, true),
        (
            r#"{"a":[{"wildcard":"a*b*c"}]}"#,
            r#"{"a":"aXbYcZ"}"#,
            false,
        ),
        (r#"{"a":[{"wildcard":"*"}]}"#, r#"{"a":""}"#, true),
        (r#"{"a":[{"wildcard":"A*"}]}"#, r#"{"a":"abc"}"#, false),
        (r#"{"a":[{"wildcard":"a?c"}]}"#, r#"{"a":"abc"}"#, false),
        (r#"{"a":[{"wildcard":"a?c"}]}"#, r#"{"a":"a?c"}"#, true),
        (r#"{"a":[{"wildcard":""}]}"#, r#"{"a":""}"#, true),
        (r#"{"a":[{"wildcard":""}]}"#, r#"{"a":"x"}"#, false),
        (r#"{"a":[{"wildcard":"abc"}]}"#, r#"{"a":"abc"}"#, true),
        (r#"{"a":[{"wildcard":"abc"}]}"#, r#"{"a":"abcd"}"#, false),
        // escapes: \* is a literal star, \\ a literal backslash
        (r#"{"a":[{"wildcard":"a\\*c"}]}"#, r#"{"a":"a*c"}"#, true),
        (r#"{"a":[{"wildcard":"a\\*c"}]}"#, r#"{"a":"abc"}"#, false),
        (r#"{"a":[{"wildcard":"a\\\\*"}]}"#, r#"{"a":"a\\bc"}"#, true),
        (r#"{"a":[{"wildcard":"\\**"}]}"#, r#"{"a":"*x"}"#, true),
        (
            r#"{"a":[{"wildcard":"*a*b*c*"}]}"#,
            r#"{"a":"xaxbxcx"}"#,
            true,
        ),
        (r#"{"a":[{"wildcard":"1*"}]}"#, r#"{"a":12}"#, false),
        (
            r#"{"a":[{"wildcard":"arn:aws:iam::*:role/*"}]}"#,
            r#"{"a":"arn:aws:iam::123456789012:role/admin"}"#,
            true,
        ),
    ]);
}

#[test]
fn anything_but() {
    check(&[
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":"y"}"#, true),
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":"x"}"#, false),
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":"X"}"#, true),
        (
            r#"{"a":[{"anything-but":["x","y"]}]}"#,
            r#"{"a":"y"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":["x","y"]}]}"#,
            r#"{"a":"z"}"#,
            true,
        ),
        // missing, [] and object-only paths never match
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{}"#, false),
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":[]}"#, false),
        (
            r#"{"a":[{"anything-but":"x"}]}"#,
            r#"{"a":{"b":"y"}}"#,
            false,
        ),
        // null and other types are never excluded
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":null}"#, true),
        (r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":5}"#, true),
        (r#"{"a":[{"anything-but":5}]}"#, r#"{"a":"5"}"#, true),
        (r#"{"a":[{"anything-but":5}]}"#, r#"{"a":null}"#, true),
        (r#"{"a":[{"anything-but":"true"}]}"#, r#"{"a":true}"#, true),
        // numbers by value
        (r#"{"a":[{"anything-but":300}]}"#, r#"{"a":3.0e2}"#, false),
        (
            r#"{"a":[{"anything-but":[300,400]}]}"#,
            r#"{"a":400.0}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":[300,400]}]}"#,
            r#"{"a":500}"#,
            true,
        ),
        // arrays: some element must not be excluded
        (
            r#"{"a":[{"anything-but":"a"}]}"#,
            r#"{"a":["a","b"]}"#,
            true,
        ),
        (r#"{"a":[{"anything-but":"a"}]}"#, r#"{"a":["a"]}"#, false),
        (
            r#"{"a":[{"anything-but":[100]}]}"#,
            r#"{"a":[100,50]}"#,
            true,
        ),
        // prefix / suffix / equals-ignore-case / wildcard forms
        (
            r#"{"a":[{"anything-but":{"prefix":"init"}}]}"#,
            r#"{"a":"initializing"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":"init"}}]}"#,
            r#"{"a":"running"}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":"init"}}]}"#,
            r#"{"a":42}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":["a","b"]}}]}"#,
            r#"{"a":"bx"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"prefix":["a","b"]}}]}"#,
            r#"{"a":"cx"}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"suffix":".txt"}}]}"#,
            r#"{"a":"f.txt"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"suffix":".txt"}}]}"#,
            r#"{"a":"f.png"}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"equals-ignore-case":"X"}}]}"#,
            r#"{"a":"x"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"equals-ignore-case":["X","y"]}}]}"#,
            r#"{"a":"Y"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"equals-ignore-case":"X"}}]}"#,
            r#"{"a":"z"}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}"#,
            r#"{"a":"/usr/lib/x"}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}"#,
            r#"{"a":"/usr/bin/x"}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":"*"}}]}"#,
            r#"{"a":7}"#,
            true,
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":""}}]}"#,
            r#"{"a":""}"#,
            false,
        ),
        (
            r#"{"a":[{"anything-but":{"wildcard":""}}]}"#,
            r#"{"a":"x"}"#,
            true,
        ),
        // mixed with other alternatives
        (
            r#"{"a":[{"exists":false},{"anything-but":"X"}]}"#,
            r#"{}"#,
            true,
        ),
        (
            r#"{"a":[{"exists":false},{"anything-but":"X"}]}"#,
            r#"{"a":"X"}"#,
            false,
        ),
        (
            r#"{"a":[{"exists":false},{"anything-but":"X"}]}"#,
            r#"{"a":"Y"}"#,
            true,
        ),
    ]);
}

#[test]
fn numeric() {
    check(&[
        (r#"{"n":[{"numeric":[">",100]}]}"#, r#"{"n":101.0}"#, true),
        (r#"{"n":[{"numeric":[">",100]}]}"#, r#"{"n":100}"#, false),
        (r#"{"n":[{"numeric":[">=",100]}]}"#, r#"{"n":100}"#, true),
        (r#"{"n":[{"numeric":["<",100]}]}"#, r#"{"n":100}"#, false),
        (r#"{"n":[{"numeric":["<=",100]}]}"#, r#"{"n":1e2}"#, true),
        (
            r#"{"n":[{"numeric":["=",301.8]}]}"#,
            r#"{"n":3.018e2}"#,
            true,
        ),
        (r#"{"n":[{"numeric":["=",0]}]}"#, r#"{"n":-0.0}"#, true),
        (r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#, r#"{"n":5}"#, true),
        (r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#, r#"{"n":0}"#, false),
        (r#"{"n":[{"numeric":[">=",0,"<",5]}]}"#, r#"{"n":5}"#, false),
        (r#"{"n":[{"numeric":[">=",0,"<",5]}]}"#, r#"{"n":0}"#, true),
        // only JSON numbers
        (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":"300"}"#, false),
        (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":null}"#, false),
        (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":true}"#, false),
        (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{}"#, false),
        // disjoint ranges as alternatives
        (
            r#"{"n":[{"numeric":["<",10]},{"numeric":[">",100]}]}"#,
            r#"{"n":50}"#,
            false,
        ),
        (
            r#"{"n":[{"numeric":["<",10]},{"numeric":[">",100]}]}"#,
            r#"{"n":150}"#,
            true,
        ),
        // bounds of the envelope
        (
            r#"{"n":[{"numeric":["<=",5e9]}]}"#,
            r#"{"n":5000000000}"#,
            true,
        ),
        (r#"{"n":[{"numeric":[">=",-5e9]}]}"#, r#"{"n":-5e9}"#, true),
        (
            r#"{"n":[{"numeric":[">",0]}]}"#,
            r#"{"n":5000000001}"#,
            false,
        ),
        (r#"{"n":[{"numeric":["<",0]}]}"#, r#"{"n":-1e10}"#, false),
        (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":[-1,1]}"#, true),
    ]);
}

#[test]
fn exists() {
    check(&[
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":"x"}"#, true),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":null}"#, true),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":""}"#, true),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":false}"#, true),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":[]}"#, false),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":{}}"#, false),
        (r#"{"a":[{"exists":true}]}"#, r#"{"a":{"b":1}}"#, false),
        (r#"{"a":[{"exists":true}]}"#, r#"{}"#, false),
        (r#"{"a":[{"exists":false}]}"#, r#"{}"#, true),
        (r#"{"a":[{"exists":false}]}"#, r#"{"a":null}"#, false),
        (r#"{"a":[{"exists":false}]}"#, r#"{"a":[]}"#, true),
        (r#"{"a":[{"exists":false}]}"#, r#"{"a":{"b":1}}"#, true),
        (r#"{"a":{"b":[{"exists":false}]}}"#, r#"{"x":1}"#, true),
        (
            r#"{"l":{"k":[{"exists":true}]}}"#,
            r#"{"l":[{"j":1},{"k":2}]}"#,
            true,
        ),
        (
            r#"{"l":{"k":[{"exists":false}]}}"#,
            r#"{"l":[{"j":1},{"k":2}]}"#,
            false,
        ),
        (
            r#"{"l":{"k":[{"exists":false}]}}"#,
            r#"{"l":[{"j":1},{"j":2}]}"#,
            true,
        ),
        (
            r#"{"a":[{"exists":false}], "b":["x"]}"#,
            r#"{"b":"x"}"#,
            true,
        ),
        (r#"{"a":[{"exists":true},{"exists":false}]}"#, r#"{}"#, true),
    ]);
}

#[test]
fn cidr() {
    check(&[
        (
            r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
            r#"{"ip":"10.0.0.255"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
            r#"{"ip":"10.0.1.0"}"#,
            false,
        ),
        // host bits beyond the mask are ignored
        (
            r#"{"ip":[{"cidr":"10.0.0.77/24"}]}"#,
            r#"{"ip":"10.0.0.1"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"0.0.0.0/0"}]}"#,
            r#"{"ip":"255.255.255.255"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"10.0.0.0/8"}]}"#,
            r#"{"ip":"10.0.0.256"}"#,
            false,
        ),
        (
            r#"{"ip":[{"cidr":"10.0.0.0/8"}]}"#,
            r#"{"ip":"ec2.amazonaws.com"}"#,
            false,
        ),
        (
            r#"{"ip":[{"cidr":"10.0.0.0/8"}]}"#,
            r#"{"ip":167772161}"#,
            false,
        ),
        (r#"{"ip":[{"cidr":"10.0.0.0/8"}]}"#, r#"{"ip":null}"#, false),
        // IPv6: any textual form
        (
            r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#,
            r#"{"ip":"2001:db8::1"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#,
            r#"{"ip":"2001:0DB8:0000:0000:0000:0000:0000:0001"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#,
            r#"{"ip":"2001:db9::1"}"#,
            false,
        ),
        (
            r#"{"ip":[{"cidr":"2001:db8::/127"}]}"#,
            r#"{"ip":"2001:db8::1"}"#,
            true,
        ),
        (
            r#"{"ip":[{"cidr":"2001:db8::/127"}]}"#,
            r#"{"ip":"2001:db8::2"}"#,
            false,
        ),
        // families stay apart
        (
            r#"{"ip":[{"cidr":"10.0.0.0/8"}]}"#,
            r#"{"ip":"a00:1::"}"#,
            false,
        ),
        (r#"{"ip":[{"cidr":"::/0"}]}"#, r#"{"ip":"10.0.0.1"}"#, false),
        (r#"{"ip":[{"cidr":"::/0"}]}"#, r#"{"ip":"::1"}"#, true),
    ]);
}

#[test]
fn ip_literal_strings_match_any_spelling() {
    check(&[
        (
            r#"{"ip":["2001:db8::1"]}"#,
            r#"{"ip":"2001:0db8:0:0:0:0:0:1"}"#,
            true,
        ),
        (r#"{"ip":["2001:DB8::1"]}"#, r#"{"ip":"2001:db8::1"}"#, true),
        (
            r#"{"ip":["2001:db8::1"]}"#,
            r#"{"ip":"2001:db8::2"}"#,
            false,
        ),
        (r#"{"ip":["10.0.0.1"]}"#, r#"{"ip":"10.0.0.1"}"#, true),
        (r#"{"ip":["10.0.0.1"]}"#, r#"{"ip":"10.0.0.10"}"#, false),
        (r#"{"ip":["::ffff:a00:1"]}"#, r#"{"ip":"10.0.0.1"}"#, false),
        // identical text always matches, even when it is not a valid address
        (r#"{"ip":["10.0.0.256"]}"#, r#"{"ip":"10.0.0.256"}"#, true),
    ]);
}

#[test]
fn or_combinations() {
    check(&[
        (r#"{"$or":[{"a":["1"]},{"b":["2"]}]}"#, r#"{"b":"2"}"#, true),
        (
            r#"{"$or":[{"a":["1"]},{"b":["2"]}]}"#,
            r#"{"c":"3"}"#,
            false,
        ),
        // ANDed with siblings
        (
            r#"{"s":["x"],"$or":[{"a":["1"]},{"b":["2"]}]}"#,
            r#"{"s":"y","a":"1"}"#,
            false,
        ),
        (
            r#"{"s":["x"],"$or":[{"a":["1"]},{"b":["2"]}]}"#,
            r#"{"s":"x","a":"1"}"#,
            true,
        ),
        // nested inside an object, paths relative to it
        (
            r#"{"detail":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"d":[{"numeric":["<",10]}]}]}}"#,
            r#"{"detail":{"d":3}}"#,
            true,
        ),
        (
            r#"{"detail":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"d":[{"numeric":["<",10]}]}]}}"#,
            r#"{"detail":{"c":6,"d":11}}"#,
            false,
        ),
        // nested $or inside a branch
        (
            r#"{"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]}"#,
            r#"{"c":"3"}"#,
            true,
        ),
        (
            r#"{"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]}"#,
            r#"{"d":"4"}"#,
            false,
        ),
        // two $or at different levels are ANDed
        (
            r#"{"$or":[{"a":["1"]},{"b":["2"]}],"x":{"$or":[{"c":["3"]},{"d":["4"]}]}}"#,
            r#"{"b":"2","x":{"d":"4"}}"#,
            true,
        ),
        (
            r#"{"$or":[{"a":["1"]},{"b":["2"]}],"x":{"$or":[{"c":["3"]},{"d":["4"]}]}}"#,
            r#"{"b":"2","x":{"e":"5"}}"#,
            false,
        ),
        // $or under a path that runs through arrays
        (
            r#"{"l":{"$or":[{"a":["1"]},{"b":["2"]}]}}"#,
            r#"{"l":[{"a":"0"},{"b":"2"}]}"#,
            true,
        ),
        // with exists:false in a branch
        (
            r#"{"$or":[{"a":[{"exists":false}]},{"a":["x"]}]}"#,
            r#"{"b":1}"#,
            true,
        ),
    ]);
}

#[test]
fn duplicate_keys_last_one_wins() {
    check(&[
        (r#"{"a":["x"],"a":["y"]}"#, r#"{"a":"y"}"#, true),
        (r#"{"a":["x"],"a":["y"]}"#, r#"{"a":"x"}"#, false),
        // a condition after a $or replaces the same path in every branch
        (
            r#"{"$or":[{"a":["1"]},{"b":["2"]}],"a":["9"]}"#,
            r#"{"a":"1"}"#,
            false,
        ),
        (
            r#"{"$or":[{"a":["1"]},{"b":["2"]}],"a":["9"]}"#,
            r#"{"a":"9","b":"2"}"#,
            true,
        ),
    ]);
}

#[test]
fn compile_from_value_agrees_with_parse() {
    let mut paths = PathSet::new();
    let value = serde_json::json!({"detail": {"eventName": [{"prefix": "Delete"}]}});
    let compiled = Pattern::compile(&value, &mut paths).unwrap();
    let event = serde_json::json!({"detail": {"eventName": "DeleteTrail"}});
    let view = EventView::from_value(&event, &paths).unwrap();
    assert!(compiled.matches(&view));
    assert_eq!(
        compiled.paths(),
        vec![paths.get("detail.eventName").unwrap()]
    );
}

const ENVELOPE: &str = r#"{"id":"1","account":"111122223333","source":"aws.iam","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"CreateUser"}}"#;

#[test]
fn test_event_pattern_like_the_api() {
    assert_eq!(
        test_event_pattern(r#"{"detail":{"eventName":["CreateUser"]}}"#, ENVELOPE),
        Ok(true)
    );
    assert_eq!(
        test_event_pattern(r#"{"source":["aws.ec2"]}"#, ENVELOPE),
        Ok(false)
    );
    let invalid = test_event_pattern(r#"{"source":"aws.ec2"}"#, ENVELOPE).unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "Event pattern is not valid. Reason: \"source\" must be an object or an array"
    );
    assert_eq!(
        test_event_pattern(r#"{"source":["aws.iam"]}"#, r#"{"source":"aws.iam"}"#),
        Err(TestPatternError::InvalidEvent)
    );
    assert_eq!(
        test_event_pattern(r#"{"source":["aws.iam"]}"#, "[1]"),
        Err(TestPatternError::InvalidEvent)
    );
    assert_eq!(
        TestPatternError::InvalidEvent.to_string(),
        "Parameter Event is not valid."
    );
}
