#!/usr/bin/env bash
# Shows that kill -9 loses no finding. It runs one campaign to the end undisturbed (the reference), then the same
# campaign (same seeds, judges and mutation) killed with SIGKILL at random moments KILLS times, resuming after each
# kill, and finally resumed to the end. Then it compares the two directories: the same blocks done, the same
# number of traces, the same finding signatures with the same counts, and every finding shrunk, with its trace and
# C reproducer. Exit 0 when they agree, 1 when they do not.
#
#   tools/kill9-test.sh [KILLS]          (default 20)
#
# Environment: SEEDS (default 12000), JUDGES (default model,native), MUTATE (default SplitForgetsName: a wrong
# model rule, so that findings are certain and deterministic), WORK (a directory to keep; default a temporary one),
# SEED (the random seed of the kill times; default from the clock, printed).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
seeds=${SEEDS:-12000}
judges=${JUDGES:-model,native}
mutate=${MUTATE:-SplitForgetsName}
work=${WORK:-$(mktemp -d)}
seed=${SEED:-$(date +%s)}
mkdir -p "$work"
RANDOM=$seed

dotnet build -c Release tools/anonvma -v q -nologo -clp:ErrorsOnly
anonvma=(dotnet tools/anonvma/bin/Release/net10.0/anonvma.dll)
common=(--seeds "$seeds" --judges "$judges" --mutate "$mutate" --block 32)
echo "kill9-test: $kills kills, $seeds seeds, judges $judges, mutation $mutate, kill-time seed $seed, in $work"

run() { # run DIR ARGS...: a campaign that must end normally (exit 0 or 1)
  local log=$1; shift
  set +e; "${anonvma[@]}" "$@" >"$log" 2>&1; local rc=$?; set -e
  if [ "$rc" -gt 1 ]; then echo "kill9-test: campaign failed (exit $rc):" >&2; tail -20 "$log" >&2; exit 2; fi
}

echo "== reference: one undisturbed run"
start=$(date +%s.%N)
run "$work/ref.log" campaign --out "$work/ref" --time 1h "${common[@]}"
ref_secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "   took ${ref_secs%.*} s"

echo "== killed: $kills kills at random moments, resuming after each"
killed=0 attempt=0
# Delays between 0.5 s and about twice the reference's time per kill, so that the kills spread over the whole run
# (start-up, block commits, shrinking) and the campaign is still unfinished when the last one lands.
limit=$(echo "2 * $ref_secs / $kills + 1" | bc); limit=${limit%.*}; [ "${limit:-0}" -ge 2 ] || limit=2
while [ "$killed" -lt "$kills" ]; do
  attempt=$((attempt + 1))
  if [ -f "$work/killed/campaign.json" ]; then args=(campaign --resume "$work/killed" --time 1h)
  else args=(campaign --out "$work/killed" --time 1h "${common[@]}"); fi
  "${anonvma[@]}" "${args[@]}" >"$work/killed-$attempt.log" 2>&1 &
  pid=$!
  r=$(( RANDOM % (limit * 100) ))
  delay=$(echo "scale=2; 0.5 + $r / 100" | bc)
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); what="kill $killed"; else what="no kill: the session had ended"; fi
  wait "$pid" 2>/dev/null || true
  done_blocks=$(python3 -c "import json,sys; d=json.load(open('$work/killed/state.json')); print(sum(r[1]-r[0]+1 for r in d['done'].get('main', [])))" 2>/dev/null || echo "?")
  printf '   after %5s s: %s; blocks done so far: %s\n' "$delay" "$what" "$done_blocks"
  if grep -q "campaign complete" "$work/killed-$attempt.log"; then
    echo "kill9-test: the campaign completed after only $killed of $kills kills; raise SEEDS" >&2
    exit 1
  fi
done
echo "== killed: resume to the end"
run "$work/final.log" campaign --resume "$work/killed" --time 1h

echo "== compare"
python3 - "$work/ref" "$work/killed" "$killed" <<'PY'
import json, os, sys
ref, killed, kills = sys.argv[1], sys.argv[2], int(sys.argv[3])
def load(d):
    state = json.load(open(os.path.join(d, "state.json")))
    findings = {}
    for name in sorted(os.listdir(os.path.join(d, "findings"))):
        f = os.path.join(d, "findings", name)
        rec = json.load(open(os.path.join(f, "finding.json")))
        findings[rec["signature"]] = {k: os.path.exists(os.path.join(f, k)) for k in ("original.trace", "shrunk.trace", "repro.c")}
    return state, findings
rs, rf = load(ref)
ks, kf = load(killed)
problems = []
if rs["done"] != ks["done"]: problems.append(f"done blocks differ: {rs['done']} vs {ks['done']}")
if rs["traces"] != ks["traces"]: problems.append(f"traces differ: {rs['traces']} vs {ks['traces']}")
if set(rf) != set(kf): problems.append(f"finding signatures differ: only in reference {sorted(set(rf) - set(kf))}, only after kills {sorted(set(kf) - set(rf))}")
if rs["findingCounts"] != ks["findingCounts"]: problems.append(f"finding counts differ: {rs['findingCounts']} vs {ks['findingCounts']}")
for sig, files in kf.items():
    missing = [k for k, v in files.items() if not v]
    if missing: problems.append(f"{sig}: missing {', '.join(missing)}")
print(f"   reference: {sum(rs['traces'].values())} traces, {len(rf)} findings: " + ", ".join(f"{s} x{rs['findingCounts'].get(s, 0)}" for s in sorted(rf)))
print(f"   after {kills} kills and {ks['sessions']} sessions: {sum(ks['traces'].values())} traces, {len(kf)} findings")
if not rf: problems.append("the reference found nothing, so the test shows nothing; use a mutation that finds something")
if problems:
    print("kill9-test: FAILED"); [print("  " + p) for p in problems]; sys.exit(1)
print(f"kill9-test: PASSED: no finding lost across {kills} kill -9s")
PY
