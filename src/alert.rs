//! What fired and the facts a person needs: who, what, where, when, from
//! where, result and the key request fields. Every user-controlled string is
//! carried raw here and sanitized per output in `render`.
//!
//! Building is lenient: an attacker can put anything in a CloudTrail record
//! they cause, so any field may be missing, null, a number or an object, and
//! an alert must still come out.

use serde::Serialize;
use serde_json::Value;

use crate::event::{Shape, shape_of};
use crate::rules::{Rule, Settings};
use crate::severity::Severity;

/// The rule that fired, as shown in alerts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub runbook: Option<String>,
    pub references: Vec<String>,
}

impl RuleInfo {
    pub fn from_rule(rule: &Rule) -> RuleInfo {
        RuleInfo {
            id: rule.id.clone(),
            title: rule.title.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            runbook: rule.runbook.clone(),
            references: rule.references.clone(),
        }
    }
}

/// Who made the call.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Principal {
    /// `userIdentity.type`: Root, IAMUser, AssumedRole, AWSService, …
    pub kind: Option<String>,
    pub arn: Option<String>,
    /// `userIdentity.userName`; `root` for the root user.
    pub user_name: Option<String>,
    pub account_id: Option<String>,
    pub access_key_id: Option<String>,
    /// The role behind an assumed-role session (`sessionContext.sessionIssuer.arn`).
    pub role_arn: Option<String>,
    /// The session name of an assumed role (last part of the ARN).
    pub session_name: Option<String>,
    /// `userIdentity.invokedBy`, when a service acted for the principal.
    pub invoked_by: Option<String>,
    /// `sessionContext.attributes.mfaAuthenticated` or `additionalEventData.MFAUsed`.
    pub mfa: Option<bool>,
    /// `userIdentity.principalId`.
    pub principal_id: Option<String>,
    /// The name of the role behind a session (`sessionContext.sessionIssuer.userName`).
    pub role_name: Option<String>,
}

impl Principal {
    /// The shortest display that still says who: `root`, a user name,
    /// `Role/session`, the service, or the ARN's last part.
    pub fn short(&self) -> Option<String> {
        let kind = self.kind.as_deref().unwrap_or("");
        if kind == "Root" {
            return Some("root".to_string());
        }
        if kind == "AssumedRole" {
            return match (&self.role_name, &self.session_name) {
                (Some(role), Some(session)) => Some(format!("{role}/{session}")),
                (Some(role), None) => Some(role.clone()),
                (None, Some(session)) => Some(session.clone()),
                (None, None) => self.arn.as_deref().map(last_arn_part),
            };
        }
        if let Some(by) = self.invoked_by.as_ref().filter(|_| kind == "AWSService") {
            return Some(by.clone());
        }
        self.user_name
            .clone()
            .or_else(|| self.arn.as_deref().map(last_arn_part))
            .or_else(|| self.invoked_by.clone())
            .or_else(|| self.principal_id.clone())
            .or_else(|| self.account_id.clone())
    }

    /// The ARN if known, else the best short display.
    pub fn display(&self) -> Option<String> {
        self.arn.clone().or_else(|| self.short())
    }
}

/// One alert: a rule that fired for one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    pub rule: RuleInfo,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub event_type: Option<String>,
    pub detail_type: Option<String>,
    pub event_time: Option<String>,
    pub account: Option<String>,
    pub account_name: Option<String>,
    pub region: Option<String>,
    pub principal: Principal,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// True when the call failed: an error code, or a console sign-in whose
    /// `responseElements.ConsoleLogin` is `Failure` (those carry no error code).
    pub failed: bool,
    /// The request fields that matter for this kind of event, in display order.
    pub request_fields: Vec<(String, String)>,
    /// The CloudTrail record (`detail`), for the machine-readable message.
    pub record: Value,
}

/// Longest request field value kept, in characters.
pub const REQUEST_VALUE_MAX: usize = 200;
/// Most request fields kept per alert.
pub const REQUEST_FIELDS_MAX: usize = 8;
/// Objects found where a string was expected are kept as compact JSON, this long at most.
const OBJECT_TEXT_MAX: usize = 2048;

