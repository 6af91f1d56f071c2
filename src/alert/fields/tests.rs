use super::super::testing::{build, build_with, builtin_rule};
use super::*;
use serde_json::json;

#[test]
fn security_group_rules_show_protocol_ports_and_cidrs() {
    let a = build_with(
        &builtin_rule("security-group-change"),
        json!({"detail": {
            "eventName": "AuthorizeSecurityGroupIngress",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {
                "groupId": "sg-0123456789abcdef0",
                "ipPermissions": {"items": [
                    {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                     "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                     "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}},
                    {"ipProtocol": "-1", "groups": {"items": [{"groupId": "sg-1"}]}},
                    {"ipProtocol": "udp", "fromPort": 1000, "toPort": 2000, "ipRanges": {}}
                ]}
            }
        }}),
    );
    assert_eq!(
        a.request_fields,
        vec![
            ("Group id".to_string(), "sg-0123456789abcdef0".to_string()),
            (
                "Rules".to_string(),
                "tcp 22 from 0.0.0.0/0, ::/0; all traffic from sg-1; udp 1000-2000".to_string()
            ),
        ]
    );
}

#[test]
fn kms_nacl_insight_and_generic_fields() {
    let kms = build_with(
        &builtin_rule("kms-key-disable-or-deletion"),
        json!({"detail": {
            "eventName": "ScheduleKeyDeletion", "eventSource": "kms.amazonaws.com",
            "requestParameters": {"keyId": "1234abcd", "pendingWindowInDays": 7}
        }}),
    );
    assert_eq!(
        kms.request_fields,
        vec![
            ("Key id".to_string(), "1234abcd".to_string()),
            ("Pending days".to_string(), "7".to_string())
        ]
    );
    let nacl = build_with(
        &builtin_rule("network-acl-change"),
        json!({"detail": {
            "eventName": "CreateNetworkAclEntry", "eventSource": "ec2.amazonaws.com",
            "requestParameters": {"networkAclId": "acl-1", "ruleNumber": 100, "cidrBlock": "0.0.0.0/0",
                "egress": false, "ruleAction": "allow", "portRange": {"from": 22, "to": 22}}
        }}),
    );
    let labels: Vec<&str> = nacl
        .request_fields
        .iter()
        .map(|(l, _)| l.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "Network ACL",
            "Rule number",
            "CIDR",
            "Egress",
            "Action",
            "Ports"
        ]
    );
    assert_eq!(nacl.request_fields[5].1, "from=22, to=22");
    let insight = build_with(
        &builtin_rule("cloudtrail-insight"),
        json!({"detail": {
            "eventCategory": "Insight", "eventSource": "cloudtrail.amazonaws.com",
            "insightDetails": {"state": "Start", "eventName": "RunInstances", "insightType": "ApiCallRateInsight"}
        }}),
    );
    assert_eq!(
        insight.request_fields[0],
        ("Insight state".into(), "Start".into())
    );
    let generic = build(json!({"detail": {
        "eventName": "DeleteFunction", "eventSource": "lambda.amazonaws.com",
        "requestParameters": {"functionName": "f", "qualifier": 3, "nested": {"a": 1},
            "Severity: low\n": "x", "b": true, "c": "c", "d": "d"}
    }}));
    assert_eq!(generic.request_fields.len(), 4);
    assert!(generic.request_fields.iter().all(|(k, _)| !k.contains(' ')));
}

#[test]
fn request_values_are_capped() {
    let a = build(json!({"detail": {
        "eventName": "PutBucketPolicy", "eventSource": "s3.amazonaws.com",
        "requestParameters": {"bucketName": "x".repeat(5000)}
    }}));
    assert_eq!(a.request_fields[0].1.chars().count(), REQUEST_VALUE_MAX);
    assert!(a.request_fields[0].1.ends_with("..."));
}

fn field(label: &str, paths: &[&str], event_source: Option<&str>) -> RequestField {
    RequestField {
        label: label.into(),
        paths: paths.iter().map(|p| FieldPath::parse(p).unwrap()).collect(),
        format: FieldFormat::Text,
        event_source: event_source.map(str::to_string),
    }
}

#[test]
fn first_present_non_null_path_wins_and_arrays_are_indexed() {
    let record = json!({
        "requestParameters": {"name": null, "trailName": "org"},
        "resources": [{"ARN": "arn:aws:s3:::b"}],
    });
    let fields = [
        field(
            "Trail",
            &[
                "requestParameters.missing",
                "requestParameters.name",
                "requestParameters.trailName",
            ],
            None,
        ),
        field("Resource", &["resources.0.ARN"], None),
        field("Absent", &["resources.1.ARN", "resources.x"], None),
    ];
    assert_eq!(
        request_fields(&record, &fields),
        vec![
            ("Trail".to_string(), "org".to_string()),
            ("Resource".to_string(), "arn:aws:s3:::b".to_string())
        ]
    );
}

#[test]
fn fields_for_another_event_source_leave_the_generic_fallback() {
    let fields = [field(
        "Trail",
        &["requestParameters.name"],
        Some("cloudtrail.amazonaws.com"),
    )];
    let trail = json!({"eventSource": "cloudtrail.amazonaws.com",
        "requestParameters": {"name": "org", "other": "x"}});
    assert_eq!(
        request_fields(&trail, &fields),
        vec![("Trail".to_string(), "org".to_string())]
    );
    let policy = json!({"eventSource": "organizations.amazonaws.com",
        "requestParameters": {"name": "deny-all"}});
    assert_eq!(
        request_fields(&policy, &fields),
        vec![("name".to_string(), "deny-all".to_string())]
    );
}

