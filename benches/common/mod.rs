//! A deterministic, realistic CloudTrail corpus and a synthetic rule set, shared
//! by the benchmarks and `examples/gen-corpus.rs`.
//!
//! The corpus mimics what an organisation trail delivers through EventBridge:
//! mostly read calls (Describe/List/Get, AssumeRole, KMS Decrypt) by assumed
//! roles and services, some writes, a few console sign-ins, the odd non-CloudTrail
//! event; records of 1–5 KB with a few hundred-KB `requestParameters`. Only about
//! one event in a hundred fires a built-in rule.
//!
//! Not every user of this module needs every item.
#![allow(dead_code)]

use std::fmt::Write as _;

pub mod small;

/// SplitMix64: reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(len);
        s
    }

    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
}

/// A JSON value that keeps its keys in the order written, as CloudTrail does.
pub enum J {
    S(String),
    N(i64),
    B(bool),
    Null,
    A(Vec<J>),
    O(Vec<(&'static str, J)>),
    /// An object whose keys are computed (bucket names, tag keys).
    Map(Vec<(String, J)>),
}

pub fn s(text: impl Into<String>) -> J {
    J::S(text.into())
}

impl J {
    pub fn write(&self, out: &mut String) {
        match self {
            J::S(text) => write_str(out, text),
            J::N(n) => {
                let _ = write!(out, "{n}");
            }
            J::B(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Null => out.push_str("null"),
            J::A(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::O(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            J::Map(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

const ACCOUNTS: &[&str] = &[
    "111122223333",
    "444455556666",
    "777788889999",
    "123456789012",
    "210987654321",
];
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
];
const ROLES: &[&str] = &[
    "Admin",
    "ReadOnly",
    "deploy-pipeline",
    "app-orders-api",
    "app-billing-worker",
    "datadog-integration",
    "AWSReservedSSO_PowerUser_0123456789abcdef",
    "eks-node-group-prod",
    "lambda-exec-ingest",
    "terraform-apply",
];
const USERS: &[&str] = &["alice", "bob", "carol", "ci-bot", "svc-backup"];
const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0",
    "Boto3/1.34.61 md/Botocore#1.34.61 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.61",
    "console.amazonaws.com",
    "Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2",
    "aws-internal/3 aws-sdk-java/1.12.670 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard",
];
const SERVICE_PRINCIPALS: &[&str] = &[
    "autoscaling.amazonaws.com",
    "cloudformation.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
];

/// A service, its read calls, write calls that fire no built-in rule, and write calls that do.
type Service = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const SERVICES: &[Service] = &[
    (
        "ec2",
        &[
            "DescribeInstances",
            "DescribeSecurityGroups",
            "DescribeVolumes",
            "DescribeSubnets",
            "DescribeNetworkInterfaces",
            "DescribeTransitGateways",
            "DescribeInstanceStatus",
            "DescribeVpcs",
        ],
        &[
            "CreateTags",
            "RunInstances",
            "ModifyInstanceAttribute",
            "TerminateInstances",
            "CreateVolume",
            "AttachVolume",
        ],
        &["AuthorizeSecurityGroupIngress", "CreateRoute", "CreateVpc"],
    ),
    (
        "s3",
        &[
            "GetBucketAcl",
            "GetBucketPolicy",
            "ListBuckets",
            "GetBucketLocation",
            "HeadBucket",
            "GetBucketVersioning",
        ],
        &["CreateBucket", "PutBucketTagging", "PutBucketEncryption"],
        &["PutBucketPolicy"],
    ),
    (
        "iam",
        &[
            "GetRole",
            "ListRoles",
            "GetPolicy",
            "ListAttachedRolePolicies",
            "GetAccountAuthorizationDetails",
        ],
        &["CreateRole", "TagRole", "CreateServiceLinkedRole"],
        &["PutRolePolicy", "AttachRolePolicy"],
    ),
    (
        "sts",
        &[
            "AssumeRole",
            "AssumeRole",
            "GetCallerIdentity",
            "AssumeRoleWithWebIdentity",
        ],
        &[],
        &[],
    ),
    (
        "kms",
        &[
            "Decrypt",
            "GenerateDataKey",
            "Encrypt",
            "DescribeKey",
            "ListAliases",
        ],
        &["CreateAlias", "CreateGrant"],
        &["ScheduleKeyDeletion"],
    ),
    (
        "lambda",
        &[
            "GetFunction",
            "ListFunctions20150331",
            "GetPolicy20150331v2",
        ],
        &[
            "UpdateFunctionCode20150331v2",
            "UpdateFunctionConfiguration20150331v2",
        ],
        &[],
    ),
    (
        "logs",
        &["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents"],
        &["CreateLogStream", "PutRetentionPolicy", "CreateLogGroup"],
        &[],
    ),
    (
        "cloudformation",
        &[
            "DescribeStacks",
            "ListStacks",
            "DescribeStackEvents",
            "GetTemplate",
        ],
        &["CreateStack", "UpdateStack", "CreateChangeSet"],
        &[],
    ),
    (
        "dynamodb",
        &["DescribeTable", "ListTables", "DescribeContinuousBackups"],
        &["UpdateTable", "CreateBackup"],
        &[],
    ),
    (
        "ssm",
        &[
            "GetParameter",
            "GetParameters",
            "DescribeInstanceInformation",
        ],
        &["UpdateInstanceInformation", "PutParameter"],
        &[],
    ),
    (
        "monitoring",
        &["DescribeAlarms", "GetMetricData", "ListMetrics"],
        &["PutMetricAlarm"],
        &[],
    ),
    (
        "secretsmanager",
        &["GetSecretValue", "DescribeSecret", "ListSecrets"],
        &["PutSecretValue"],
        &[],
    ),
    (
        "ecr",
        &[
            "GetAuthorizationToken",
            "BatchGetImage",
            "DescribeRepositories",
        ],
        &["PutImage"],
        &[],
    ),
    (
        "cloudtrail",
        &["DescribeTrails", "GetTrailStatus", "LookupEvents"],
        &[],
        &["StopLogging"],
    ),
];

/// Filler resembling real parameter values (ids, ARNs, tags).
fn words(rng: &mut Rng, bytes: usize) -> String {
    const PARTS: &[&str] = &[
        "i-0a1b2c3d4e5f",
        "arn:aws:ec2:us-east-1:111122223333:instance/",
        "vol-0f9e8d7c6b",
        "sg-0123abcd",
        "subnet-0456efab",
        "prod",
        "orders",
        "2025-03-11T10:15:42Z",
        "application/json",
        "eks:cluster-name",
        "kubernetes.io/role/elb",
    ];
    let mut out = String::with_capacity(bytes + 48);
    while out.len() < bytes {
        let part = PARTS[rng.below(PARTS.len())];
        out.push_str(part);
        out.push_str(&rng.hex(6));
        out.push(' ');
    }
    out
}

fn user_identity(rng: &mut Rng, account: &str, kind: u64) -> J {
    match kind {
        // A service acting on the account's behalf.
        0..=99 => J::O(vec![
            ("type", s("AWSService")),
            ("invokedBy", s(*rng.pick(SERVICE_PRINCIPALS))),
        ]),
        100..=179 => {
            let user = *rng.pick(USERS);
            J::O(vec![
                ("type", s("IAMUser")),
                (
                    "principalId",
                    s(format!("AIDA{}", rng.hex(16).to_uppercase())),
                ),
                ("arn", s(format!("arn:aws:iam::{account}:user/{user}"))),
                ("accountId", s(account)),
                (
                    "accessKeyId",
                    s(format!("AKIA{}", rng.hex(16).to_uppercase())),
                ),
                ("userName", s(user)),
            ])
        }
        _ => {
            let role = *rng.pick(ROLES);
            let session = format!("{}-{}", rng.pick(USERS), rng.hex(8));
            let role_id = format!("AROA{}", rng.hex(16).to_uppercase());
            J::O(vec![
                ("type", s("AssumedRole")),
                ("principalId", s(format!("{role_id}:{session}"))),
                (
                    "arn",
                    s(format!(
                        "arn:aws:sts::{account}:assumed-role/{role}/{session}"
                    )),
                ),
                ("accountId", s(account)),
                (
                    "accessKeyId",
                    s(format!("ASIA{}", rng.hex(16).to_uppercase())),
                ),
                (
                    "sessionContext",
                    J::O(vec![
                        (
                            "sessionIssuer",
                            J::O(vec![
                                ("type", s("Role")),
                                ("principalId", s(role_id)),
                                ("arn", s(format!("arn:aws:iam::{account}:role/{role}"))),
                                ("accountId", s(account)),
                                ("userName", s(role)),
                            ]),
                        ),
                        ("webIdFederationData", J::O(vec![])),
                        (
                            "attributes",
                            J::O(vec![
                                ("creationDate", s("2025-03-11T08:58:12Z")),
                                (
                                    "mfaAuthenticated",
                                    s(if rng.chance(300) { "true" } else { "false" }),
                                ),
                            ]),
                        ),
                    ]),
                ),
            ])
        }
    }
}

/// `requestParameters` of about `bytes` bytes: nested objects and arrays, as
/// Describe filters and RunInstances requests are.
fn request_parameters(rng: &mut Rng, bytes: usize) -> J {
    let mut items = Vec::new();
    let mut size = 0;
    while size < bytes {
        let len = rng.range(20, 120);
        let value = words(rng, len);
        size += value.len() + 80;
        items.push(J::O(vec![
            ("name", s(format!("tag:{}", rng.hex(6)))),
            (
                "valueSet",
                J::O(vec![("items", J::A(vec![J::O(vec![("value", s(value))])]))]),
            ),
            ("maxResults", J::N(rng.range(5, 1000) as i64)),
        ]));
    }
    J::O(vec![
        (
            "instancesSet",
            J::O(vec![(
                "items",
                J::A(vec![J::O(vec![(
                    "instanceId",
                    s(format!("i-{}", rng.hex(17))),
                )])]),
            )]),
        ),
        ("filterSet", J::O(vec![("items", J::A(items))])),
        ("includeAllInstances", J::B(rng.chance(500))),
    ])
}

/// A few hundred KB of parameters: a CloudFormation template body (one long
/// string with escapes) or a long nested list, as real outliers are.
fn huge_parameters(rng: &mut Rng) -> J {
    let bytes = rng.range(100_000, 400_000);
    if rng.chance(500) {
        let mut body = String::with_capacity(bytes + 200);
        body.push_str("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {\n");
        while body.len() < bytes {
            let _ = writeln!(
                body,
                "    \"Queue{}\": {{\"Type\": \"AWS::SQS::Queue\", \"Properties\": {{\"QueueName\": \"{}\"}}}},",
                rng.hex(6),
                words(rng, 40)
            );
        }
        body.push_str("  }\n}\n");
        J::O(vec![
            ("stackName", s(format!("app-{}", rng.hex(6)))),
            ("templateBody", s(body)),
            ("capabilities", J::A(vec![s("CAPABILITY_IAM")])),
        ])
    } else {
        request_parameters(rng, bytes)
    }
}

fn response_elements(rng: &mut Rng, service: &str, name: &str, account: &str, small: bool) -> J {
    match (service, name) {
        ("sts", "AssumeRole" | "AssumeRoleWithWebIdentity") => J::O(vec![
            (
                "credentials",
                J::O(vec![
                    (
                        "accessKeyId",
                        s(format!("ASIA{}", rng.hex(16).to_uppercase())),
                    ),
                    ("sessionToken", s(rng.hex(400))),
                    ("expiration", s("Mar 11, 2025, 11:15:42 AM")),
                ]),
            ),
            (
                "assumedRoleUser",
                J::O(vec![
                    (
                        "assumedRoleId",
                        s(format!("AROA{}:{}", rng.hex(16), rng.hex(8))),
                    ),
                    (
                        "arn",
                        s(format!(
                            "arn:aws:sts::{account}:assumed-role/{}/{}",
                            rng.pick(ROLES),
                            rng.hex(8)
                        )),
                    ),
                ]),
            ),
        ]),
        ("kms", _) => J::Null,
        _ if name.starts_with("Describe")
            || name.starts_with("Get")
            || name.starts_with("List")
            || name.starts_with("Head") =>
        {
            J::Null
        }
        _ => J::O(vec![
            ("requestId", s(rng.uuid())),
            ("_return", J::B(true)),
            ("result", {
                let len = if small {
                    rng.range(20, 200)
                } else {
                    rng.range(100, 1500)
                };
                s(words(rng, len))
            }),
        ]),
    }
}

/// One EventBridge event as a single line of JSON.
pub fn event(rng: &mut Rng) -> String {
    event_sized(rng, false)
}

/// One event; `small` keeps parameters and responses short (records of about
/// 1–2 KB, see `small.rs`) and draws the same random numbers otherwise.
pub(crate) fn event_sized(rng: &mut Rng, small: bool) -> String {
    let roll = rng.below(1000);
    let account = *rng.pick(ACCOUNTS);
    let region = *rng.pick(REGIONS);
    let time = format!(
        "2025-03-{:02}T{:02}:{:02}:{:02}Z",
        rng.range(1, 28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
    let id = rng.uuid();
    let mut out = String::with_capacity(4096);
    if roll < 10 {
        // Not CloudTrail at all.
        J::O(vec![
            ("version", s("0")),
            ("id", s(id)),
            ("detail-type", s("EC2 Instance State-change Notification")),
            ("source", s("aws.ec2")),
            ("account", s(account)),
            ("time", s(time)),
            ("region", s(region)),
            (
                "resources",
                J::A(vec![s(format!(
                    "arn:aws:ec2:{region}:{account}:instance/i-{}",
                    rng.hex(17)
                ))]),
            ),
            (
                "detail",
                J::O(vec![
                    ("instance-id", s(format!("i-{}", rng.hex(17)))),
                    ("state", s(*rng.pick(&["running", "stopped", "terminated"]))),
                ]),
            ),
        ])
        .write(&mut out);
        return out;
    }
    if roll < 25 {
        sign_in(rng, account, region, time, id).write(&mut out);
        return out;
    }
    let (service, reads, quiet_writes, loud_writes) = *rng.pick(SERVICES);
    let write_roll = rng.below(1000);
    let name = if write_roll < 8 && !loud_writes.is_empty() {
        *rng.pick(loud_writes)
    } else if write_roll < 150 && !quiet_writes.is_empty() {
        *rng.pick(quiet_writes)
    } else {
        *rng.pick(reads)
    };
    let read_only = reads.contains(&name);
    let identity_kind = if rng.chance(1) {
        1000
    } else {
        rng.below(1000) as u64
    };
    let identity = if identity_kind == 1000 {
        // Root, rarely, and acting itself: fires root-account-usage.
        J::O(vec![
            ("type", s("Root")),
            ("principalId", s(account)),
            ("arn", s(format!("arn:aws:iam::{account}:root"))),
            ("accountId", s(account)),
        ])
    } else {
        user_identity(rng, account, identity_kind)
    };
    let params = if rng.chance(4) && !small {
        huge_parameters(rng)
    } else if small {
        let size = rng.range(20, 500);
        request_parameters(rng, size)
    } else {
        let size = rng.range(200, 3500);
        request_parameters(rng, size)
    };
    let error = if rng.chance(40) {
        let code = *rng.pick(&[
            "ThrottlingException",
            "ResourceNotFoundException",
            "NoSuchBucketPolicy",
            "InvalidParameterValue",
            "Client.DryRunOperation",
            "AccessDenied",
        ]);
        // Most AccessDenied noise in a real trail is HeadBucket probing.
        let code = if code == "AccessDenied" && !rng.chance(100) && name != "HeadBucket" {
            "ThrottlingException"
        } else {
            code
        };
        Some(code)
    } else {
        None
    };
    let mut detail = vec![
        ("eventVersion", s("1.09")),
        ("userIdentity", identity),
        ("eventTime", s(time.clone())),
        ("eventSource", s(format!("{service}.amazonaws.com"))),
        ("eventName", s(name)),
        ("awsRegion", s(region)),
        (
            "sourceIPAddress",
            s(format!(
                "{}.{}.{}.{}",
                rng.range(1, 223),
                rng.below(256),
                rng.below(256),
                rng.range(1, 254)
            )),
        ),
        ("userAgent", s(*rng.pick(AGENTS))),
    ];
    if let Some(code) = error {
        detail.push(("errorCode", s(code)));
        detail.push((
            "errorMessage",
            s(format!("Request failed for {name}: {}", words(rng, 40))),
        ));
    }
    detail.push(("requestParameters", params));
    detail.push((
        "responseElements",
        if error.is_some() {
            J::Null
        } else {
            response_elements(rng, service, name, account, small)
        },
    ));
    detail.push(("requestID", s(rng.uuid())));
    detail.push(("eventID", s(rng.uuid())));
    detail.push(("readOnly", J::B(read_only)));
    if rng.chance(300) {
        detail.push((
            "resources",
            J::A(vec![J::O(vec![
                ("accountId", s(account)),
                (
                    "type",
                    s(format!("AWS::{}::Resource", service.to_uppercase())),
                ),
                (
                    "ARN",
                    s(format!(
                        "arn:aws:{service}:{region}:{account}:thing/{}",
                        rng.hex(12)
                    )),
                ),
            ])]),
        ));
    }
    detail.push(("eventType", s("AwsApiCall")));
    detail.push(("managementEvent", J::B(true)));
    detail.push(("recipientAccountId", s(account)));
    detail.push(("eventCategory", s("Management")));
    detail.push((
        "tlsDetails",
        J::O(vec![
            ("tlsVersion", s("TLSv1.3")),
            ("cipherSuite", s("TLS_AES_128_GCM_SHA256")),
            (
                "clientProvidedHostHeader",
                s(format!("{service}.{region}.amazonaws.com")),
            ),
        ]),
    ));
    J::O(vec![
        ("version", s("0")),
        ("id", s(id)),
        ("detail-type", s("AWS API Call via CloudTrail")),
        ("source", s(format!("aws.{service}"))),
        ("account", s(account)),
        ("time", s(time)),
        ("region", s(region)),
        ("resources", J::A(vec![])),
        ("detail", J::O(detail)),
    ])
    .write(&mut out);
    out
}

fn sign_in(rng: &mut Rng, account: &str, region: &str, time: String, id: String) -> J {
    let failed = rng.chance(50);
    let sso = rng.chance(600);
    let identity = if sso {
        user_identity(rng, account, 500)
    } else {
        user_identity(rng, account, 150)
    };
    let mut detail = vec![
        ("eventVersion", s("1.09")),
        ("userIdentity", identity),
        ("eventTime", s(time.clone())),
        ("eventSource", s("signin.amazonaws.com")),
        ("eventName", s("ConsoleLogin")),
        ("awsRegion", s(region)),
        (
            "sourceIPAddress",
            s(format!("198.51.100.{}", rng.range(1, 254))),
        ),
        (
            "userAgent",
            s(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
            ),
        ),
    ];
    if failed {
        detail.push(("errorMessage", s("Failed authentication")));
    }
    detail.push(("requestParameters", J::Null));
    detail.push((
        "responseElements",
        J::O(vec![(
            "ConsoleLogin",
            s(if failed { "Failure" } else { "Success" }),
        )]),
    ));
    detail.push((
        "additionalEventData",
        J::O(vec![
            (
                "LoginTo",
                s("https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true"),
            ),
            ("MobileVersion", s("No")),
            ("MFAUsed", s("Yes")),
        ]),
    ));
    detail.push(("eventID", s(rng.uuid())));
    detail.push(("readOnly", J::B(false)));
    detail.push(("eventType", s("AwsConsoleSignIn")));
    detail.push(("managementEvent", J::B(true)));
    detail.push(("recipientAccountId", s(account)));
    detail.push(("eventCategory", s("Management")));
    J::O(vec![
        ("version", s("0")),
        ("id", s(id)),
        ("detail-type", s("AWS Console Sign In via CloudTrail")),
        ("source", s("aws.signin")),
        ("account", s(account)),
        ("time", s(time)),
        ("region", s(region)),
        ("resources", J::A(vec![])),
        ("detail", J::O(detail)),
    ])
}

/// `count` events, one JSON line each.
pub fn events(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count).map(|_| event(&mut rng)).collect()
}

/// An NDJSON stream of at least `bytes` bytes.
pub fn ndjson(seed: u64, bytes: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(bytes + 500_000);
    while out.len() < bytes {
        out.extend_from_slice(event(&mut rng).as_bytes());
        out.push(b'\n');
    }
    out
}

const VERBS: &[&str] = &[
    "Create",
    "Delete",
    "Update",
    "Put",
    "Modify",
    "Attach",
    "Detach",
    "Enable",
    "Disable",
    "Start",
    "Stop",
    "Tag",
    "Untag",
    "Associate",
    "Disassociate",
    "Reset",
    "Restore",
    "Revoke",
    "Authorize",
    "Register",
    "Deregister",
];
const NOUNS: &[&str] = &[
    "Instance",
    "Volume",
    "Snapshot",
    "Bucket",
    "Role",
    "Policy",
    "User",
    "Group",
    "Key",
    "Alias",
    "Function",
    "Table",
    "Stream",
    "Cluster",
    "Subnet",
    "Route",
    "Gateway",
    "Endpoint",
    "Certificate",
    "Secret",
    "Parameter",
    "Alarm",
    "Rule",
    "Queue",
    "Topic",
    "Subscription",
    "Distribution",
    "Stack",
    "Repository",
    "Image",
    "Domain",
    "Listener",
    "TargetGroup",
    "LoadBalancer",
    "Vault",
    "Backup",
    "Dashboard",
    "Workgroup",
    "Pipeline",
    "Cache",
];
const RULE_SERVICES: &[&str] = &[
    "ec2",
    "s3",
    "iam",
    "kms",
    "lambda",
    "logs",
    "cloudformation",
    "dynamodb",
    "ssm",
    "monitoring",
    "secretsmanager",
    "ecr",
    "rds",
    "eks",
    "ecs",
    "sns",
    "sqs",
    "route53",
    "cloudfront",
    "elasticloadbalancing",
    "backup",
    "glue",
    "athena",
    "codepipeline",
    "guardduty",
    "securityhub",
    "config",
    "organizations",
    "sso",
    "wafv2",
];

/// A rule file (YAML, patterns as JSON strings) with `count` synthetic rules of
/// the shapes people write: eventName lists per service (most), prefix,
/// suffix, anything-but, wildcard, exists, numeric and cidr conditions, `$or`;
/// some scoped to accounts or regions, some with an exclude.
pub fn synthetic_rules(seed: u64, count: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("rules:\n");
    for i in 0..count {
        let service = *rng.pick(RULE_SERVICES);
        let src = format!("\"{service}.amazonaws.com\"");
        let mut names = Vec::new();
        for _ in 0..rng.range(2, 8) {
            names.push(format!("\"{}{}\"", rng.pick(VERBS), rng.pick(NOUNS)));
        }
        let names = names.join(",");
        let noun = *rng.pick(NOUNS);
        let pattern = match i % 20 {
            0..=11 => format!(
                r#"{{"source":["aws.{service}"],"detail":{{"eventSource":[{src}],"eventName":[{names}]}}}}"#
            ),
            12 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"eventName":[{{"prefix":"Delete{noun}"}}]}}}}"#
            ),
            13 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"errorCode":[{{"suffix":"{noun}NotFound"}}]}}}}"#
            ),
            14 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"userIdentity":{{"type":["IAMUser"]}},"errorCode":[{{"exists":true}}],"eventName":[{{"anything-but":{{"prefix":"Describe"}}}}]}}}}"#
            ),
            15 if i % 100 == 15 => format!(
                // A principal watched everywhere: indexed only by presence.
                r#"{{"detail":{{"userIdentity":{{"arn":[{{"wildcard":"arn:aws:sts::*:assumed-role/breakglass-{i}/*"}}]}}}}}}"#
            ),
            15 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"userIdentity":{{"arn":[{{"wildcard":"arn:aws:sts::*:assumed-role/*-{i}/*"}}]}}}}}}"#
            ),
            16 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"eventName":[{names}],"requestParameters":{{"policyDocument":[{{"exists":true}}]}}}}}}"#
            ),
            17 => format!(
                r#"{{"detail":{{"eventSource":[{src}],"eventName":[{names}],"requestParameters":{{"maxResults":[{{"numeric":[">",900]}}]}}}}}}"#
            ),
            18 => format!(
                r#"{{"detail":{{"eventName":[{names}],"sourceIPAddress":[{{"cidr":"203.0.{}.0/24"}}]}}}}"#,
                i % 256
            ),
            _ => format!(
                r#"{{"detail":{{"eventSource":[{src}],"$or":[{{"eventName":[{names}]}},{{"errorCode":[{{"prefix":"{noun}"}}]}}]}}}}"#
            ),
        };
        let _ = writeln!(out, "  - id: synthetic-{i}");
        let _ = writeln!(out, "    title: Synthetic rule {i}");
        let _ = writeln!(
            out,
            "    severity: {}",
            rng.pick(&["low", "medium", "high"])
        );
        let _ = writeln!(out, "    pattern: '{pattern}'");
        if i % 10 == 3 {
            let _ = writeln!(
                out,
                "    scope: {{accounts: [\"{}\"], regions: [{}]}}",
                rng.pick(ACCOUNTS),
                rng.pick(REGIONS)
            );
        }
        if i % 10 == 7 {
            let _ = writeln!(
                out,
                "    exclude: ['{{\"detail\":{{\"userIdentity\":{{\"sessionContext\":{{\"sessionIssuer\":{{\"userName\":[\"{}\"]}}}}}}}}}}']",
                rng.pick(ROLES)
            );
        }
    }
    out
}
