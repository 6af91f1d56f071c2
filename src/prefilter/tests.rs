use super::*;

fn pairs(cov: &Coverage) -> Vec<(&str, &str)> {
    cov.pairs
        .iter()
        .map(|(s, n)| (s.as_str(), n.as_str()))
        .collect()
}

#[test]
fn a_rule_on_a_read_only_call_needs_its_pair() {
    let cov = coverage(&json!({
        "source": ["aws.ec2"],
        "detail": { "eventSource": ["ec2.amazonaws.com"], "eventName": ["GetPasswordData", "RunInstances"] }
    }));
    assert_eq!(pairs(&cov), [("ec2.amazonaws.com", "GetPasswordData")]);
    assert!(cov.open.is_empty());
}

#[test]
fn writes_failures_and_root_need_nothing() {
    for pattern in [
        json!({ "detail": { "eventSource": ["iam.amazonaws.com"], "eventName": ["CreateUser"] } }),
        json!({ "detail": { "errorCode": [{ "exists": true }] } }),
        json!({ "detail": { "readOnly": [false] } }),
        json!({ "detail": { "userIdentity": { "type": ["Root"] } } }),
        json!({ "detail-type": ["AWS Insight via CloudTrail"] }),
        json!({ "detail": { "eventName": [{ "prefix": "UpdateFunctionCode" }] } }),
    ] {
        assert_eq!(coverage(&pattern), Coverage::default(), "{pattern}");
    }
}

#[test]
fn or_branches_are_each_covered() {
    let cov = coverage(&json!({
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "$or": [
                { "eventName": ["GetSecretValue"] },
                { "eventName": ["DeleteSecret"] },
                { "eventName": ["ListSecrets"], "errorCode": [{ "exists": true }] }
            ]
        }
    }));
    assert_eq!(
        pairs(&cov),
        [("secretsmanager.amazonaws.com", "GetSecretValue")]
    );
}

#[test]
fn unnamed_read_only_calls_are_open() {
    for pattern in [
        json!({ "detail": { "eventSource": ["s3.amazonaws.com"] } }),
        json!({ "detail": { "eventName": ["GetObject"] } }),
        json!({ "detail": { "eventSource": ["ec2.amazonaws.com"], "eventName": [{ "prefix": "Describe" }] } }),
        json!({ "detail": { "eventSource": ["ec2.amazonaws.com"], "eventName": [{ "wildcard": "*Snapshot*" }] } }),
        json!({ "detail": { "eventName": [{ "anything-but": "HeadBucket" }] } }),
    ] {
        let cov = coverage(&pattern);
        assert!(
            cov.pairs.is_empty() && !cov.open.is_empty(),
            "{pattern}: {cov:?}"
        );
    }
}

#[test]
fn the_pattern_adds_one_branch_per_source() {
    let rule = |pattern: Value| crate::testing::rule("r", pattern);
    let rules = [
        rule(
            json!({ "detail": { "eventSource": ["ssm.amazonaws.com"], "eventName": ["GetParameter", "GetParameters"] } }),
        ),
        rule(
            json!({ "detail": { "eventSource": ["ec2.amazonaws.com"], "eventName": ["GetPasswordData"] } }),
        ),
    ];
    let p = pattern(&rules);
    let or = p["$or"].as_array().map(Vec::len);
    assert_eq!(or, Some(base_branches().len() + 2));
    assert!(hidden(&rules[0], &p).is_none());
    assert!(hidden(&rules[0], &base()).is_some());
}

#[test]
fn read_only_names_come_from_the_data_file() {
    assert!(is_read_only("DescribeInstances"));
    assert!(is_read_only("Decrypt"));
    assert!(!is_read_only("DeleteDetector"));
    assert!(!is_read_only("Signal"));
}

#[test]
fn a_source_in_every_or_branch_names_the_source() {
    assert!(names_source(&json!({ "source": ["aws.iam"] })));
    assert!(names_source(
        &json!({ "$or": [{ "source": ["aws.wafv2"] }, { "source": ["aws.waf-regional"] }] })
    ));
    assert!(!names_source(
        &json!({ "$or": [{ "source": ["aws.wafv2"] }, { "detail": { "eventName": ["X"] } }] })
    ));
    assert!(!names_source(&json!({ "detail": { "eventName": ["X"] } })));
}