impl Alert {
    /// The alert for `rule` firing on `event` (EventBridge envelope form, its
    /// `detail` the CloudTrail record; a bare record is accepted too).
    pub fn build(rule: &Rule, event: &Value, settings: &Settings) -> Alert {
        let detail = record_of(event);
        let text = |v: &Value, path: &[&str]| at(v, path).and_then(value_text);

        let account = text(event, &["account"]).or_else(|| text(detail, &["recipientAccountId"]));
        let account_name = account
            .as_deref()
            .and_then(|id| settings.account_name(id))
            .map(str::to_string);
        let region = text(event, &["region"]).or_else(|| text(detail, &["awsRegion"]));

        let error_code = text(detail, &["errorCode"]);
        let error_message = text(detail, &["errorMessage"]);
        let console_failure = text(detail, &["responseElements", "ConsoleLogin"])
            .is_some_and(|r| r.eq_ignore_ascii_case("Failure"));

        Alert {
            rule: RuleInfo::from_rule(rule),
            event_id: Alert::event_id_of(event),
            // An Insights record names the API call it is about only in its details.
            event_name: text(detail, &["eventName"])
                .or_else(|| text(detail, &["insightDetails", "eventName"])),
            event_source: text(detail, &["eventSource"])
                .or_else(|| text(detail, &["insightDetails", "eventSource"])),
            event_type: text(detail, &["eventType"]),
            detail_type: text(event, &["detail-type"]),
            event_time: text(detail, &["eventTime"]).or_else(|| text(event, &["time"])),
            account,
            account_name,
            region,
            principal: principal(detail),
            source_ip: text(detail, &["sourceIPAddress"]),
            user_agent: text(detail, &["userAgent"]),
            failed: error_code.is_some() || console_failure,
            error_code,
            error_message,
            request_fields: request_fields(detail),
            record: detail.clone(),
        }
    }

    /// The id of `event` (envelope or bare record) as its alerts carry it: the
    /// record's `eventID`, else the envelope's `id`.
    pub fn event_id_of(event: &Value) -> Option<String> {
        at(record_of(event), &["eventID"])
            .and_then(value_text)
            .or_else(|| at(event, &["id"]).and_then(value_text))
    }

    /// The CloudTrail console page of this event, when region and event id
    /// are well formed (so a crafted event cannot point the link elsewhere).
    pub fn console_link(&self) -> Option<String> {
        console_link(self.region.as_deref()?, self.event_id.as_deref()?)
    }

    /// The short principal display (see [`Principal::short`]).
    pub fn who(&self) -> Option<String> {
        self.principal.short()
    }
}

/// `https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{eventId}`,
/// only for a region like `eu-west-1` and an event id of hex digits and dashes.
pub fn console_link(region: &str, event_id: &str) -> Option<String> {
    if !is_region(region) || !is_event_id(event_id) {
        return None;
    }
    Some(format!(
        "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}#/events/{event_id}"
    ))
}

/// `^[a-z]{2}(-[a-z]+)+-\d+$`
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[n - 1].is_empty()
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

/// `^[0-9a-fA-F-]{1,64}$`
fn is_event_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(*key))
}

/// The CloudTrail record of an event: an envelope's `detail`, or the event
/// itself when it is a bare record.
fn record_of(event: &Value) -> &Value {
    match event.get("detail") {
        Some(d) if d.is_object() => d,
        _ if shape_of(event) == Ok(Shape::Record)
            || event.get("eventName").is_some()
            || event.get("eventSource").is_some() =>
        {
            event
        }
        _ => &Value::Null,
    }
}

/// A field as text whatever its JSON type; `None` for null, absent or empty.
fn value_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => cap(&v.to_string(), OBJECT_TEXT_MAX),
    };
    (!s.is_empty()).then_some(s)
}

fn cap(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_string(),
        Some(_) => {
            let keep: String = s.chars().take(max_chars.saturating_sub(3)).collect();
            keep + "..."
        }
    }
}

fn last_arn_part(arn: &str) -> String {
    arn.rsplit(['/', ':'])
        .find(|p| !p.is_empty())
        .unwrap_or(arn)
        .to_string()
}

