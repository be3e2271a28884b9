#!/usr/bin/env bash
# The pull-request check (.github/workflows/pull-request.yml): the affected
# targets' findings with a Mermaid picture and kvet's rendered diff as the
# job summary, every finding as SARIF, and annotations
# on the changed lines. Every report is written whatever kvet finds, a
# target that no longer builds included: each command's exit status is
# recorded, not acted on, and the script exits non-zero only at the end,
# after everything was published, when
#   - kvet diff failed (a target does not build at the head, or kvet could
#     not run),
#   - the targets the change affects have error findings (annotations), or
#   - kvet could not run at all (exit 2) for the SARIF report.
# Error findings in targets the change does not touch are in the SARIF
# report but do not fail the pull request: the base branch had them.
#
# usage: pr-check.sh BASE_REF
# env:   KVET                 kvet binary (default ./bin/kvet)
#        OUT                  directory of the reports (default .)
#        GITHUB_STEP_SUMMARY  job summary (default $OUT/kvet-summary.md)
# writes $OUT/kvet-diff.md, $OUT/kvet-findings.md (the affected targets'
# findings and their Mermaid picture), $OUT/kvet.sarif (absent when kvet
# could not run), $OUT/kvet-annotations.txt (also printed: GitHub reads
# them there).
set -uo pipefail # not -e: every step runs, its status is recorded

base=${1:?usage: pr-check.sh BASE_REF}
kvet=${KVET:-./bin/kvet}
out=${OUT:-.}
mkdir -p "$out"
summary=${GITHUB_STEP_SUMMARY:-$out/kvet-summary.md}

"$kvet" diff --base "$base" -o markdown >"$out/kvet-diff.md"
diff_rc=$?

"$kvet" validate -o sarif . >"$out/kvet.sarif"
sarif_rc=$?
if [ ! -s "$out/kvet.sarif" ]; then
	rm -f "$out/kvet.sarif" # nothing to upload
fi

"$kvet" validate -o github --changed-since "$base" . | tee "$out/kvet-annotations.txt"
annotations_rc=${PIPESTATUS[0]}

# The findings of the affected targets with a Mermaid picture of them (what
# deploys them, what they include), for the job summary. The cache makes
# this second run of the same targets cheap; its status is the one above.
"$kvet" validate -o markdown --changed-since "$base" . >"$out/kvet-findings.md"

describe() {
	case $1 in
	0) echo "passed" ;;
	1) echo "**error findings**" ;;
	*) echo "**kvet could not run** (exit $1)" ;;
	esac
}
{
	echo "## kvet"
	echo
	echo "| step | result |"
	echo "|---|---|"
	echo "| rendered diff against \`$base\` | $(describe "$diff_rc") |"
	echo "| validate, every target (SARIF) | $(describe "$sarif_rc") |"
	echo "| validate, affected targets (annotations) | $(describe "$annotations_rc") |"
	echo
	cat "$out/kvet-findings.md"
	echo
	cat "$out/kvet-diff.md"
} >>"$summary"

status=0
if [ "$diff_rc" -ne 0 ] || [ "$annotations_rc" -ne 0 ] || [ "$sarif_rc" -ge 2 ]; then
	status=1
fi
echo "kvet: diff exit $diff_rc, validate (SARIF) exit $sarif_rc, validate (annotations) exit $annotations_rc" >&2
exit "$status"
