"""Service limits and run-time rules that cfn-lint does not check, on a SAM template as built.

Usage (the SAM venv's python: it has samtranslator and samcli's CloudFormation YAML loader):
  .venv/sam/bin/python scripts/template-limits.py [--self-test] TEMPLATE

The template is transformed as CloudFormation would (samtranslator, offline), then every value is resolved to its
worst case (a 128-character stack name, the longest region and partition, generated names at their service maxima,
both branches of an Fn::If), and these are checked:
  - metrics per alarm: at most 10 metrics (MetricStat) in a metric-math alarm (PutMetricAlarm refuses more);
  - environment size: each function's variables as Lambda measures them (the JSON object of names and values,
    UTF-8) at most 4 KB;
  - inline policy size: the inline policies of each role together at most 10,240 characters without whitespace
    (IAM's aggregate limit), and at most 10 managed policies per role;
  - function names: at most 64 characters;
  - recursive loops: a function that an SQS queue's event source mapping invokes, or that can send to such a queue
    (by its policy or its OnFailure destination), is in a Lambda -> SQS -> Lambda loop, which Lambda stops after 16
    hops unless the function has RecursiveLoop: Allow;
  - schedule expressions: every Scheduler schedule's expression, and the default and AllowedPattern of a parameter
    that gives it, against EventBridge Scheduler's grammar (the pattern is tried on good and bad samples);
  - event age: every asynchronous invoke config sets MaximumEventAgeInSeconds, at most the engine's give-up on a
    queued try (--max-event-age, 900 s: Coordinator.Settings.defaults().queuedLease(); TemplateDriftTest ties the
    template to that constant).
--self-test first checks that the checks can fail: each of a set of deliberate breakages of the template (an 11-metric
alarm, an oversized environment, a policy over the limit, a bad schedule, a loose pattern, a 6-hour event age, a
long function name) must be reported, and the template itself must pass.
"""
import copy
import json
import logging
import os
import re
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")   # the translator wants a region; nothing is called
logging.getLogger("samtranslator").setLevel(logging.ERROR)   # its usage metrics are never published here

MAX_ALARM_METRICS = 10
MAX_ENV_BYTES = 4096
MAX_ROLE_INLINE_POLICY_CHARS = 10240
MAX_ROLE_MANAGED_POLICIES = 10
MAX_FUNCTION_NAME = 64
DEFAULT_MAX_EVENT_AGE = 900

# The worst case of each value that CloudFormation or AWS chooses.
STACK_NAME = "s" + "x" * 127                      # stack names are at most 128 characters
REGION = "ap-southeast-2"                         # among the longest region names
PARTITION = "aws-us-gov"                          # the longest partition
ACCOUNT = "123456789012"
STACK_ID = f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK_NAME}/0a1b2c3d-da77-11e4-872e-1234567db123"
RANDOM = "ABCDEFGHIJKLM"                          # the random suffix of generated names
# Generated physical names are <stack>-<logical id>-<random>, cut to the service's maximum.
NAME_MAX = {"AWS::Lambda::Function": 64, "AWS::SQS::Queue": 80, "AWS::SNS::Topic": 256, "AWS::DynamoDB::Table": 255,
            "AWS::S3::Bucket": 63, "AWS::IAM::Role": 64, "AWS::Events::Rule": 64, "AWS::Scheduler::Schedule": 64,
            "AWS::CloudWatch::Alarm": 255, "AWS::Logs::LogGroup": 512}

# EventBridge Scheduler's recurring expressions, as a samples table for the AllowedPattern of a schedule parameter.
GOOD_SCHEDULES = ["rate(1 minute)", "rate(2 minutes)", "rate(15 minutes)", "rate(1 hour)", "rate(12 hours)",
                  "rate(1 day)", "rate(7 days)", "rate(120 minutes)", "cron(* * * * ? *)", "cron(0/5 * * * ? *)",
                  "cron(0 2 ? * MON-FRI *)", "cron(15 10 L * ? 2030)", "cron(0 8 ? * 6#3 *)"]