fn principal(detail: &Value) -> Principal {
    let id = detail.get("userIdentity").unwrap_or(&Value::Null);
    let text = |path: &[&str]| at(id, path).and_then(value_text);
    let kind = text(&["type"]);
    let arn = text(&["arn"]);
    let is_kind = |k: &str| kind.as_deref() == Some(k);

    let mut user_name = text(&["userName"]);
    if is_kind("Root") && user_name.is_none() {
        user_name = Some("root".to_string());
    }
    let (session_name, role_arn, role_name) = if is_kind("AssumedRole") {
        (
            arn.as_deref().map(last_arn_part),
            text(&["sessionContext", "sessionIssuer", "arn"]),
            text(&["sessionContext", "sessionIssuer", "userName"]),
        )
    } else {
        (None, None, None)
    };

    let mfa = at(detail, &["additionalEventData", "MFAUsed"])
        .and_then(yes_no)
        .or_else(|| at(id, &["sessionContext", "attributes", "mfaAuthenticated"]).and_then(yes_no));

    Principal {
        kind,
        arn,
        user_name,
        account_id: text(&["accountId"]),
        access_key_id: text(&["accessKeyId"]),
        role_arn,
        session_name,
        invoked_by: text(&["invokedBy"]),
        mfa,
        principal_id: text(&["principalId"]),
        role_name,
    }
}

