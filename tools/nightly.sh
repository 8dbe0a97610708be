#!/usr/bin/env bash
# The nightly campaign, as both the workflow (.github/workflows/nightly.yml) and CI (.ci/run) run it:
#
#   tools/nightly.sh TIME DIR [SHARD]     e.g.  nightly.sh 5h campaign-0 0/4
#
# runs `anonvma campaign` for TIME into DIR (resuming DIR if it already holds a campaign), then renders DIR's
# report.html in headless Chromium and checks that every chart is drawn. Exit 0 whether or not the campaign found
# something (findings are in DIR/findings and the report); non-zero when the campaign or the report is broken.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: tools/nightly.sh TIME DIR [SHARD]   (e.g. 5h campaign-0 0/4)" >&2
  exit 2
fi
time=$1 dir=$2 shard=${3:-}

dotnet build -c Release tools/anonvma -v q -nologo -clp:ErrorsOnly
anonvma=(dotnet tools/anonvma/bin/Release/net10.0/anonvma.dll)

if [ -f "$dir/campaign.json" ]; then
  args=(campaign --resume "$dir" --time "$time")
else
  args=(campaign --out "$dir" --time "$time")
  if [ -n "$shard" ]; then args+=(--shard "$shard"); fi
fi
echo "== anonvma ${args[*]}"
set +e
"${anonvma[@]}" "${args[@]}"
rc=$?
set -e
case $rc in
  0) echo "== campaign: no findings" ;;
  1) echo "== campaign: findings (see $dir/findings and $dir/report.html)" ;;
  *) echo "nightly.sh: the campaign failed (exit $rc)" >&2; exit "$rc" ;;
esac

echo "== anonvma report $dir --check"
"${anonvma[@]}" report "$dir" --check --screenshot "$dir/report.png"