# Refused by Scheduler, or (leading zeros) not worth a failed deploy to find out.
BAD_SCHEDULES = ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(0 minute)", "rate(01 minute)",
                 "rate(05 minutes)", "rate(-5 minutes)", "rate(1 second)", "rate(30 seconds)", "rate(1 week)",
                 "rate(2 weeks)", "rate(minute)", "rate(1  minute)", "rate( 1 minute)", "rate(1.5 hours)",
                 "rate(1 Minute)", "RATE(1 minute)", "rate(1 minute) ", " rate(1 minute)", "rate(1 minute",
                 "cron(* * * * *)", "cron(* * * * ? * *)", "cron()", "cron(0 2 * * ? *); rm -rf /",
                 "at(2030-01-01T00:00:00)", "", "1 minute", "rate(5 minutes)\nrate(1 minutes)"]

CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#-]+")


def scheduler_accepts(expr):
    """EventBridge Scheduler's grammar for recurring schedules, written independently of the template's pattern."""
    m = re.fullmatch(r"rate\(([0-9]+) ([a-z]+)\)", expr)
    if m:
        value, unit = m.group(1), m.group(2)
        if value.startswith("0"):
            return False
        n = int(value)
        base = unit[:-1] if unit.endswith("s") else unit
        if base not in ("minute", "hour", "day"):
            return False
        return unit == base if n == 1 else unit == base + "s"
    m = re.fullmatch(r"cron\((.*)\)", expr)
    if m:
        fields = m.group(1).split(" ")
        return len(fields) == 6 and all(CRON_FIELD.fullmatch(f) for f in fields)
    return False


class NoManagedPolicies:
    def load(self):
        return {}


def transformed(template):
    t = copy.deepcopy(template)
    # As `sam deploy` uploads it: the code is an S3 object (its place changes no limit checked here).
    t.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for r in t.get("Resources", {}).values():
        if r.get("Type") == "AWS::Serverless::Function":
            r.setdefault("Properties", {})["CodeUri"] = "s3://sam-artifacts-bucket/0123456789abcdef0123456789abcdef"
    params = {k: v.get("Default") for k, v in t.get("Parameters", {}).items() if "Default" in v}
    return transform(t, params, NoManagedPolicies())


