#!/usr/bin/env bash
# Template tier (docs/architecture.md, "Testing tiers"): proves template.yaml with the tools AWS users run.
#   1. sam validate --lint
#   2. cfn-lint template.yaml                                  (any finding fails)
#   3. checkov -f template.yaml                                (no failed check; every checkov:skip has a reason)
#   4. the Makefile's build-<LogicalId> targets match the template's functions
#   5. sam build (no Docker) and, in each function's artifact: its Handler class, and SLUICE_TASK_CLASS if set
#   6. the service limits cfn-lint does not check, on the built template (scripts/template-limits.py: metrics per
#      alarm, environment and inline policy sizes at worst, function names, schedule expressions, event age),
#      after a self-test that proves each check fails on a deliberately broken copy
# Tools come from PyPI into project-local venvs (scripts/venv.sh sam|lint); the functions jar from Maven (Makefile).
# Works offline once the venvs and ~/.m2 are warm. Usage: scripts/check-template.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"   # sam/cfn-lint want a region; nothing is called
build_dir="$root/target/sam-build"
mkdir -p "$root/target"

step_start=0
step() { step_start=$SECONDS; echo "== $*"; }
done_step() { echo "   ok ($((SECONDS - step_start)) s)"; }

step "tools (scripts/venv.sh sam, lint)"
# Two venvs (their pins clash), set up side by side on the first run.
scripts/venv.sh sam >"$root/target/.venv-sam" & sam_pid=$!
scripts/venv.sh lint >"$root/target/.venv-lint" & lint_pid=$!
wait "$sam_pid" && wait "$lint_pid"
sam_bin="$(cat "$root/target/.venv-sam")"
lint_bin="$(cat "$root/target/.venv-lint")"
done_step

step "sam validate --lint"
"$sam_bin/sam" validate --lint --template-file template.yaml
done_step

step "cfn-lint template.yaml"
"$lint_bin/cfn-lint" template.yaml
done_step

step "checkov -f template.yaml"
# --skip-download: no calls to the Prisma Cloud API (CI has no account; results are the same).
"$lint_bin/checkov" -f template.yaml --framework cloudformation --quiet --compact --skip-download
# A suppression must say why: checkov:skip=CKV_..._N:<reason of some length>.
bad_skips="$(grep -nE 'checkov:skip=' template.yaml | grep -vE 'checkov:skip=CKV2?_[A-Z0-9]+_[0-9]+:.{20,}' || true)"
if [ -n "$bad_skips" ]; then
  echo "checkov suppressions without a reason:" >&2
  echo "$bad_skips" >&2
  exit 1
fi
echo "   suppressions: $(grep -c 'checkov:skip=' template.yaml), each with a reason"
done_step

step "Makefile build targets = template functions"
template_functions="$("$sam_bin/python" - <<'PY'
from samcli.yamlhelper import yaml_parse
t = yaml_parse(open("template.yaml").read())
print(" ".join(sorted(k for k, r in t["Resources"].items() if r["Type"] == "AWS::Serverless::Function")))
PY
)"
make_functions="$(make -s --no-print-directory list-functions | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//')"
if [ "$template_functions" != "$make_functions" ]; then
  echo "template functions: $template_functions" >&2
  echo "Makefile FUNCTIONS: $make_functions" >&2
  exit 1
fi
done_step

step "sam build (no Docker; the Makefile runs Maven only if the jar is older than the sources)"
"$sam_bin/sam" build --build-in-source --build-dir "$build_dir" --template-file template.yaml >"$root/target/sam-build.log" 2>&1 \
  || { tail -50 "$root/target/sam-build.log" >&2; echo "sam build failed; full log: target/sam-build.log" >&2; exit 1; }
done_step

step "each function's artifact holds its handler class (and SLUICE_TASK_CLASS)"
"$sam_bin/python" - "$build_dir" <<'PY'
import os, sys, zipfile
from samcli.yamlhelper import yaml_parse

build_dir = sys.argv[1]
t = yaml_parse(open(os.path.join(build_dir, "template.yaml")).read())
global_env = t.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})

def classes_in(artifact):
    """Class names visible on the java21 runtime's classpath: the artifact root and lib/*.jar."""
    names = set()
    for dirpath, _, files in os.walk(artifact):
        for f in files:
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, artifact)
            if rel.endswith(".class"):
                names.add(rel[:-6].replace(os.sep, "."))
            elif rel.startswith("lib" + os.sep) and rel.endswith(".jar"):
                with zipfile.ZipFile(path) as z:
                    names.update(n[:-6].replace("/", ".") for n in z.namelist() if n.endswith(".class"))
    return names

failures, checked = [], 0
for name, res in sorted(t["Resources"].items()):
    if res["Type"] != "AWS::Serverless::Function":
        continue
    props = res["Properties"]
    artifact = os.path.join(build_dir, props["CodeUri"]) if not os.path.isabs(props["CodeUri"]) else props["CodeUri"]
    if not os.path.isdir(artifact):
        failures.append(f"{name}: no artifact directory {artifact}")
        continue
    classes = classes_in(artifact)
    wanted = [props["Handler"].split("::")[0]]
    env = dict(global_env, **props.get("Environment", {}).get("Variables", {}))
    if "SLUICE_TASK_CLASS" in env:
        wanted.append(env["SLUICE_TASK_CLASS"])
    for cls in wanted:
        if cls not in classes:
            failures.append(f"{name}: {cls} is not in {os.path.relpath(artifact)}")
    checked += 1
    print(f"   {name}: {', '.join(wanted)}")
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"   {checked} functions checked")
PY
done_step

step "service limits on the built template (scripts/template-limits.py, self-test first)"
"$sam_bin/python" scripts/template-limits.py --self-test "$build_dir/template.yaml"
done_step

echo "template checks passed in ${SECONDS} s"