/// `"true"`/`"false"`, `"Yes"`/`"No"` or a JSON boolean.
fn yes_no(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Request fields: which few fields matter, per kind of event.

/// How a field's value is turned into text.
#[derive(Clone, Copy)]
enum Format {
    Plain,
    /// EC2 `ipPermissions`: protocol, ports and the sources opened.
    IpPermissions,
}

struct Field {
    label: &'static str,
    /// Alternative paths from the record, the first present wins.
    paths: &'static [&'static [&'static str]],
    format: Format,
}

enum Names {
    Any,
    List(&'static [&'static str]),
    Containing(&'static str),
}

struct Kind {
    source: &'static str,
    names: Names,
    fields: &'static [Field],
}

const fn req(label: &'static str, paths: &'static [&'static [&'static str]]) -> Field {
    Field {
        label,
        paths,
        format: Format::Plain,
    }
}

const EC2: &str = "ec2.amazonaws.com";

static KINDS: &[Kind] = &[
    Kind {
        source: EC2,
        names: Names::Containing("SecurityGroup"),
        fields: &[
            req(
                "Group id",
                &[
                    &["requestParameters", "groupId"],
                    &[
                        "requestParameters",
                        "ModifySecurityGroupRulesRequest",
                        "GroupId",
                    ],
                    &["responseElements", "groupId"],
                ],
            ),
            req("Group name", &[&["requestParameters", "groupName"]]),
            req("VPC", &[&["requestParameters", "vpcId"]]),
            Field {
                label: "Rules",
                paths: &[&["requestParameters", "ipPermissions"]],
                format: Format::IpPermissions,
            },
            req(
                "Rule",
                &[&[
                    "requestParameters",
                    "ModifySecurityGroupRulesRequest",
                    "SecurityGroupRule",
                ]],
            ),
        ],
    },
    Kind {
        source: EC2,
        names: Names::Containing("NetworkAcl"),
        fields: &[
            req("Network ACL", &[&["requestParameters", "networkAclId"]]),
            req("Rule number", &[&["requestParameters", "ruleNumber"]]),
            req(
                "CIDR",
                &[
                    &["requestParameters", "cidrBlock"],
                    &["requestParameters", "ipv6CidrBlock"],
                ],
            ),
            req("Egress", &[&["requestParameters", "egress"]]),
            req("Action", &[&["requestParameters", "ruleAction"]]),
            req("Protocol", &[&["requestParameters", "aclProtocol"]]),
            req("Ports", &[&["requestParameters", "portRange"]]),
            req(
                "VPC",
                &[
                    &["requestParameters", "vpcId"],
                    &["requestParameters", "associationId"],
                ],
            ),
        ],
    },
    Kind {
        source: EC2,
        names: Names::Containing("TransitGateway"),
        fields: &[
            req(
                "Transit gateway",
                &[
                    &["requestParameters", "transitGatewayId"],
                    &[
                        "requestParameters",
                        "CreateTransitGatewayRequest",
                        "TransitGatewayId",
                    ],
                ],
            ),
            req(
                "Attachment",
                &[&["requestParameters", "transitGatewayAttachmentId"]],
            ),
            req(
                "Route table",
                &[&["requestParameters", "transitGatewayRouteTableId"]],
            ),
            req(
                "Destination",
                &[&["requestParameters", "destinationCidrBlock"]],
            ),
            req("VPC", &[&["requestParameters", "vpcId"]]),
        ],
    },
    Kind {
        source: EC2,
        names: Names::List(&[
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ]),
        fields: &[
            req(
                "Internet gateway",
                &[
                    &["requestParameters", "internetGatewayId"],
                    &["responseElements", "internetGateway", "internetGatewayId"],
                ],
            ),
            req(
                "Customer gateway",
                &[
                    &["requestParameters", "customerGatewayId"],
                    &["responseElements", "customerGateway", "customerGatewayId"],
                ],
            ),
            req("VPC", &[&["requestParameters", "vpcId"]]),
            req("IP address", &[&["requestParameters", "ipAddress"]]),
            req("BGP ASN", &[&["requestParameters", "bgpAsn"]]),
        ],
    },
    Kind {
        source: EC2,
        names: Names::Containing("Route"),
        fields: &[
            req(
                "Route table",
                &[
                    &["requestParameters", "routeTableId"],
                    &["responseElements", "routeTable", "routeTableId"],
                ],
            ),
            req(
                "Destination",
                &[
                    &["requestParameters", "destinationCidrBlock"],
                    &["requestParameters", "destinationIpv6CidrBlock"],
                ],
            ),
            req("Gateway", &[&["requestParameters", "gatewayId"]]),
            req("NAT gateway", &[&["requestParameters", "natGatewayId"]]),
            req(
                "Transit gateway",
                &[&["requestParameters", "transitGatewayId"]],
            ),
            req(
                "Peering",
                &[&["requestParameters", "vpcPeeringConnectionId"]],
            ),
            req("Association", &[&["requestParameters", "associationId"]]),
            req(
                "Subnet",
                &[
                    &["requestParameters", "subnetId"],
                    &["requestParameters", "vpcId"],
                ],
            ),
        ],
    },
    Kind {
        source: EC2,
        names: Names::Containing("Vpc"),
        fields: &[
            req(
                "VPC",
                &[
                    &["requestParameters", "vpcId"],
                    &["responseElements", "vpc", "vpcId"],
                ],
            ),
            req("CIDR", &[&["requestParameters", "cidrBlock"]]),
            req(
                "Peering",
                &[&["requestParameters", "vpcPeeringConnectionId"]],
            ),
            req("Peer VPC", &[&["requestParameters", "peerVpcId"]]),
            req("Peer account", &[&["requestParameters", "peerOwnerId"]]),
            req("DNS support", &[&["requestParameters", "enableDnsSupport"]]),
            req(
                "DNS hostnames",
                &[&["requestParameters", "enableDnsHostnames"]],
            ),
        ],
    },
    Kind {
        source: "cloudtrail.amazonaws.com",
        names: Names::Any,
        fields: &[
            req(
                "Trail",
                &[
                    &["requestParameters", "name"],
                    &["requestParameters", "trailName"],
                ],
            ),
            req("S3 bucket", &[&["requestParameters", "s3BucketName"]]),
            req(
                "Multi-region",
                &[&["requestParameters", "isMultiRegionTrail"]],
            ),
            req(
                "Global events",
                &[&["requestParameters", "includeGlobalServiceEvents"]],
            ),
            req("KMS key", &[&["requestParameters", "kmsKeyId"]]),
        ],
    },
    Kind {
        source: "kms.amazonaws.com",
        names: Names::Any,
        fields: &[
            req("Key id", &[&["requestParameters", "keyId"]]),
            req(
                "Pending days",
                &[&["requestParameters", "pendingWindowInDays"]],
            ),
            req("Deletion date", &[&["responseElements", "deletionDate"]]),
        ],
    },
    Kind {
        source: "s3.amazonaws.com",
        names: Names::Any,
        fields: &[
            req("Bucket", &[&["requestParameters", "bucketName"]]),
            req("Canned ACL", &[&["requestParameters", "x-amz-acl"]]),
        ],
    },
    Kind {
        source: "iam.amazonaws.com",
        names: Names::Any,
        fields: &[
            req("Policy ARN", &[&["requestParameters", "policyArn"]]),
            req("Policy name", &[&["requestParameters", "policyName"]]),
            req("Role", &[&["requestParameters", "roleName"]]),
            req("User", &[&["requestParameters", "userName"]]),
            req("Group", &[&["requestParameters", "groupName"]]),
            req("Version", &[&["requestParameters", "versionId"]]),
            req("Set as default", &[&["requestParameters", "setAsDefault"]]),
        ],
    },
    Kind {
        source: "organizations.amazonaws.com",
        names: Names::Any,
        fields: &[
            req("Account id", &[&["requestParameters", "accountId"]]),
            req("Policy id", &[&["requestParameters", "policyId"]]),
            req("Target id", &[&["requestParameters", "targetId"]]),
            req(
                "OU",
                &[
                    &["requestParameters", "organizationalUnitId"],
                    &["requestParameters", "destinationParentId"],
                ],
            ),
            req("Type", &[&["requestParameters", "type"]]),
            req("Name", &[&["requestParameters", "name"]]),
        ],
    },
    Kind {
        source: "config.amazonaws.com",
        names: Names::Any,
        fields: &[
            req(
                "Recorder",
                &[
                    &["requestParameters", "configurationRecorderName"],
                    &["requestParameters", "configurationRecorder", "name"],
                ],
            ),
            req(
                "Delivery channel",
                &[
                    &["requestParameters", "deliveryChannelName"],
                    &["requestParameters", "deliveryChannel", "name"],
                ],
            ),
            req("Config rule", &[&["requestParameters", "configRuleName"]]),
        ],
    },
];

static INSIGHT: &[Field] = &[
    req("Insight state", &[&["insightDetails", "state"]]),
    req("Insight type", &[&["insightDetails", "insightType"]]),
    req("API call", &[&["insightDetails", "eventName"]]),
    req("Service", &[&["insightDetails", "eventSource"]]),
    req(
        "Baseline average",
        &[&[
            "insightDetails",
            "insightContext",
            "statistics",
            "baseline",
            "average",
        ]],
    ),
    req(
        "Insight average",
        &[&[
            "insightDetails",
            "insightContext",
            "statistics",
            "insight",
            "average",
        ]],
    ),
];

/// Generic fallback: this many scalar top-level request parameters.
const GENERIC_MAX: usize = 4;

fn request_fields(detail: &Value) -> Vec<(String, String)> {
    let source = detail.get("eventSource").and_then(Value::as_str);
    let name = detail
        .get("eventName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let fields = if detail.get("insightDetails").is_some_and(Value::is_object) {
        Some(INSIGHT)
    } else {
        KINDS
            .iter()
            .find(|k| {
                Some(k.source) == source
                    && match k.names {
                        Names::Any => true,
                        Names::List(list) => list.contains(&name),
                        Names::Containing(part) => name.contains(part),
                    }
            })
            .map(|k| k.fields)
    };
    match fields {
        Some(fields) => fields
            .iter()
            .filter_map(|f| {
                let v = f
                    .paths
                    .iter()
                    .find_map(|p| at(detail, p).filter(|v| !v.is_null()))?;
                let text = match f.format {
                    Format::Plain => compact(v),
                    Format::IpPermissions => ip_permissions(v).or_else(|| compact(v)),
                }?;
                Some((f.label.to_string(), cap(&text, REQUEST_VALUE_MAX)))
            })
            .take(REQUEST_FIELDS_MAX)
            .collect(),
        None => generic_fields(detail),
    }
}

/// Up to [`GENERIC_MAX`] scalar top-level request parameters, under their
/// own names when those are plain identifiers (a crafted name must not pass
/// for one of the alert's own labels).
fn generic_fields(detail: &Value) -> Vec<(String, String)> {
    let Some(params) = detail.get("requestParameters").and_then(Value::as_object) else {
        return Vec::new();
    };
    params
        .iter()
        .filter(|(k, _)| {
            (1..=40).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        })
        .filter_map(|(k, v)| match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                Some((k.clone(), cap(&compact(v)?, REQUEST_VALUE_MAX)))
            }
            _ => None,
        })
        .take(GENERIC_MAX)
        .collect()
}