class Resolver:
    """Worst-case values of intrinsic functions."""

    def __init__(self, template):
        self.template = template
        self.resources = template.get("Resources", {})
        self.parameters = template.get("Parameters", {})

    def physical_name(self, logical):
        r = self.resources.get(logical, {})
        props = r.get("Properties", {})
        typ = r.get("Type", "")
        explicit = {"AWS::Lambda::Function": "FunctionName", "AWS::SQS::Queue": "QueueName",
                    "AWS::SNS::Topic": "TopicName", "AWS::DynamoDB::Table": "TableName",
                    "AWS::S3::Bucket": "BucketName", "AWS::IAM::Role": "RoleName",
                    "AWS::Logs::LogGroup": "LogGroupName"}.get(typ)
        if explicit and explicit in props:
            return self.string(props[explicit])
        return f"{STACK_NAME}-{logical}-{RANDOM}"[:NAME_MAX.get(typ, 255)]

    def ref(self, name):
        pseudo = {"AWS::StackName": STACK_NAME, "AWS::Region": REGION, "AWS::Partition": PARTITION,
                  "AWS::AccountId": ACCOUNT, "AWS::StackId": STACK_ID, "AWS::URLSuffix": "amazonaws.com.cn",
                  "AWS::NoValue": None}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            p = self.parameters[name]
            values = [str(v) for v in p.get("AllowedValues", [])] or [str(p.get("Default", ""))]
            return max(values, key=len)
        if name not in self.resources:
            raise ValueError(f"Ref to unknown {name}")
        typ = self.resources[name]["Type"]
        n = self.physical_name(name)
        if typ == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{n}"
        if typ == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{n}"
        if typ == "AWS::Lambda::Alias":
            fn = self.resources[name]["Properties"]["FunctionName"]
            alias = self.string(self.resources[name]["Properties"]["Name"])
            return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self.string(fn)}:{alias}"
        if typ == "AWS::Lambda::Version":
            fn = self.resources[name]["Properties"]["FunctionName"]
            return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self.string(fn)}:123456"
        return n

    def get_att(self, logical, attr):
        typ = self.resources[logical]["Type"]
        n = self.physical_name(logical)
        service = {"AWS::SQS::Queue": "sqs", "AWS::SNS::Topic": "sns", "AWS::DynamoDB::Table": "dynamodb",
                   "AWS::S3::Bucket": "s3", "AWS::Lambda::Function": "lambda", "AWS::IAM::Role": "iam",
                   "AWS::Events::Rule": "events", "AWS::Logs::LogGroup": "logs"}.get(typ, "x")
        if attr in ("QueueName", "TopicName"):
            return n
        if attr == "Arn":
            return {"AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{n}",
                    "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{n}",
                    "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{n}",
                    "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{n}",
                    "AWS::Events::Rule": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{n}",
                    "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{n}:*"}.get(
                typ, f"arn:{PARTITION}:{service}:{REGION}:{ACCOUNT}:{n}")
        return f"{n}-{attr}"

    def value(self, v):
        """The value with every intrinsic function evaluated (lists and maps keep their shape)."""
        if isinstance(v, dict) and len(v) == 1:
            (k, a), = v.items()
            if k == "Ref":
                return self.ref(a)
            if k == "Fn::GetAtt":
                logical, attr = (a.split(".", 1) if isinstance(a, str) else a)
                return self.get_att(logical, attr)
            if k == "Fn::Sub":
                text, variables = (a, {}) if isinstance(a, str) else (a[0], a[1])
                variables = {name: self.string(x) for name, x in variables.items()}

                def one(m):
                    name = m.group(1)
                    if name.startswith("!"):
                        return "${" + name[1:] + "}"
                    if name in variables:
                        return variables[name]
                    if "." in name:
                        return self.get_att(*name.split(".", 1))
                    return self.ref(name)
                return re.sub(r"\$\{([^}]+)\}", one, text)
            if k == "Fn::Join":
                return a[0].join(self.string(x) for x in self.value(a[1]))
            if k == "Fn::Select":
                return self.value(a[1])[int(self.string(a[0]))]
            if k == "Fn::Split":
                return self.string(a[1]).split(a[0])
            if k == "Fn::If":
                branches = [self.value(a[1]), self.value(a[2])]
                return max(branches, key=lambda b: len(json.dumps(b)) if b is not None else -1)
            if k == "Fn::ImportValue":
                return "x" * 1024
        if isinstance(v, dict):
            out = {}
            for key, x in v.items():
                r = self.value(x)
                if r is not None:
                    out[key] = r
            return out
        if isinstance(v, list):
            return [r for r in (self.value(x) for x in v) if r is not None]
        return v

    def string(self, v):
        r = self.value(v)
        if isinstance(r, (dict, list)):
            raise ValueError(f"not a string: {v}")
        return str(r)


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def check(sam_template, max_event_age):
    """The list of problems found; empty when the template is within every limit."""
    problems = []
    cfn = transformed(sam_template)
    res = Resolver(cfn)
    resources = cfn.get("Resources", {})
    for name, r in sorted(resources.items()):
        typ, props = r.get("Type"), r.get("Properties", {})
        if typ == "AWS::CloudWatch::Alarm":
            metrics = [m for m in props.get("Metrics", []) if "MetricStat" in m]
            if len(metrics) > MAX_ALARM_METRICS:
                problems.append(f"{name}: {len(metrics)} metrics in one alarm; CloudWatch takes at most "
                                f"{MAX_ALARM_METRICS} (split it into alarms of 10)")
        elif typ == "AWS::Lambda::Function":
            fn_name = res.physical_name(name)
            if len(fn_name) > MAX_FUNCTION_NAME:
                problems.append(f"{name}: function name {fn_name!r} is {len(fn_name)} characters; Lambda takes at "
                                f"most {MAX_FUNCTION_NAME}")
            variables = res.value(props.get("Environment", {}).get("Variables", {}))
            size = len(compact(variables).encode("utf-8"))
            if size > MAX_ENV_BYTES:
                problems.append(f"{name}: environment of {size} bytes at worst (128-character stack name); Lambda "
                                f"takes at most {MAX_ENV_BYTES}")
        elif typ == "AWS::IAM::Role":
            inline = [res.value(p.get("PolicyDocument", {})) for p in props.get("Policies", [])]
            chars = sum(len(re.sub(r"\s", "", compact(d))) for d in inline)
            if chars > MAX_ROLE_INLINE_POLICY_CHARS:
                problems.append(f"{name}: inline policies of {chars} characters at worst; IAM takes at most "
                                f"{MAX_ROLE_INLINE_POLICY_CHARS} per role (all inline policies together)")
            managed = props.get("ManagedPolicyArns", [])
            if len(managed) > MAX_ROLE_MANAGED_POLICIES:
                problems.append(f"{name}: {len(managed)} managed policies; IAM attaches at most "
                                f"{MAX_ROLE_MANAGED_POLICIES} to a role by default")
        elif typ == "AWS::Lambda::EventInvokeConfig":
            age = props.get("MaximumEventAgeInSeconds")
            if age is None:
                problems.append(f"{name}: no MaximumEventAgeInSeconds, so Lambda keeps events 6 hours while the "
                                f"engine gives up on a queued try after {max_event_age} s")
            elif int(age) > max_event_age:
                problems.append(f"{name}: MaximumEventAgeInSeconds {age} exceeds the engine's give-up "
                                f"({max_event_age} s)")
        elif typ == "AWS::Scheduler::Schedule":
            problems.extend(check_schedule(name, props.get("ScheduleExpression"), cfn.get("Parameters", {}), res))
    problems.extend(check_loops(resources, res))
    return problems


