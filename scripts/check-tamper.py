#!/usr/bin/env python3
"""Checks the templates' event patterns the way EventBridge would see them.

Resolves the intrinsic functions with plausible values (a 30-character stack
name, with and without the SMS topic and the dedup table), then:
- every pattern stays under EventBridge's 4096-character limit;
- every call that can silence the stack (on its rules, function, topics,
  subscriptions, keys, role and its policies, dedup table, digest flush rule,
  queues, alarms, the bus policy, CloudTrail and the forwarders) is matched, in every form of name or ARN the API accepts, by a
  tamper rule that the same call does not break, which delivers to a topic the
  same call does not break;
- the same calls on resources that are not the stack's, from other accounts,
  made by CloudFormation during a deploy, or forged with a non-AWS source,
  match nothing;
- forwarder.yaml's tamper rule matches changes to the forwarder and its alarms.
Patterns are evaluated with moto's EventBridge matcher. Run with the .venv python.
"""
import json
import os
import re
import sys

from moto.events.models import EventPattern
from samcli.yamlhelper import yaml_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 4096
STACK = "cloudtrail-alerts-production-x"  # the longest name docs/troubleshooting.md advises
ACCT, OTHER, REGION = "111122223333", "999988887777", "eu-west-1"
FWD = "StackSet-cloudtrail-alerts-forwarder-0d1e2f30-aaaa"
NOVALUE = object()
SUFFIX = "AbCdEfGhIjKl"
REFS = {
    "AWS::StackName": STACK,
    "AWS::AccountId": ACCT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::NoValue": NOVALUE,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCT}:stack/{STACK}/0d1e2f30-aaaa-bbbb-cccc-1234567890ab",
    "Function": f"{STACK}-Function-{SUFFIX}",
    "FunctionRole": f"{STACK}-FunctionRole-{SUFFIX}",
    "AlertTopic": f"arn:aws:sns:{REGION}:{ACCT}:{STACK}-AlertTopic-{SUFFIX}",
    "SmsTopic": f"arn:aws:sns:{REGION}:{ACCT}:{STACK}-SmsTopic-{SUFFIX}",
    "TamperTopic": f"arn:aws:sns:{REGION}:{ACCT}:{STACK}-TamperTopic-{SUFFIX}",
    "FailureQueue": f"https://sqs.{REGION}.amazonaws.com/{ACCT}/{STACK}-FailureQueue-{SUFFIX}",
    "DeadLetterQueue": f"https://sqs.{REGION}.amazonaws.com/{ACCT}/{STACK}-DeadLetterQueue-{SUFFIX}",
    "AlertKey": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "AlertKeyAlias": f"alias/{STACK}",
    "TamperKey": "5678efab-12ab-34cd-56ef-1234567890ab",
    "TamperKeyAlias": f"alias/{STACK}-tamper",
    "StateTable": f"{STACK}-StateTable-{SUFFIX}",
    # forwarder.yaml
    "CentralEventBusArn": f"arn:aws:events:{REGION}:{ACCT}:event-bus/default",
    "ForwardDeadLetterQueue": f"https://sqs.us-east-1.amazonaws.com/{OTHER}/{FWD}-ForwardDeadLetterQueue-{SUFFIX}",
}
for rule in ("EventsRule", "TamperRule", "TrailTamperRule", "ForwarderAlarmRule", "HeartbeatRule",
             "FlushRule"):
    REFS[rule] = f"{STACK}-{rule}-{SUFFIX}"
ATTS = {
    "AlertKey.Arn": f"arn:aws:kms:{REGION}:{ACCT}:key/{REFS['AlertKey']}",
    "TamperKey.Arn": f"arn:aws:kms:{REGION}:{ACCT}:key/{REFS['TamperKey']}",
    "Function.Arn": f"arn:aws:lambda:{REGION}:{ACCT}:function:{REFS['Function']}",
    "StateTable.Arn": f"arn:aws:dynamodb:{REGION}:{ACCT}:table/{REFS['StateTable']}",
}
CFN = "cloudformation.amazonaws.com"


