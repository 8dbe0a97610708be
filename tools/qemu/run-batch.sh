#!/bin/bash
# run-batch.sh: runs an anonvma-exec batch on Linux 6.12 (CONFIG_ANON_VMA_NAME=y) under QEMU.
#
#   run-batch.sh BATCH [--timeout SECONDS] [--call-timeout-ms MS] [--kernel BZIMAGE] [--log FILE]
#
# BATCH is a batch file for anonvma-exec (../executor/README.md), or - for stdin.
# The executor's output lines (T, C, O, S and | lines) go to stdout, \r stripped; nothing else does.
#   --timeout SECONDS  kill QEMU after this long (default 120); the run then fails (exit 3).
#   --call-timeout-ms MS  how long the guest's executor waits for one call (default 20000: under TCG on a
#                      busy host a one-page call has taken over 2 s, the executor's native default).
#   --kernel BZIMAGE   boot this image instead of the one from build-kernel.sh.
#   --log FILE         keep the raw console in FILE (by default a /tmp file, deleted on success).
# Exit: 0 every trace of the batch reported its end; 1 failure (setup, QEMU, kernel panic,
# missing output); 2 the executor refused the batch as malformed; 3 timeout.
# The executor is built with make -C ../executor; the kernel with ./build-kernel.sh (both only
# if needed; the first kernel build takes a few minutes).
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
EXECDIR=$HERE/../executor

missing=
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
command -v gzip >/dev/null 2>&1 || missing="$missing gzip"
command -v timeout >/dev/null 2>&1 || missing="$missing coreutils"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
[ -z "$missing" ] || die "missing tools; install them with: apt-get install$missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-oracle.XXXXXX") || die "mktemp failed"
QPID= LOG_SHOWN=
cleanup() { rm -rf "$WORK"; }
interrupted() { # EXIT-CODE: stop QEMU (timeout passes the signal on) and say where the console went
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	[ -n "$LOG_SHOWN" ] && echo "$PROG: interrupted; raw console: $LOG_SHOWN" >&2
	exit "$1"
}
trap cleanup EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

# --- the executor (static) and the kernel ------------------------------------------------------
make -C "$EXECDIR" >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log" >&2; die "building the executor failed"; }
EXEC=$EXECDIR/anonvma-exec
[ -x "$EXEC" ] || die "no executor at $EXEC after make"
if [ -z "$KERNEL" ]; then
	KERNEL=$("$HERE/build-kernel.sh") || die "no kernel: $HERE/build-kernel.sh failed"
fi
[ -r "$KERNEL" ] || die "cannot read kernel image '$KERNEL'"

# --- initramfs: /init = executor, /proc, /batch -------------------------------------------------
mkdir -p "$WORK/root/proc" || die "mkdir failed"
cp "$EXEC" "$WORK/root/init" && chmod 755 "$WORK/root/init" || die "cannot copy the executor"
if [ "$BATCH" = - ]; then
	cat >"$WORK/root/batch" || die "cannot read the batch from stdin"
else
	cp "$BATCH" "$WORK/root/batch" || die "cannot copy '$BATCH'"
fi
(cd "$WORK/root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$WORK/initrd.gz") ||
	die "packing the initramfs failed"
# How many traces the batch holds: every one must end with exactly one T end/rejected/timeout/crash.
NTRACES=$(awk '$1 == "trace" { n++ } END { print n + 0 }' "$WORK/root/batch")

# --- boot -------------------------------------------------------------------------------------------
KEEP_LOG=0
if [ -n "$LOG" ]; then
	KEEP_LOG=1
	: >"$LOG" || die "cannot write log '$LOG'"
else
	LOG=$(mktemp /tmp/anonvma-oracle-console.XXXXXX) || die "mktemp failed"
fi
# The console goes to $LOG; QEMU's own messages to qemu.err. No KVM: plain TCG. What follows "--" on the kernel's
# command line is /init's argv. The command line keeps one length whatever the limit (7 digits): the kernel copies it
# into memblock memory (setup_command_line), and a few bytes more once cost MemTotal a page, which the overcommit
# boundary in KernelProfile.Linux612 shows.
# no_timer_check: on a loaded host, TCG's emulated timer can miss the few ticks that timer_irq_works()
# (arch/x86/kernel/apic/io_apic.c) waits for at boot, and the kernel panics "IO-APIC + timer doesn't work!".
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -display none -monitor none -no-reboot -m 512 \
	-serial stdio -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 no_timer_check -- --init --timeout-ms=$(printf %07d "$CALL_TIMEOUT_MS")" </dev/null >"$LOG" 2>"$WORK/qemu.err" &
QPID=$! LOG_SHOWN=$LOG
wait "$QPID"
QRC=$?
QPID=

# --- results --------------------------------------------------------------------------------------
tr -d '\r' <"$LOG" >"$WORK/console"
grep -E '^(T|C|O|S|\|) ' "$WORK/console"
NDONE=$(grep -c -E '^T [^ ]+ (end|rejected .*|timeout -?[0-9]+|crash .*)$' "$WORK/console")

fail() { # CODE MESSAGE
	echo "$PROG: error: $2" >&2
	if [ -s "$WORK/qemu.err" ]; then
		echo "$PROG: qemu said:" >&2
		sed 's/^/  /' "$WORK/qemu.err" >&2
	fi
	echo "$PROG: raw console: $LOG" >&2
	exit "$1"
}
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	fail 3 "timeout: QEMU killed after $TIMEOUT s ($NDONE of $NTRACES traces finished)"
fi
[ "$QRC" = 0 ] || fail 1 "qemu-system-x86_64 exited with status $QRC"
if grep -q -E '^(/?batch:[0-9]+: |anonvma-exec: )' "$WORK/console"; then
	grep -E '^(/?batch:[0-9]+: |anonvma-exec: )' "$WORK/console" | sed "s|^|$PROG: executor: |" >&2
	grep -q -E '^/?batch:[0-9]+: ' "$WORK/console" && fail 2 "the executor refused the batch"
	fail 1 "the executor reported an error"
fi
grep -q -E 'Kernel panic|BUG: |Oops|general protection fault' "$WORK/console" &&
	fail 1 "the kernel crashed ($NDONE of $NTRACES traces finished)"
[ "$NDONE" = "$NTRACES" ] || fail 1 "$NDONE of $NTRACES traces reported their end (console cut short?)"
# Kernel messages printed while the executor ran could have split an output line: warn.
NOISE=$(awk '/^T [^ ]+ / { on = 1 } on && !/^(T|C|O|S|\|) / && !/^reboot: / && !/^ *$/' "$WORK/console")
if [ -n "$NOISE" ]; then
	echo "$PROG: warning: kernel messages among the executor's output (kept in $LOG):" >&2
	printf '%s\n' "$NOISE" | head -n 5 | sed 's/^/  /' >&2
	exit 0
fi
[ "$KEEP_LOG" = 1 ] || rm -f "$LOG"
exit 0