#[test]
fn most_shown_counts_the_fullest_record() {
    let fields = [
        field("A", &["a"], None),
        field("B", &["b"], Some("s3.amazonaws.com")),
        field("C", &["c"], Some("s3.amazonaws.com")),
        field("D", &["d"], Some("iam.amazonaws.com")),
    ];
    assert_eq!(most_shown(&fields), 3);
    assert_eq!(most_shown(&fields[..1]), 1);
    assert_eq!(most_shown(&[]), 0);
}

#[test]
fn path_syntax() {
    for ok in [
        "requestParameters.x-amz-acl",
        "insightDetails.insightContext.statistics.baseline.average",
        "resources.0.ARN",
        "eventName",
    ] {
        assert_eq!(
            FieldPath::parse(ok).map(|p| p.to_string()),
            Ok(ok.to_string())
        );
    }
    for (bad, says) in [
        ("", "empty"),
        ("requestParameters..groupId", "empty parts"),
        (".groupId", "empty parts"),
        ("groupId.", "empty parts"),
        ("requestParameters.group id", "` `"),
        ("$.requestParameters", "`$`"),
        ("requestParameters[0]", "`[`"),
        (
            "detail.requestParameters.groupId",
            "write `requestParameters.groupId`",
        ),
    ] {
        let err = FieldPath::parse(bad).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
    assert!(FieldPath::parse(&"a.".repeat(200)).is_err());
}

/// The built-in pack's fields are data: each path is checked against the
/// CloudTrail records the rule is tested with, so a misspelt path shows.
#[test]
fn every_builtin_rule_with_fields_shows_them_on_its_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let pack = crate::rules::load_sources(&[], true).unwrap_or_else(|e| panic!("{e:?}"));
    let mut checked = 0;
    for rule in pack.rules.iter().filter(|r| !r.fields.is_empty()) {
        let dir = root.join(&rule.id).join("match");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut shown = std::collections::BTreeSet::new();
        for file in files {
            let event: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let alert = build_with(rule, event);
            let declared = |label: &str| rule.fields.iter().any(|f| f.label == label);
            // Some calls carry nothing (LeaveOrganization's requestParameters is null).
            let has_facts = ["requestParameters", "insightDetails"]
                .iter()
                .any(|k| alert.record.get(k).is_some_and(Value::is_object));
            assert!(
                !has_facts
                    || alert.request_fields.iter().any(|(l, _)| declared(l))
                    || rule.fields.iter().all(|f| f.event_source.is_some()),
                "{}: no declared field shown for {}",
                rule.id,
                file.display()
            );
            shown.extend(alert.request_fields.into_iter().map(|(l, _)| l));
            checked += 1;
        }
        assert!(!shown.is_empty(), "{}", rule.id);
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn a_star_segment_takes_the_first_member_that_has_the_rest() {
    // The shape CloudTrail logs for EC2's newer calls.
    let record = json!({"requestParameters": {
        "CreateTransitGatewayRouteRequest": {
            "TransitGatewayRouteTableId": "tgw-rtb-0a1b2c3d4e5f60718",
            "DestinationCidrBlock": "10.50.0.0/16",
            "Blackhole": null
        }
    }, "resources": [{"type": "x"}, {"ARN": "arn:aws:ec2:::y"}]});
    let fields = [
        field(
            "Route table",
            &[
                "requestParameters.transitGatewayRouteTableId",
                "requestParameters.*.TransitGatewayRouteTableId",
            ],
            None,
        ),
        field("Blackhole", &["requestParameters.*.Blackhole"], None),
        field("Resource", &["resources.*.ARN"], None),
        field("Absent", &["requestParameters.*.VpcId", "*.*.*.*"], None),
    ];
    assert_eq!(
        request_fields(&record, &fields),
        vec![
            (
                "Route table".to_string(),
                "tgw-rtb-0a1b2c3d4e5f60718".to_string()
            ),
            ("Resource".to_string(), "arn:aws:ec2:::y".to_string()),
        ]
    );
    assert_eq!(
        FieldPath::parse("requestParameters.*.VpcId").map(|p| p.to_string()),
        Ok("requestParameters.*.VpcId".to_string())
    );
    let err = FieldPath::parse("requestParameters.Create*.VpcId").unwrap_err();
    assert!(err.contains("stands alone"), "{err}");
}

#[test]
fn transit_gateway_alerts_show_the_wrapped_parameters() {
    let rule = builtin_rule("transit-gateway-change");
    let alert = build_with(
        &rule,
        json!({"detail": {
            "eventName": "CreateTransitGatewayVpcAttachment",
            "eventSource": "ec2.amazonaws.com",
            "requestParameters": {"CreateTransitGatewayVpcAttachmentRequest": {
                "TransitGatewayId": "tgw-0123456789abcdef0",
                "VpcId": "vpc-0bb22cc33dd44ee55",
                "SubnetIds": {"item": "subnet-0123456789abcdef0", "tag": 1}
            }}
        }}),
    );
    assert_eq!(
        alert.request_fields,
        vec![
            (
                "Transit gateway".to_string(),
                "tgw-0123456789abcdef0".to_string()
            ),
            ("VPC".to_string(), "vpc-0bb22cc33dd44ee55".to_string()),
        ]
    );
}
