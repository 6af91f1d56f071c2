//! A deterministic corpus of realistic CloudTrail events, as NDJSON of
//! EventBridge envelopes, for benchmarks: mostly read-only calls (Describe,
//! AssumeRole, Decrypt, Get/List), a few percent of changes, sign-ins and
//! errors that rules fire on, and a few large RunInstances responses. Include with
//! `#[path = "common/corpus.rs"] mod corpus;`.
#![allow(dead_code)]

use serde_json::{Value, json};

/// xorshift64*: fixed seed, no dependency, same corpus on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

const ACCOUNTS: &[&str] = &["111122223333", "444455556666", "777788889999"];
const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];
const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    "terraform-provider-aws/5.43.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0",
    "cloudformation.amazonaws.com",
];

fn identity(r: &mut Rng, account: &str) -> Value {
    // Root is rare in real trails (and every root call fires a rule).
    match r.below(200) {
        0 => {
            json!({"type": "Root", "principalId": account, "arn": format!("arn:aws:iam::{account}:root"),
                    "accountId": account, "accessKeyId": format!("ASIA{}", r.hex(16).to_uppercase())})
        }
        1..=60 => {
            let user = r.pick(&["alice", "bob", "deploy-bot", "carol.smith"]);
            json!({"type": "IAMUser", "principalId": format!("AIDA{}", r.hex(17).to_uppercase()),
                   "arn": format!("arn:aws:iam::{account}:user/{user}"), "accountId": account,
                   "accessKeyId": format!("AKIA{}", r.hex(16).to_uppercase()), "userName": user})
        }
        _ => {
            let role = r.pick(&[
                "OrganizationAccountAccessRole",
                "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
                "github-actions-deploy",
                "lambda-exec",
            ]);
            let session = r.pick(&[
                "alice@example.com",
                "i-0a1b2c3d4e5f67890",
                "GitHubActions",
                "botocore-session-1712345678",
            ]);
            json!({"type": "AssumedRole",
                   "principalId": format!("AROA{}:{session}", r.hex(17).to_uppercase()),
                   "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                   "accountId": account, "accessKeyId": format!("ASIA{}", r.hex(16).to_uppercase()),
                   "sessionContext": {
                       "sessionIssuer": {"type": "Role", "principalId": format!("AROA{}", r.hex(17).to_uppercase()),
                                         "arn": format!("arn:aws:iam::{account}:role/{role}"), "accountId": account, "userName": role},
                       "webIdFederationData": {},
                       "attributes": {"creationDate": "2024-04-02T09:12:44Z", "mfaAuthenticated": "false"}}})
        }
    }
}

fn instances(r: &mut Rng, n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            json!({"instanceId": format!("i-{}", r.hex(17)), "imageId": format!("ami-{}", r.hex(17)),
                   "instanceState": {"code": 0, "name": "pending"}, "privateDnsName": format!("ip-10-0-{}-{}.ec2.internal", i, r.below(255)),
                   "amiLaunchIndex": i, "productCodes": {}, "instanceType": "m6i.large",
                   "launchTime": 1712345678000u64, "placement": {"availabilityZone": "us-east-1a", "tenancy": "default"},
                   "monitoring": {"state": "disabled"}, "subnetId": format!("subnet-{}", r.hex(17)), "vpcId": format!("vpc-{}", r.hex(17)),
                   "privateIpAddress": format!("10.0.{}.{}", i, r.below(255)),
                   "stateReason": {"code": "pending", "message": "pending"}, "architecture": "x86_64",
                   "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda", "blockDeviceMapping": {},
                   "virtualizationType": "hvm", "hypervisor": "xen",
                   "tagSet": {"items": [{"key": "Name", "value": format!("web-{}", r.hex(6))}, {"key": "team", "value": "platform"}]},
                   "groupSet": {"items": [{"groupId": format!("sg-{}", r.hex(17)), "groupName": "web"}]},
                   "sourceDestCheck": true,
                   "networkInterfaceSet": {"items": [{"networkInterfaceId": format!("eni-{}", r.hex(17)), "subnetId": format!("subnet-{}", r.hex(17)),
                       "status": "in-use", "macAddress": "0a:1b:2c:3d:4e:5f", "privateIpAddress": format!("10.0.{}.{}", i, r.below(255)),
                       "sourceDestCheck": true, "interfaceType": "interface"}]},
                   "ebsOptimized": true, "enaSupport": true, "metadataOptions": {"state": "pending", "httpTokens": "required", "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"}})
        })
        .collect();
    json!({"requestId": format!("{}-{}", r.hex(8), r.hex(12)), "reservationId": format!("r-{}", r.hex(17)),
           "ownerId": "111122223333", "groupSet": {}, "instancesSet": {"items": items}})
}

