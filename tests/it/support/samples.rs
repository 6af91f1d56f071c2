//! What each sample event in `events/` fires with the built-in pack, shared by
//! the pack's own tests and the CLI's so the two cannot drift apart.

/// Rule ids in the order `evaluate` prints them (rule-file order). A new
/// sample must be added here.
pub const SAMPLE_ALERTS: &[(&str, &[&str])] = &[
    ("cloudtrail-insight", &["cloudtrail-insight"]),
    ("cloudtrail-log-file", &["root-account-usage"]),
    ("cloudtrail-stop-logging", &["cloudtrail-config-change"]),
    ("config-stop-recorder", &["config-service-change"]),
    ("console-login-failure", &["console-login-failure"]),
    ("console-login-no-mfa", &["console-login-without-mfa"]),
    ("console-login-sso", &[]),
    ("describe-transit-gateways", &[]),
    ("ec2-state-change", &[]),
    ("headbucket-access-denied", &[]),
    ("iam-put-role-policy", &["iam-policy-change"]),
    ("internet-gateway-attach", &["network-gateway-change"]),
    (
        "kms-schedule-key-deletion",
        &["kms-key-disable-or-deletion"],
    ),
    ("network-acl-entry", &["network-acl-change"]),
    (
        "organizations-leave",
        &[
            "root-account-usage",
            "organizations-change",
            "organization-leave",
        ],
    ),
    ("root-console-login", &["root-account-usage"]),
    ("root-invoked-by-service", &[]),
    ("root-service-event", &[]),
    ("route-create", &["route-table-change"]),
    ("s3-get-object", &[]),
    (
        "s3-put-bucket-policy",
        &["s3-bucket-policy-change", "s3-bucket-policy-public"],
    ),
    (
        "security-group-ingress-open",
        &["security-group-change", "security-group-admin-port-open"],
    ),
    ("transit-gateway-route-create", &["transit-gateway-change"]),
    ("unauthorized-ec2-describe", &["unauthorized-api-call"]),
    ("vpc-create", &["vpc-change"]),
];