/// Short text for a request value: scalars as they are, arrays joined with
/// ", ", EC2's `{"items": [...]}` unwrapped, flat objects as `k=v, k=v`,
/// anything deeper as compact JSON. `None` when there is nothing to show.
fn compact(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .take(REQUEST_VALUE_MAX)
                .filter_map(compact)
                .collect();
            parts.join(", ")
        }
        Value::Object(map) => {
            if let Some(items) = map.get("items").filter(|_| map.len() == 1) {
                return compact(items);
            }
            if let Some(value) = map
                .get("value")
                .filter(|v| map.len() == 1 && !v.is_object() && !v.is_array())
            {
                return compact(value);
            }
            if map.values().all(|v| !v.is_object() && !v.is_array()) {
                let parts: Vec<String> = map
                    .iter()
                    .take(REQUEST_VALUE_MAX)
                    .filter_map(|(k, v)| Some(format!("{k}={}", compact(v)?)))
                    .collect();
                parts.join(", ")
            } else {
                cap(&v.to_string(), REQUEST_VALUE_MAX)
            }
        }
    };
    (!s.is_empty()).then_some(s)
}

/// `tcp 22 from 0.0.0.0/0, ::/0; udp 53 from sg-1`: what a security group
/// change opens or closes.
fn ip_permissions(v: &Value) -> Option<String> {
    let items = items_of(v);
    let rules: Vec<String> = items
        .iter()
        .take(20)
        .filter_map(|item| {
            let item = item.as_object()?;
            let protocol = match item.get("ipProtocol").and_then(scalar_text).as_deref() {
                Some("-1") => "all traffic".to_string(),
                Some(p) => p.to_string(),
                None => "?".to_string(),
            };
            let port = |k: &str| {
                item.get(k)
                    .and_then(scalar_text)
                    .filter(|p| p != "-1" && !p.is_empty())
            };
            let ports = match (port("fromPort"), port("toPort")) {
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(a), Some(b)) => Some(format!("{a}-{b}")),
                (Some(a), None) | (None, Some(a)) => Some(a),
                (None, None) => None,
            };
            let mut sources = Vec::new();
            for (list, key) in [
                ("ipRanges", "cidrIp"),
                ("ipv6Ranges", "cidrIpv6"),
                ("prefixListIds", "prefixListId"),
                ("groups", "groupId"),
            ] {
                if let Some(list) = item.get(list) {
                    for entry in items_of(list).iter().take(50) {
                        if let Some(s) = entry.get(key).and_then(scalar_text) {
                            sources.push(s);
                        }
                    }
                }
            }
            let mut rule = protocol;
            if let Some(ports) = ports {
                rule.push(' ');
                rule.push_str(&ports);
            }
            if !sources.is_empty() {
                rule.push_str(" from ");
                rule.push_str(&sources.join(", "));
            }
            Some(rule)
        })
        .collect();
    (!rules.is_empty()).then(|| rules.join("; "))
}