def resolve(node, conditions):
    if isinstance(node, dict) and len(node) == 1:
        (key, arg), = node.items()
        if key == "Ref":
            return REFS[arg]
        if key == "Fn::GetAtt":
            return ATTS[arg if isinstance(arg, str) else ".".join(arg)]
        if key == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: ATTS.get(m.group(1)) or REFS[m.group(1)], arg)
        if key == "Fn::If":
            cond, yes, no = arg
            return resolve(yes if conditions[cond] else no, conditions)
    if isinstance(node, dict):
        return {k: resolve(v, conditions) for k, v in node.items()}
    if isinstance(node, list):
        return [v for v in (resolve(x, conditions) for x in node) if v is not NOVALUE]
    return node


def event(source, name, params, ip="203.0.113.7", account=ACCT, region=REGION, resources=None,
          error=None):
    detail = {
        "eventSource": source.split(".", 1)[-1] + ".amazonaws.com",
        "eventName": name,
        "requestParameters": params,
        "sourceIPAddress": ip,
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/someone"},
    }
    if resources:
        detail["resources"] = resources
    if error:
        detail["errorCode"] = error
    return {
        "version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail", "source": source,
        "account": account, "time": "2026-01-01T00:00:00Z", "region": region, "resources": [],
        "detail": detail,
    }