/// One CloudTrail record.
pub fn record(r: &mut Rng) -> Value {
    let account = r.pick(ACCOUNTS);
    let region = r.pick(REGIONS);
    let ip = format!(
        "{}.{}.{}.{}",
        1 + r.below(220),
        r.below(256),
        r.below(256),
        r.below(256)
    );
    let kind = r.below(100);
    let (source, name, request, response, event_type): (&str, &str, Value, Value, &str) = match kind
    {
        0..=34 => (
            "ec2.amazonaws.com",
            "DescribeInstances",
            json!({"instancesSet": {}, "filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": "platform"}]}}]}}),
            Value::Null,
            "AwsApiCall",
        ),
        35..=54 => (
            "sts.amazonaws.com",
            "AssumeRole",
            json!({"roleArn": format!("arn:aws:iam::{account}:role/deploy"), "roleSessionName": format!("session-{}", r.hex(8)), "durationSeconds": 3600}),
            json!({"credentials": {"accessKeyId": format!("ASIA{}", r.hex(16).to_uppercase()), "sessionToken": r.hex(400), "expiration": "Apr 2, 2024, 10:12:44 AM"},
                           "assumedRoleUser": {"assumedRoleId": format!("AROA{}:session", r.hex(17).to_uppercase()), "arn": format!("arn:aws:sts::{account}:assumed-role/deploy/session")}}),
            "AwsApiCall",
        ),
        55..=69 => (
            "s3.amazonaws.com",
            r.pick(&[
                "GetBucketAcl",
                "ListBuckets",
                "GetBucketAcl",
                "ListBuckets",
                "PutBucketPolicy",
                "ListBuckets",
                "GetBucketLocation",
            ]),
            json!({"bucketName": format!("logs-{}", r.hex(8)), "Host": "s3.amazonaws.com", "policy": ""}),
            Value::Null,
            "AwsApiCall",
        ),
        70..=84 => (
            "kms.amazonaws.com",
            r.pick(&[
                "Decrypt",
                "GenerateDataKey",
                "Decrypt",
                "Decrypt",
                "Decrypt",
                "GenerateDataKey",
                "Decrypt",
                "DisableKey",
            ]),
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:lambda:FunctionArn": format!("arn:aws:lambda:{region}:{account}:function:f-{}", r.hex(6))}}),
            Value::Null,
            "AwsApiCall",
        ),
        85..=87 => (
            "ec2.amazonaws.com",
            r.pick(&[
                "AuthorizeSecurityGroupIngress",
                "CreateSecurityGroup",
                "CreateRoute",
                "CreateVpc",
            ]),
            json!({"groupId": format!("sg-{}", r.hex(17)), "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                           "groups": {}, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0", "description": "https"}]}, "ipv6Ranges": {}, "prefixListIds": {}}]}}),
            json!({"requestId": r.hex(32), "_return": true, "securityGroupRuleSet": {"items": [{"groupOwnerId": account, "groupId": format!("sg-{}", r.hex(17)),
                           "securityGroupRuleId": format!("sgr-{}", r.hex(17)), "isEgress": false, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"}]}}),
            "AwsApiCall",
        ),
        88..=89 => (
            "signin.amazonaws.com",
            "ConsoleLogin",
            Value::Null,
            json!({"ConsoleLogin": r.pick(&["Success", "Failure"])}),
            "AwsConsoleSignIn",
        ),
        90..=94 => (
            "iam.amazonaws.com",
            r.pick(&[
                "GetRole",
                "ListRoles",
                "GetRole",
                "ListRoles",
                "GetRolePolicy",
                "PutRolePolicy",
            ]),
            json!({"roleName": "deploy", "policyName": "inline", "policyDocument": format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\"], \"Resource\": \"arn:aws:s3:::bucket-{}/*\"}}]\n}}", r.hex(8))}),
            Value::Null,
            "AwsApiCall",
        ),
        95..=97 => (
            "ec2.amazonaws.com",
            "RunInstances",
            json!({"instancesSet": {"items": [{"imageId": format!("ami-{}", r.hex(17)), "minCount": 1, "maxCount": 2}]}, "instanceType": "m6i.large",
                           "blockDeviceMapping": {}, "monitoring": {"enabled": false}, "disableApiTermination": false, "disableApiStop": false,
                           "clientToken": r.hex(36), "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": [{"key": "Name", "value": "web"}]}]}}),
            {
                let n = 1 + r.below(3) as usize;
                instances(r, n)
            },
            "AwsApiCall",
        ),
        _ => (
            "ec2.amazonaws.com",
            "RunInstances",
            json!({"instanceType": "m6i.large"}),
            // A few large ones: a fleet launch (tens of KB), rarely a huge one.
            {
                let n = if r.below(8) == 0 {
                    150
                } else {
                    10 + r.below(20) as usize
                };
                instances(r, n)
            },
            "AwsApiCall",
        ),
    };
    let mut rec = json!({
        "eventVersion": "1.09",
        "userIdentity": identity(r, account),
        "eventTime": format!("2024-04-02T09:{:02}:{:02}Z", r.below(60), r.below(60)),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": r.pick(AGENTS),
        "requestParameters": request,
        "responseElements": response,
        "requestID": format!("{}-{}-{}-{}-{}", r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12)),
        "eventID": format!("{}-{}-{}-{}-{}", r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12)),
        "readOnly": name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List"),
        "eventType": event_type,
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": format!("{}.{region}.amazonaws.com", source.split('.').next().unwrap_or(""))}
    });
    if name == "ConsoleLogin" {
        rec["additionalEventData"] = json!({"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": r.pick(&["Yes", "No"])});
    }
    if r.below(25) == 0 {
        rec["errorCode"] = json!(r.pick(&[
            "AccessDenied",
            "Client.UnauthorizedOperation",
            "ThrottlingException"
        ]));
        rec["errorMessage"] = json!(
            "User: arn:aws:sts::111122223333:assumed-role/x/y is not authorized to perform this operation"
        );
    }
    rec
}