def glob(pattern):
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def function_of(logical, resources):
    """The AWS::Lambda::Function behind a function, version or alias reference."""
    r = resources.get(logical, {})
    if r.get("Type") in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        fn = r["Properties"]["FunctionName"]
        target = fn.get("Ref") if isinstance(fn, dict) else None
        return function_of(target, resources) if target else None
    return logical if r.get("Type") == "AWS::Lambda::Function" else None


def check_loops(resources, res):
    """Functions in a Lambda -> SQS -> Lambda loop must allow it (RecursiveLoop: Allow)."""
    queues, in_loop = {}, {}   # queue ARN -> logical id; function -> why it is in a loop
    for name, r in resources.items():
        if r["Type"] == "AWS::Lambda::EventSourceMapping":
            arn = res.string(r["Properties"]["EventSourceArn"])
            if ":sqs:" in arn:
                queues[arn] = r["Properties"]["EventSourceArn"].get("Fn::GetAtt", [arn])[0]
                fn = r["Properties"]["FunctionName"]
                target = function_of(fn.get("Ref"), resources) if isinstance(fn, dict) else None
                if target:
                    in_loop[target] = f"{name} invokes it from {queues[arn]}"
    for name, r in resources.items():
        if r["Type"] == "AWS::Lambda::EventInvokeConfig":
            dest = res.value(r["Properties"].get("DestinationConfig", {})).get("OnFailure", {}).get("Destination")
            fn = function_of(r["Properties"]["FunctionName"].get("Ref"), resources)
            if fn and dest in queues:
                in_loop.setdefault(fn, f"its OnFailure destination is {queues[dest]}")
        if r["Type"] != "AWS::Lambda::Function":
            continue
        role = r["Properties"].get("Role", {})
        role_name = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
        for policy in resources.get(role_name, {}).get("Properties", {}).get("Policies", []):
            for st in res.value(policy.get("PolicyDocument", {})).get("Statement", []):
                actions = st.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if st.get("Effect") != "Allow" or not any(glob(a).fullmatch("sqs:SendMessage") for a in actions):
                    continue
                targets = st.get("Resource", [])
                for t in [targets] if isinstance(targets, str) else targets:
                    for q in queues:
                        if glob(t).fullmatch(q):
                            in_loop.setdefault(name, f"it may send to {queues[q]}")
    return [f"{fn}: in a Lambda -> SQS -> Lambda loop ({why}) without RecursiveLoop: Allow; Lambda stops such a "
            f"chain after 16 hops" for fn, why in sorted(in_loop.items())
            if resources[fn]["Properties"].get("RecursiveLoop") != "Allow"]