def alarm_change(name, state, account=OTHER, region="ap-south-1"):
    return {
        "version": "0", "id": "2", "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": account, "time": "2026-01-01T00:00:00Z",
        "region": region, "resources": [f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": state, "reason": "Threshold Crossed"}},
    }


def forged(ev):
    """The same event posted with PutEvents: any source but aws.*."""
    return dict(ev, source="com.attacker")


# Each case: (expected, event, what the call breaks). `breaks` names the rules
# and topics the call itself disables; a match counts only through a rule it
# does not break, delivering to a topic it does not break.
def central_cases():
    fn, fn_arn = REFS["Function"], ATTS["Function.Arn"]
    topics = {"AlertTopic": REFS["AlertTopic"], "TamperTopic": REFS["TamperTopic"]}
    rules = ["EventsRule", "TamperRule", "TrailTamperRule", "ForwarderAlarmRule", "HeartbeatRule",
             "FlushRule"]

    # events: every call on every rule of the stack, reported by another rule.
    for rule in rules:
        name = REFS[rule]
        for call in ("DisableRule", "DeleteRule", "PutRule"):
            yield True, event("aws.events", call, {"name": name}), {rule}
            yield True, event("aws.events", call, {"name": name, "eventBusName": "default"}), {rule}
        yield True, event("aws.events", "RemoveTargets", {"rule": name, "ids": ["alert-topic"]}), {rule}
        yield True, event("aws.events", "PutTargets", {"rule": name, "targets": []}), {rule}
        # The attempt is reported too, denied or not.
        yield True, event("aws.events", "DisableRule", {"name": name}, error="AccessDenied"), {rule}
    for call in ("DisableRule", "DeleteRule", "PutRule"):
        yield False, event("aws.events", call, {"name": "someone-elses-rule"}), set()
        yield False, event("aws.events", call, {"name": "cloudtrail-alerts-productio-EventsRule-X"}), set()
        yield False, event("aws.events", call, {"name": REFS["TamperRule"]}, ip=CFN), set()
        yield False, event("aws.events", call, {"name": REFS["TamperRule"]}, account=OTHER), set()
        yield False, forged(event("aws.events", call, {"name": REFS["TamperRule"]})), set()
    yield False, event("aws.events", "RemoveTargets", {"rule": "someone-elses-rule", "ids": ["x"]}), set()

    # events: the bus's resource policy (no bus name means the default bus).
    yield True, event("aws.events", "RemovePermission", {"statementId": f"{STACK}-organization-forwarders"}), {"EventsRule"}
    yield True, event("aws.events", "RemovePermission", {"removeAllPermissions": True, "eventBusName": "default"}), {"EventsRule"}
    yield True, event("aws.events", "PutPermission", {"policy": "{}"}), set()
    yield False, event("aws.events", "RemovePermission", {"statementId": "x"}, account=OTHER), set()
    yield False, forged(event("aws.events", "RemovePermission", {"statementId": "x"})), set()

    # lambda: every name form the API accepts, with and without a qualifier.
    forms = [fn, f"{fn}:$LATEST", f"{fn}:live", f"{fn}:7", f"function:{fn}", f"{ACCT}:function:{fn}",
             f"{ACCT}:function:{fn}:$LATEST", f"{REGION}:{ACCT}:function:{fn}", fn_arn,
             f"{fn_arn}:$LATEST", f"{fn_arn}:live"]
    calls = ["UpdateFunctionCode20150331v2", "UpdateFunctionConfiguration20150331v2",
             "DeleteFunction20150331", "PutFunctionConcurrency20171031",
             "DeleteFunctionConcurrency20171031", "RemovePermission20150331v2",
             "AddPermission20150331v2", "PutFunctionEventInvokeConfig",
             "UpdateFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig"]
    for call in calls:
        for form in forms:
            yield True, event("aws.lambda", call, {"functionName": form}), {"EventsRule", "HeartbeatRule"}
    other = f"{fn}-other"
    misses = [other, f"x{fn}", f"{other}:$LATEST", f"function:{other}", f"{ACCT}:function:{other}",
              f"arn:aws:lambda:{REGION}:{ACCT}:function:{other}", f"arn:aws:lambda:{REGION}:{ACCT}:function:{other}:$LATEST"]
    for call in ("UpdateFunctionCode20150331v2", "RemovePermission20150331v2", "DeleteFunction20150331"):
        for form in misses:
            yield False, event("aws.lambda", call, {"functionName": form}), set()
        yield False, event("aws.lambda", call, {"functionName": fn}, ip=CFN), set()
        yield False, event("aws.lambda", call, {"functionName": fn}, account=OTHER), set()
        yield False, forged(event("aws.lambda", call, {"functionName": fn})), set()

    # sns: topics (full ARN only) and subscriptions (topic ARN + ":" + id).
    phone_topics = dict(topics, SmsTopic=REFS["SmsTopic"])
    for key, arn in phone_topics.items():
        want = "sms" if key == "SmsTopic" else True
        for call in ("DeleteTopic", "SetTopicAttributes", "AddPermission", "RemovePermission", "Subscribe"):
            yield want, event("aws.sns", call, {"topicArn": arn, "attributeName": "Policy"}), {key}
        for call in ("Unsubscribe", "SetSubscriptionAttributes"):
            params = {"subscriptionArn": f"{arn}:0d1e2f30-aaaa-bbbb-cccc-1234567890ab"}
            if call == "SetSubscriptionAttributes":
                params.update(attributeName="FilterPolicy", attributeValue='{"x":["y"]}')
            yield want, event("aws.sns", call, params), {key}
        yield False, event("aws.sns", "DeleteTopic", {"topicArn": arn + "-other"}), set()
        yield False, event("aws.sns", "Unsubscribe", {"subscriptionArn": f"{arn}-other:0d1e2f30"}), set()
        yield False, event("aws.sns", "SetTopicAttributes", {"topicArn": arn}, ip=CFN), set()
        yield False, forged(event("aws.sns", "Unsubscribe", {"subscriptionArn": f"{arn}:0d1e2f30"})), set()

    # kms: key id or key ARN (alias too where accepted); `resources` lists the ARN.
    for key, topic in (("AlertKey", "AlertTopic"), ("TamperKey", "TamperTopic")):
        key_id, key_arn = REFS[key], ATTS[f"{key}.Arn"]
        res = [{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": key_arn}]
        breaks = {topic} | ({"SmsTopic"} if key == "AlertKey" else set())
        for call in ("DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "DisableKeyRotation"):
            yield True, event("aws.kms", call, {"keyId": key_id}), breaks
            yield True, event("aws.kms", call, {"keyId": key_arn}), breaks
            yield True, event("aws.kms", call, {"keyId": key_id}, resources=res), breaks
            yield True, event("aws.kms", call, {"keyId": key_id}, error="AccessDenied"), breaks
        other_id = "9999eeee-12ab-34cd-56ef-1234567890ab"
        other_arn = f"arn:aws:kms:{REGION}:{ACCT}:key/{other_id}"
        yield False, event("aws.kms", "DisableKey", {"keyId": other_id},
                           resources=[{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": other_arn}]), set()
        yield False, event("aws.kms", "ScheduleKeyDeletion", {"keyId": other_arn}), set()
        yield False, event("aws.kms", "PutKeyPolicy", {"keyId": key_id}, ip=CFN), set()
        yield False, forged(event("aws.kms", "DisableKey", {"keyId": key_id})), set()

    # iam (us-east-1 only): role name only.
    role = REFS["FunctionRole"]
    for call in ("PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "PutRolePolicy",
                 "AttachRolePolicy", "DetachRolePolicy", "DeleteRolePolicy", "UpdateAssumeRolePolicy",
                 "DeleteRole"):
        yield True, event("aws.iam", call, {"roleName": role, "policyName": "x"}, region="us-east-1"), {"EventsRule", "HeartbeatRule"}
        yield False, event("aws.iam", call, {"roleName": "other-role"}, region="us-east-1"), set()
        yield False, event("aws.iam", call, {"roleName": role + "2"}, region="us-east-1"), set()
        yield False, event("aws.iam", call, {"roleName": role}, region="us-east-1", ip=CFN), set()
        yield False, event("aws.iam", call, {"roleName": role}, region="us-east-1", account=OTHER), set()
        yield False, forged(event("aws.iam", call, {"roleName": role}, region="us-east-1")), set()

    # The dedup state (want "state": only when the stack has the table): the
    # table by name or ARN, its resource policy, and the role's state policy.
    # Silencing state breaks no tamper path; data-plane calls are not watched.
    table, table_arn = REFS["StateTable"], ATTS["StateTable.Arn"]
    other_table = f"arn:aws:dynamodb:{REGION}:{ACCT}:table/{table}-other"
    for call in ("DeleteTable", "UpdateTable", "UpdateTimeToLive"):
        for form in (table, table_arn):
            yield "state", event("aws.dynamodb", call, {"tableName": form}), set()
        yield "state", event("aws.dynamodb", call, {"tableName": table}, error="AccessDenied"), set()
        for form in (f"{table}-other", other_table, "someone-elses-table"):
            yield False, event("aws.dynamodb", call, {"tableName": form}), set()
        yield False, event("aws.dynamodb", call, {"tableName": table}, ip=CFN), set()
        yield False, event("aws.dynamodb", call, {"tableName": table}, account=OTHER), set()
        yield False, forged(event("aws.dynamodb", call, {"tableName": table})), set()
    yield "state", event("aws.dynamodb", "PutResourcePolicy", {"resourceArn": table_arn, "policy": "{}"}), set()
    yield False, event("aws.dynamodb", "PutResourcePolicy", {"resourceArn": other_table, "policy": "{}"}), set()
    yield False, event("aws.dynamodb", "DeleteItem", {"tableName": table, "key": {}}), set()
    for call, params in (("PutRolePolicy", {"policyName": "dedup-state", "policyDocument": "{}"}),
                         ("DeleteRolePolicy", {"policyName": "dedup-state"}),
                         ("DetachRolePolicy", {"policyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"})):
        yield True, event("aws.iam", call, dict(params, roleName=role), region="us-east-1"), {"EventsRule", "HeartbeatRule"}
        yield False, event("aws.iam", call, dict(params, roleName="other-role"), region="us-east-1"), set()
    yield True, event("aws.events", "PutRule", {"name": REFS["FlushRule"], "scheduleExpression": "rate(1 day)"}), set()
    yield True, event("aws.events", "DisableRule", {"name": REFS["FlushRule"]}), set()
    yield False, event("aws.events", "DisableRule", {"name": "other-stack-FlushRule-X"}), set()

    # cloudtrail: any trail, by name or ARN, in any account and region.
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{OTHER}:trail/org-trail"
    for call, param in (("StopLogging", "name"), ("DeleteTrail", "name"), ("UpdateTrail", "name"),
                        ("PutEventSelectors", "trailName"), ("PutInsightSelectors", "trailName")):
        yield True, event("aws.cloudtrail", call, {param: "org-trail"}), {"EventsRule"}
        yield True, event("aws.cloudtrail", call, {param: trail_arn}, account=OTHER, region="ap-south-1"), {"EventsRule"}
        yield False, forged(event("aws.cloudtrail", call, {param: "org-trail"})), set()
    yield False, event("aws.cloudtrail", "StartLogging", {"name": "org-trail"}), set()

    # sqs and cloudwatch
    for q in ("FailureQueue", "DeadLetterQueue"):
        for call in ("DeleteQueue", "PurgeQueue", "SetQueueAttributes"):
            yield True, event("aws.sqs", call, {"queueUrl": REFS[q]}), set()
    yield False, event("aws.sqs", "PurgeQueue", {"queueUrl": REFS["FailureQueue"] + "-other"}), set()
    yield True, event("aws.cloudwatch", "DeleteAlarms", {"alarmNames": ["other", f"{STACK}-HeartbeatAlarm-X"]}), set()
    yield True, event("aws.cloudwatch", "DisableAlarmActions", {"alarmNames": [f"{STACK}-HeartbeatAlarm-X"]}), set()
    yield True, event("aws.cloudwatch", "PutMetricAlarm", {"alarmName": f"{STACK}-FunctionErrorsAlarm-X"}), set()
    yield False, event("aws.cloudwatch", "DeleteAlarms", {"alarmNames": ["other"]}), set()

    # cloudformation: the stack itself, by name or id.
    for call in ("UpdateStack", "DeleteStack", "ExecuteChangeSet", "SetStackPolicy"):
        yield True, event("aws.cloudformation", call, {"stackName": STACK}), set()
        yield True, event("aws.cloudformation", call, {"stackName": REFS["AWS::StackId"]}), set()
        yield False, event("aws.cloudformation", call, {"stackName": "other-stack"}), set()

    # forwarders, in any account: their rules, roles and alarms.
    fwd_role = f"{FWD}-ForwardRole-{SUFFIX}"[:64]
    for name in ("cloudtrail-alerts-forwarder", "cloudtrail-alerts-forwarder-tamper"):
        for call in ("DisableRule", "DeleteRule", "PutRule"):
            yield True, event("aws.events", call, {"name": name}, account=OTHER, region="ap-south-1"), set()
        yield True, event("aws.events", "RemoveTargets", {"rule": name, "ids": ["central-bus"]}, account=OTHER), set()
    yield False, event("aws.events", "DisableRule", {"name": "my-forwarder"}, account=OTHER), set()
    for role_name in (fwd_role, f"cloudtrail-alerts-forwarder-ForwardTamperRole-{SUFFIX}"):
        yield True, event("aws.iam", "PutRolePolicy", {"roleName": role_name}, account=OTHER, region="us-east-1"), set()
    yield False, event("aws.iam", "PutRolePolicy", {"roleName": "ForwardRoleless"}, account=OTHER, region="us-east-1"), set()
    yield True, alarm_change("cloudtrail-alerts-forwarder-failed-invocations", "ALARM"), set()
    yield False, alarm_change("cloudtrail-alerts-forwarder-failed-invocations", "OK"), set()
    yield False, alarm_change("some-other-alarm", "ALARM"), set()
    yield False, forged(alarm_change("cloudtrail-alerts-forwarder-dead-letters", "ALARM")), set()


def forwarder_cases():
    """forwarder.yaml's ForwardTamperRule, in the forwarder's account."""
    role = f"{FWD}-ForwardRole-{SUFFIX}"
    for name in ("cloudtrail-alerts-forwarder", "cloudtrail-alerts-forwarder-tamper"):
        for call in ("DisableRule", "DeleteRule", "PutRule"):
            yield True, event("aws.events", call, {"name": name}, account=OTHER)
        yield True, event("aws.events", "RemoveTargets", {"rule": name, "ids": ["central-bus"]}, account=OTHER)
        yield False, event("aws.events", "DisableRule", {"name": name}, account=OTHER, ip=CFN)
        yield False, forged(event("aws.events", "DisableRule", {"name": name}, account=OTHER))
    yield False, event("aws.events", "DisableRule", {"name": "another-rule"}, account=OTHER)
    for call in ("PutRolePermissionsBoundary", "PutRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "DeleteRolePolicy"):
        yield True, event("aws.iam", call, {"roleName": role}, account=OTHER, region="us-east-1")
        yield False, event("aws.iam", call, {"roleName": "another-role"}, account=OTHER, region="us-east-1")
    yield True, event("aws.sqs", "PurgeQueue", {"queueUrl": REFS["ForwardDeadLetterQueue"]}, account=OTHER)
    yield False, event("aws.sqs", "PurgeQueue", {"queueUrl": REFS["ForwardDeadLetterQueue"] + "x"}, account=OTHER)
    yield True, event("aws.cloudtrail", "StopLogging", {"name": "org-trail"}, account=OTHER)
    yield True, alarm_change("cloudtrail-alerts-forwarder-dead-letters", "ALARM", account=OTHER)
    # Another account's events are that account's forwarder's business.
    yield False, event("aws.cloudtrail", "StopLogging", {"name": "org-trail"}, account=ACCT)


def load_rules(path, conditions):
    with open(os.path.join(ROOT, path)) as f:
        tpl = yaml_parse(f.read())
    rules, failures = {}, 0
    for name, res in tpl["Resources"].items():
        if res["Type"] != "AWS::Events::Rule" or "EventPattern" not in res["Properties"]:
            continue
        props = res["Properties"]
        text = json.dumps(resolve(props["EventPattern"], conditions), separators=(",", ":"))
        if len(text) > LIMIT:
            failures += 1
            print(f"FAIL: {path} {name} pattern is {len(text)} characters (limit {LIMIT})")
        topics = {resolve(t["Arn"], conditions) for t in props.get("Targets", [])}
        rules[name] = (EventPattern.load(text), topics)
    return rules, failures


def describe(ev):
    d = ev["detail"]
    what = d.get("eventName") or d.get("alarmName")
    return f"{ev['source']} {what} {json.dumps(d.get('requestParameters', d.get('state')))} in {ev['account']}"


def main():
    failures, counted = 0, {"central": 0, "forwarder": 0}
    tamper_rules = ("TamperRule", "TrailTamperRule", "ForwarderAlarmRule")
    configurations = ((False, False), (True, True), (False, True))
    for has_phone, has_state in configurations:
        rules, f = load_rules("template.yaml", {"HasPhone": has_phone, "HasState": has_state})
        failures += f
        for want, ev, breaks in central_cases():
            if want == "sms":
                want = has_phone
            if want == "state":
                want = has_state
            counted["central"] += 1
            matched = [r for r in tamper_rules if rules[r][0].matches_event(ev)]
            broken_topics = {REFS[t] for t in breaks if t in REFS}
            # Reported only through a rule the call leaves working, to a topic it leaves working.
            reported = [r for r in matched if r not in breaks and rules[r][1] - broken_topics]
            if want and not reported:
                failures += 1
                print(f"FAIL (phone={has_phone}, state={has_state}): not reported through an unbroken rule and topic: "
                      f"{describe(ev)} (matched by {matched or 'nothing'}, breaks {sorted(breaks)})")
            if not want and matched:
                failures += 1
                print(f"FAIL (phone={has_phone}, state={has_state}): {matched} match a near miss: {describe(ev)} from {ev['detail'].get('sourceIPAddress')}")
    # A forwarder runs in another account: resolve AWS::AccountId to it.
    REFS["AWS::AccountId"] = OTHER
    fwd, f = load_rules("forwarder.yaml", {"AllManagementEvents": True})
    REFS["AWS::AccountId"] = ACCT
    failures += f
    pattern = fwd["ForwardTamperRule"][0]
    for want, ev in forwarder_cases():
        counted["forwarder"] += 1
        if pattern.matches_event(ev) != want:
            failures += 1
            print(f"FAIL: forwarder tamper rule {'misses' if want else 'matches'} {describe(ev)}")
    print(f"check-tamper: {counted['central'] // len(configurations)} central cases x "
          f"{len(configurations)} configurations, "
          f"{counted['forwarder']} forwarder cases, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
