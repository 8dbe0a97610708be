#!/bin/bash
# run-batch.sh: runs an anonvma-exec batch on Linux 6.12 (CONFIG_ANON_VMA_NAME=y) under QEMU: one serve.sh session.
#
#   run-batch.sh BATCH [--timeout SECONDS] [--call-timeout-ms MS] [--kernel BZIMAGE] [--log FILE]
#
# BATCH is a batch file for anonvma-exec (../executor/README.md), or - for stdin.
# The executor's output lines (T, C, O, K, S and | lines) go to stdout, \r stripped; nothing else does.
#   --timeout SECONDS  kill QEMU after this long (default 120); the run then fails (exit 3).
#   --call-timeout-ms MS  how long the guest's executor waits for one call (default 20000: under TCG on a
#                      busy host a one-page call has taken over 2 s, the executor's native default).
#   --kernel BZIMAGE   boot this image instead of the one from build-kernel.sh.
#   --log FILE         keep the console and serve.sh's messages in FILE (by default a /tmp file, deleted on success).
# Exit: 0 every trace of the batch reported its end; 1 failure (setup, QEMU, kernel panic,
# missing output); 2 the executor refused the batch as malformed; 3 timeout.
# The kernel is built with ./build-kernel.sh and the executor by serve.sh (both only if needed; the first kernel
# build takes a few minutes, and the first session for a kernel and executor boots the guest and saves it).
set -u -o pipefail

PROG=run-batch.sh
die() { echo "$PROG: error: $*" >&2; exit 1; }
usage() {
	echo "usage: $PROG BATCH [--timeout SECONDS] [--call-timeout-ms MS] [--kernel BZIMAGE] [--log FILE]" >&2
	echo "  BATCH: an anonvma-exec batch file, or - for stdin" >&2
}

BATCH= TIMEOUT=120 CALL_TIMEOUT_MS=20000 KERNEL= LOG=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || { usage; die "--timeout needs a value"; }; TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#--timeout=} ;;
	--call-timeout-ms) [ $# -ge 2 ] || { usage; die "--call-timeout-ms needs a value"; }; CALL_TIMEOUT_MS=$2; shift ;;
	--call-timeout-ms=*) CALL_TIMEOUT_MS=${1#--call-timeout-ms=} ;;
	--kernel) [ $# -ge 2 ] || { usage; die "--kernel needs a value"; }; KERNEL=$2; shift ;;
	--kernel=*) KERNEL=${1#--kernel=} ;;
	--log) [ $# -ge 2 ] || { usage; die "--log needs a value"; }; LOG=$2; shift ;;
	--log=*) LOG=${1#--log=} ;;
	-h | --help) usage; exit 0 ;;
	-) [ -z "$BATCH" ] || { usage; die "more than one batch"; }; BATCH=- ;;
	-*) usage; die "unknown option '$1'" ;;
	*) [ -z "$BATCH" ] || { usage; die "more than one batch"; }; BATCH=$1 ;;
	esac
	shift
done
[ -n "$BATCH" ] || { usage; die "no batch given"; }
[ "$BATCH" = - ] || [ -r "$BATCH" ] || die "cannot read batch '$BATCH'"
[[ $TIMEOUT =~ ^[0-9]+(\.[0-9]+)?$ ]] && [[ ! $TIMEOUT =~ ^0+(\.0*)?$ ]] ||
	die "--timeout wants a positive number of seconds, not '$TIMEOUT'"
[[ $CALL_TIMEOUT_MS =~ ^[1-9][0-9]{0,6}$ ]] && [ "$CALL_TIMEOUT_MS" -le 3600000 ] ||
	die "--call-timeout-ms wants a whole number of milliseconds from 1 to 3600000, not '$CALL_TIMEOUT_MS'"

HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
# serve.sh checks for QEMU, the build tools and the image, and names what is missing.
command -v timeout >/dev/null 2>&1 || die "missing timeout; install it with: apt-get install coreutils"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-oracle.XXXXXX") || die "mktemp failed"
QPID= LOG_SHOWN=
# The batch's writer holds the pipe at both ends: if the guest stops reading, it waits for ever unless stopped here
# (jobs -pr: the background jobs still running, so no pid another process has since been given).
cleanup() {
	local running
	running=$(jobs -pr)
	[ -z "$running" ] || kill $running 2>/dev/null
	rm -rf "$WORK"
}
interrupted() { # EXIT-CODE: stop QEMU (timeout passes the signal on) and say where the console went
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	[ -n "$LOG_SHOWN" ] && echo "$PROG: interrupted; raw console: $LOG_SHOWN" >&2
	exit "$1"
}
trap cleanup EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