def check_schedule(name, expr, parameters, res):
    problems = []
    if isinstance(expr, dict) and set(expr) == {"Ref"} and expr["Ref"] in parameters:
        pname = expr["Ref"]
        p = parameters[pname]
        default = str(p.get("Default", ""))
        if not scheduler_accepts(default):
            problems.append(f"Parameters.{pname}: default {default!r} is not an EventBridge Scheduler expression")
        pattern = p.get("AllowedPattern")
        if pattern is None and not p.get("AllowedValues"):
            problems.append(f"Parameters.{pname}: no AllowedPattern, so any text reaches {name} and fails the deploy")
        for v in p.get("AllowedValues", []):
            if not scheduler_accepts(str(v)):
                problems.append(f"Parameters.{pname}: allowed value {v!r} is not a Scheduler expression")
        if pattern is not None:
            rx = re.compile(pattern)   # CloudFormation matches the whole value (Java regex; same syntax here)
            for s in GOOD_SCHEDULES:
                if not rx.fullmatch(s):
                    problems.append(f"Parameters.{pname}: AllowedPattern refuses {s!r}, which Scheduler accepts")
            for s in BAD_SCHEDULES:
                if rx.fullmatch(s):
                    problems.append(f"Parameters.{pname}: AllowedPattern accepts {s!r}, which Scheduler refuses")
        for s in GOOD_SCHEDULES + BAD_SCHEDULES:   # the grammar above must itself sort the samples right
            if scheduler_accepts(s) != (s in GOOD_SCHEDULES):
                problems.append(f"template-limits.py: its Scheduler grammar misjudges {s!r}")
    else:
        value = res.string(expr)
        if not scheduler_accepts(value) and not value.startswith("at("):
            problems.append(f"{name}: {value!r} is not an EventBridge Scheduler expression")
    return problems


def a_function(template):
    """The first function of the template (the one a breakage changes)."""
    for name, r in template["Resources"].items():
        if r["Type"] == "AWS::Serverless::Function":
            return name, r
    raise ValueError("no function to break")