/// The elements of an array, or of EC2's `{"items": [...]}` wrapper.
fn items_of(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        Value::Object(m) => m.get("items").and_then(Value::as_array).map_or(&[], |a| a),
        _ => &[],
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Origin, Scope};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn rule() -> Rule {
        Rule {
            id: "test-rule".into(),
            title: "Test rule".into(),
            description: "A rule for tests.".into(),
            severity: Severity::High,
            pattern: json!({}),
            exclude: vec![],
            runbook: None,
            enabled: true,
            references: vec![],
            scope: Scope::default(),
            origin: Origin {
                file: "test".into(),
                line: 1,
            },
        }
    }

    fn settings() -> Settings {
        let mut accounts = BTreeMap::new();
        accounts.insert("prod".to_string(), vec!["111122223333".to_string()]);
        Settings { accounts }
    }

    fn build(event: Value) -> Alert {
        Alert::build(&rule(), &event, &settings())
    }

    #[test]
    fn root_console_login_facts() {
        let a = build(json!({
            "detail-type": "AWS Console Sign In via CloudTrail",
            "account": "111122223333",
            "region": "us-east-1",
            "detail": {
                "eventName": "ConsoleLogin",
                "eventSource": "signin.amazonaws.com",
                "eventID": "3f1a2b4c-0000-4000-8000-123456789abc",
                "eventTime": "2024-05-01T09:12:44Z",
                "sourceIPAddress": "203.0.113.7",
                "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "principalId": "111122223333"},
                "responseElements": {"ConsoleLogin": "Success"},
                "additionalEventData": {"MFAUsed": "No"}
            }
        }));
        assert_eq!(a.account.as_deref(), Some("111122223333"));
        assert_eq!(a.account_name.as_deref(), Some("prod"));
        assert_eq!(a.principal.user_name.as_deref(), Some("root"));
        assert_eq!(a.who().as_deref(), Some("root"));
        assert_eq!(a.principal.mfa, Some(false));
        assert!(!a.failed);
        assert_eq!(
            a.console_link().as_deref(),
            Some(
                "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/3f1a2b4c-0000-4000-8000-123456789abc"
            )
        );
    }

    #[test]
    fn assumed_role_session_and_mfa_from_session_context() {
        let a = build(json!({"detail": {
            "eventName": "StopLogging",
            "eventSource": "cloudtrail.amazonaws.com",
            "recipientAccountId": "444455556666",
            "awsRegion": "eu-west-1",
            "requestParameters": {"name": "arn:aws:cloudtrail:eu-west-1:444455556666:trail/org"},
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::444455556666:assumed-role/Admin/alice@example.com",
                "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": {
                    "sessionIssuer": {"arn": "arn:aws:iam::444455556666:role/Admin", "userName": "Admin"},
                    "attributes": {"mfaAuthenticated": "true"}
                }
            }
        }}));
        assert_eq!(a.account.as_deref(), Some("444455556666"));
        assert_eq!(a.account_name, None);
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            a.principal.session_name.as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            a.principal.role_arn.as_deref(),
            Some("arn:aws:iam::444455556666:role/Admin")
        );
        assert_eq!(a.who().as_deref(), Some("Admin/alice@example.com"));
        assert_eq!(a.principal.mfa, Some(true));
        assert_eq!(
            a.request_fields,
            vec![(
                "Trail".to_string(),
                "arn:aws:cloudtrail:eu-west-1:444455556666:trail/org".to_string()
            )]
        );
    }

    #[test]
    fn console_login_failure_is_a_failure_without_error_code() {
        let a = build(json!({"detail": {
            "eventName": "ConsoleLogin",
            "errorMessage": "Failed authentication",
            "responseElements": {"ConsoleLogin": "Failure"}
        }}));
        assert!(a.failed);
        assert_eq!(a.error_code, None);
        assert_eq!(a.error_message.as_deref(), Some("Failed authentication"));
    }

    #[test]
    fn security_group_rules_show_protocol_ports_and_cidrs() {
        let a = build(json!({"detail": {
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
        }}));
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
        let kms = build(json!({"detail": {
            "eventName": "ScheduleKeyDeletion", "eventSource": "kms.amazonaws.com",
            "requestParameters": {"keyId": "1234abcd", "pendingWindowInDays": 7}
        }}));
        assert_eq!(
            kms.request_fields,
            vec![
                ("Key id".to_string(), "1234abcd".to_string()),
                ("Pending days".to_string(), "7".to_string())
            ]
        );
        let nacl = build(json!({"detail": {
            "eventName": "CreateNetworkAclEntry", "eventSource": "ec2.amazonaws.com",
            "requestParameters": {"networkAclId": "acl-1", "ruleNumber": 100, "cidrBlock": "0.0.0.0/0",
                "egress": false, "ruleAction": "allow", "portRange": {"from": 22, "to": 22}}
        }}));
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
        let insight = build(json!({"detail": {
            "eventCategory": "Insight", "eventSource": "cloudtrail.amazonaws.com",
            "insightDetails": {"state": "Start", "eventName": "RunInstances", "insightType": "ApiCallRateInsight"}
        }}));
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
    fn lenient_on_wrong_types_and_missing_fields() {
        let a = build(json!({"account": 12, "region": {"x": 1}, "detail": {
            "eventName": ["a", "b"], "userIdentity": "nope", "eventID": null,
            "requestParameters": [1, 2], "additionalEventData": {"MFAUsed": 5}
        }}));
        assert_eq!(a.account.as_deref(), Some("12"));
        assert_eq!(a.event_id, None);
        assert_eq!(a.principal, Principal::default());
        assert!(a.request_fields.is_empty());
        assert_eq!(a.console_link(), None);
        let empty = build(json!(null));
        assert_eq!(empty.event_name, None);
        assert_eq!(empty.record, Value::Null);
    }

    #[test]
    fn console_link_refuses_crafted_region_or_event_id() {
        assert!(console_link("us-east-1", "abc-123").is_some());
        assert!(console_link("us-gov-west-1", "abc").is_some());
        assert!(console_link("evil.com/x", "abc").is_none());
        assert!(console_link("us-east-1", "abc#x").is_none());
        assert!(console_link("us-east-", "abc").is_none());
        assert!(console_link("useast-1", "abc").is_none());
        assert!(console_link("us-east-1", "").is_none());
        assert!(console_link("us-east-1", &"a".repeat(65)).is_none());
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
}