# --- the kernel --------------------------------------------------------------------------------
if [ -z "$KERNEL" ]; then
	KERNEL=$("$HERE/build-kernel.sh") || die "no kernel: $HERE/build-kernel.sh failed"
fi
[ -r "$KERNEL" ] || die "cannot read kernel image '$KERNEL'"
# What the guest is sent: the batch between the session's "hello" and "run".
if [ "$BATCH" = - ]; then
	{ printf 'hello\n' && cat && printf 'run\n'; } >"$WORK/batch" || die "cannot read the batch from stdin"
else
	{ printf 'hello\n' && cat "$BATCH" && printf 'run\n'; } >"$WORK/batch" || die "cannot copy '$BATCH'"
fi
# How many traces the batch holds: every one must end with exactly one T end/rejected/timeout/crash.
NTRACES=$(awk '$1 == "trace" { n++ } END { print n + 0 }' "$WORK/batch")

KEEP_LOG=0
if [ -n "$LOG" ]; then
	KEEP_LOG=1
	: >"$LOG" || die "cannot write log '$LOG'"
else
	LOG=$(mktemp /tmp/anonvma-oracle-console.XXXXXX) || die "mktemp failed"
fi

# --- one serve.sh session: hello, the batch, run; its output up to "Z <status>" ---------------------
# serve.sh restores a guest saved at its first batch (booting and saving it the first time); the console and
# serve.sh's own messages go to $LOG.
# The script holds the pipe open itself: QEMU's stdio chardev tells the guest its host left at end of input.
mkfifo "$WORK/in" && exec 3<>"$WORK/in" || die "mkfifo failed"
LOG_SHOWN=$LOG
timeout -k 5 "$TIMEOUT" "$HERE/serve.sh" --kernel "$KERNEL" --call-timeout-ms "$CALL_TIMEOUT_MS" \
	<"$WORK/in" >"$WORK/out" 2>"$LOG" &
QPID=$!
cat "$WORK/batch" >&3 &
# The guest waits for the next batch after its "Z <status>": the session ends here, once that line is in.
while kill -0 "$QPID" 2>/dev/null; do
	tail -c 64 "$WORK/out" | grep -q '^Z ' && break
	sleep 0.05
done
kill "$QPID" 2>/dev/null
wait "$QPID"
QRC=$?
QPID=

# --- results --------------------------------------------------------------------------------------
tr -d '\r' <"$LOG" >"$WORK/console"
tr -d '\r' <"$WORK/out" | awk '/^Z / { exit } { print }' >"$WORK/lines"
grep -E '^(T|C|O|K|S|\|) ' "$WORK/lines"
NDONE=$(grep -c -E '^T [^ ]+ (end|rejected .*|timeout -?[0-9]+|crash .*)$' "$WORK/lines")
Z=$(sed -n 's/^Z //p' "$WORK/out")

fail() { # CODE MESSAGE
	echo "$PROG: error: $2" >&2
	grep -E '^(serve\.sh|qemu-system-x86_64): ' "$WORK/console" | grep -v 'terminating on signal' | sed 's/^/  /' >&2
	echo "$PROG: console and serve.sh's messages: $LOG" >&2
	exit "$1"
}
if [ -z "$Z" ] && { [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; }; then
	fail 3 "timeout: QEMU killed after $TIMEOUT s ($NDONE of $NTRACES traces finished)"
fi
# "BUG: Bad rss-counter state" is check_mm's report, which the refpage variant is run to see (option kmsg), not a crash.
grep -v 'BUG: Bad rss-counter state' "$WORK/console" | grep -q -E 'Kernel panic|BUG: |Oops|general protection fault' &&
	fail 1 "the kernel crashed ($NDONE of $NTRACES traces finished)"
[ -n "$Z" ] || fail 1 "the guest gave no end of batch (serve.sh exit $QRC; $NDONE of $NTRACES traces finished)"
if grep -q -E '^! ' "$WORK/out"; then
	grep -E '^! ' "$WORK/out" | sed "s|^! |$PROG: executor: |" >&2
	grep -q -E '^! batch:[0-9]+: ' "$WORK/out" && fail 2 "the executor refused the batch"
fi
[ "$Z" = 0 ] || fail 1 "the executor ended with status $Z"
[ "$NDONE" = "$NTRACES" ] || fail 1 "$NDONE of $NTRACES traces reported their end"
[ "$KEEP_LOG" = 1 ] || rm -f "$LOG"
exit 0
