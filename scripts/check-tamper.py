#!/usr/bin/env python3
"""Checks template.yaml's event patterns the way EventBridge would see them.

Resolves the intrinsic functions with plausible values (a 30-character stack
name, with and without the SMS topic), then:
- every pattern stays under EventBridge's 4096-character limit;
- the tamper rules (TamperRule, TrailTamperRule) match changes to the stack's
  resources and to CloudTrail, and do not match unrelated resources, other
  accounts, or changes CloudFormation makes during a deploy.
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
ACCT, REGION = "111122223333", "eu-west-1"
NOVALUE = object()
REFS = {
    "AWS::StackName": STACK,
    "AWS::AccountId": ACCT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::NoValue": NOVALUE,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCT}:stack/{STACK}/0d1e2f30-aaaa-bbbb-cccc-1234567890ab",
    "Function": f"{STACK}-Function-AbCdEfGhIjKl",
    "FunctionRole": f"{STACK}-FunctionRole-AbCdEfGhIjKl",
    "AlertTopic": f"arn:aws:sns:{REGION}:{ACCT}:{STACK}-AlertTopic-AbCdEfGhIjKl",
    "SmsTopic": f"arn:aws:sns:{REGION}:{ACCT}:{STACK}-SmsTopic-AbCdEfGhIjKl",
    "FailureQueue": f"https://sqs.{REGION}.amazonaws.com/{ACCT}/{STACK}-FailureQueue-AbCdEfGhIjKl",
    "DeadLetterQueue": f"https://sqs.{REGION}.amazonaws.com/{ACCT}/{STACK}-DeadLetterQueue-AbCdEfGhIjKl",
    "AlertKey": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "AlertKeyAlias": f"alias/{STACK}",
}
ATTS = {
    "AlertKey.Arn": f"arn:aws:kms:{REGION}:{ACCT}:key/{REFS['AlertKey']}",
    "Function.Arn": f"arn:aws:lambda:{REGION}:{ACCT}:function:{REFS['Function']}",
}


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


def event(source, name, params, ip="203.0.113.7", account=ACCT, region=REGION, resources=None):
    detail = {
        "eventSource": source.split(".", 1)[1] + ".amazonaws.com",
        "eventName": name,
        "requestParameters": params,
        "sourceIPAddress": ip,
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/someone"},
    }
    if resources:
        detail["resources"] = resources
    return {
        "version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail", "source": source,
        "account": account, "time": "2026-01-01T00:00:00Z", "region": region, "resources": [],
        "detail": detail,
    }


def cases():
    fn, topic, sms = REFS["Function"], REFS["AlertTopic"], REFS["SmsTopic"]
    key_arn, cfn = ATTS["AlertKey.Arn"], "cloudformation.amazonaws.com"
    rule = f"{STACK}-EventsRule-ABCDEF"
    yield True, event("aws.cloudtrail", "StopLogging", {"name": "org-trail"}, account="999988887777", region="ap-south-1")
    yield True, event("aws.cloudtrail", "PutEventSelectors", {"trailName": "org-trail"})
    yield True, event("aws.events", "DisableRule", {"name": rule})
    yield True, event("aws.events", "PutRule", {"name": rule, "state": "ENABLED"})
    yield True, event("aws.events", "RemoveTargets", {"rule": rule, "ids": ["function"]})
    yield False, event("aws.events", "DisableRule", {"name": "someone-elses-rule"})
    yield False, event("aws.events", "PutRule", {"name": rule}, ip=cfn)
    yield False, event("aws.events", "DisableRule", {"name": rule}, account="999988887777")
    yield True, event("aws.lambda", "UpdateFunctionCode20150331v2", {"functionName": fn})
    yield True, event("aws.lambda", "DeleteFunction20150331", {"functionName": ATTS["Function.Arn"]})
    yield True, event("aws.lambda", "PutFunctionConcurrency20171031", {"functionName": fn, "reservedConcurrentExecutions": 0})
    yield True, event("aws.lambda", "RemovePermission20150331v2", {"functionName": fn, "statementId": "x"})
    yield False, event("aws.lambda", "UpdateFunctionCode20150331v2", {"functionName": fn + "-other"})
    yield False, event("aws.lambda", "UpdateFunctionCode20150331v2", {"functionName": fn}, ip=cfn)
    yield True, event("aws.sns", "DeleteTopic", {"topicArn": topic})
    yield True, event("aws.sns", "Subscribe", {"topicArn": topic, "protocol": "https"})
    yield True, event("aws.sns", "Unsubscribe", {"subscriptionArn": topic + ":0d1e2f30-aaaa"})
    yield False, event("aws.sns", "Unsubscribe", {"subscriptionArn": topic + "-other:0d1e2f30-aaaa"})
    yield False, event("aws.sns", "Subscribe", {"topicArn": topic, "protocol": "email"}, ip=cfn)
    yield True, event("aws.kms", "ScheduleKeyDeletion", {"keyId": REFS["AlertKey"]},
                      resources=[{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": key_arn}])
    yield True, event("aws.kms", "DisableKey", {"keyId": REFS["AlertKeyAlias"]})
    yield False, event("aws.kms", "DisableKey", {"keyId": "another-key"},
                       resources=[{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": key_arn + "0"}])
    yield True, event("aws.sqs", "PurgeQueue", {"queueUrl": REFS["FailureQueue"]})
    yield True, event("aws.cloudwatch", "DeleteAlarms", {"alarmNames": ["other", f"{STACK}-FunctionErrorsAlarm-X"]})
    yield True, event("aws.cloudwatch", "PutMetricAlarm", {"alarmName": f"{STACK}-FunctionErrorsAlarm-X"})
    yield True, event("aws.iam", "DetachRolePolicy", {"roleName": REFS["FunctionRole"]}, region="us-east-1")
    yield False, event("aws.iam", "DetachRolePolicy", {"roleName": "other-role"}, region="us-east-1")
    yield True, event("aws.cloudformation", "DeleteStack", {"stackName": STACK})
    yield False, event("aws.cloudformation", "DeleteStack", {"stackName": "other-stack"})
    # The SMS topic exists (and is watched) only with a phone number.
    yield "sms", event("aws.sns", "DeleteTopic", {"topicArn": sms})


def main():
    with open(os.path.join(ROOT, "template.yaml")) as f:
        tpl = yaml_parse(f.read())
    rules = {k: v for k, v in tpl["Resources"].items() if v["Type"] == "AWS::Events::Rule"}
    failures = 0
    for has_phone in (False, True):
        conditions = {"HasPhone": has_phone}
        patterns = {}
        for name, res in rules.items():
            text = json.dumps(resolve(res["Properties"]["EventPattern"], conditions), separators=(",", ":"))
            if len(text) > LIMIT:
                failures += 1
                print(f"FAIL: {name} pattern is {len(text)} characters (limit {LIMIT})")
            patterns[name] = EventPattern.load(text)
        tamper = [patterns["TamperRule"], patterns["TrailTamperRule"]]
        for want, ev in cases():
            if want == "sms":
                want = has_phone
            got = any(p.matches_event(ev) for p in tamper)
            if got != want:
                failures += 1
                d = ev["detail"]
                print(f"FAIL (phone={has_phone}): tamper rules {'miss' if want else 'match'} "
                      f"{ev['source']} {d['eventName']} {json.dumps(d['requestParameters'])} from {d['sourceIPAddress']}")
    print(f"check-tamper: {len(list(cases()))} cases x 2 configurations, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