def breakages(t):
    """(what, how to break a copy of the SAM template, a word the report must contain)."""
    def eleven_metrics(c):
        alarm = next(r for r in c["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm" and "Metrics" in r["Properties"])
        stat = next(m for m in alarm["Properties"]["Metrics"] if "MetricStat" in m)
        while sum("MetricStat" in m for m in alarm["Properties"]["Metrics"]) <= MAX_ALARM_METRICS:
            m = copy.deepcopy(stat)
            m["Id"] = f"extra{len(alarm['Properties']['Metrics'])}"
            alarm["Properties"]["Metrics"].append(m)

    def big_environment(c):
        _, fn = a_function(c)
        env = fn["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
        for i in range(30):   # 30 variables of 120 characters of which 100 are the stack name: over 4 KB only at worst
            env[f"SLUICE_PADDING_{i:02d}"] = {"Fn::Sub": "${AWS::StackName}-" + "p" * 19}

    def big_policy(c):
        _, fn = a_function(c)
        statements = [{"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-%03d/*" % i}}
                      for i in range(60)]
        role = fn["Properties"].get("Role")
        if isinstance(role, dict) and "Fn::GetAtt" in role:
            # a function with a role of its own: the policy goes on that role
            role_name = role["Fn::GetAtt"][0] if isinstance(role["Fn::GetAtt"], list) \
                else role["Fn::GetAtt"].split(".")[0]
            c["Resources"][role_name]["Properties"].setdefault("Policies", []).append(
                {"PolicyName": "oversized", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}})
        else:
            fn["Properties"].setdefault("Policies", []).append({"Statement": statements})

    def bad_default(c):
        c["Parameters"][schedule_parameter(c)]["Default"] = "rate(1 minutes)"

    def loose_pattern(c):
        c["Parameters"][schedule_parameter(c)]["AllowedPattern"] = r"^(rate\(\d+ (minute|minutes|hour|hours)\)|cron\(.+\))$"

    def stale_events(c):
        for r in c["Resources"].values():
            if r["Type"] == "AWS::Serverless::Function" and "EventInvokeConfig" in r["Properties"]:
                r["Properties"]["EventInvokeConfig"]["MaximumEventAgeInSeconds"] = 21600
                return
        raise ValueError("no EventInvokeConfig to break")

    def loop_detection(c):
        c["Globals"]["Function"].pop("RecursiveLoop", None)
        for r in c["Resources"].values():
            r.get("Properties", {}).pop("RecursiveLoop", None)

    def long_name(c):
        _, fn = a_function(c)
        fn["Properties"]["FunctionName"] = {"Fn::Sub": "${AWS::StackName}-task-Example"}

    return [("an 11-metric alarm", eleven_metrics, "metrics in one alarm"),
            ("an environment over 4 KB with a long stack name", big_environment, "environment of"),
            ("inline policies over 10,240 characters", big_policy, "inline policies of"),
            ("a schedule default Scheduler refuses", bad_default, "is not an EventBridge Scheduler expression"),
            ("a schedule pattern that lets rate(1 minutes) through", loose_pattern, "AllowedPattern accepts"),
            ("a 6-hour maximum event age", stale_events, "exceeds the engine's give-up"),
            ("a function name from the stack name", long_name, "characters; Lambda takes at most"),
            ("no RecursiveLoop: Allow on the coordinator's loop", loop_detection, "without RecursiveLoop: Allow")]


def schedule_parameter(t):
    for r in t["Resources"].values():
        if r["Type"] == "AWS::Scheduler::Schedule":
            e = r["Properties"]["ScheduleExpression"]
            if isinstance(e, dict) and "Ref" in e:
                return e["Ref"]
    raise ValueError("no schedule parameter to break")


def self_test(template, max_event_age):
    failures = []
    for what, breaks, expected in breakages(template):
        broken = copy.deepcopy(template)
        breaks(broken)
        found = check(broken, max_event_age)
        if not any(expected in p for p in found):
            failures.append(f"self-test: {what} was not reported (found: {found or 'nothing'})")
        else:
            print(f"   self-test: {what}: reported")
    return failures


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    max_event_age = DEFAULT_MAX_EVENT_AGE
    for a in argv:
        if a.startswith("--max-event-age="):
            max_event_age = int(a.split("=", 1)[1])
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0]) as f:
        template = yaml_parse(f.read())
    problems = self_test(template, max_event_age) if "--self-test" in argv else []
    problems += check(template, max_event_age)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    cfn = transformed(template)
    res = Resolver(cfn)
    for name, r in sorted(cfn["Resources"].items()):
        if r["Type"] == "AWS::Lambda::Function":
            size = len(compact(res.value(r["Properties"].get("Environment", {}).get("Variables", {}))).encode())
            print(f"   {name}: environment {size} of {MAX_ENV_BYTES} bytes at worst")
        elif r["Type"] == "AWS::IAM::Role":
            chars = sum(len(re.sub(r"\s", "", compact(res.value(p.get("PolicyDocument", {})))))
                        for p in r["Properties"].get("Policies", []))
            print(f"   {name}: inline policies {chars} of {MAX_ROLE_INLINE_POLICY_CHARS} characters at worst")
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("RecursiveLoop") == "Allow":
            print(f"   {name}: RecursiveLoop Allow")
        if r["Type"] == "AWS::CloudWatch::Alarm" and "Metrics" in r["Properties"]:
            n = sum("MetricStat" in m for m in r["Properties"]["Metrics"])
            print(f"   {name}: {n} of {MAX_ALARM_METRICS} metrics")
    print("   limits: within every one")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