/// An EventBridge envelope around a record, as EventBridge delivers it.
pub fn envelope(r: &mut Rng) -> Value {
    let rec = record(r);
    json!({
        "version": "0",
        "id": format!("{}-{}-{}-{}-{}", r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12)),
        "detail-type": match rec["eventType"].as_str() {
            Some("AwsConsoleSignIn") => "AWS Console Sign In via CloudTrail",
            _ => "AWS API Call via CloudTrail",
        },
        "source": format!("aws.{}", rec["eventSource"].as_str().unwrap_or("").split('.').next().unwrap_or("")),
        "account": rec["recipientAccountId"],
        "time": rec["eventTime"],
        "region": rec["awsRegion"],
        "resources": [],
        "detail": rec
    })
}

/// NDJSON of `count` envelopes (fixed seed).
pub fn ndjson(count: usize) -> Vec<u8> {
    let mut r = Rng::new(0x5EED_CAFE);
    let mut out = Vec::new();
    for _ in 0..count {
        serde_json::to_writer(&mut out, &envelope(&mut r))
            .expect("serialising a Value cannot fail");
        out.push(b'\n');
    }
    out
}

/// The paths the built-in pack and alerts read.
pub const PACK_PATHS: &[&str] = &[
    "detail-type",
    "source",
    "account",
    "region",
    "time",
    "id",
    "detail.eventName",
    "detail.eventSource",
    "detail.eventType",
    "detail.eventID",
    "detail.eventTime",
    "detail.errorCode",
    "detail.errorMessage",
    "detail.userIdentity.type",
    "detail.userIdentity.arn",
    "detail.userIdentity.invokedBy",
    "detail.sourceIPAddress",
    "detail.responseElements.ConsoleLogin",
    "detail.additionalEventData.MFAUsed",
    "detail.readOnly",
    "detail.awsRegion",
    "detail.recipientAccountId",
];
