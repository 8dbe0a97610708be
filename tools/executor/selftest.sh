#!/bin/sh
# Self-test for anonvma-exec: builds it, runs sample.batch on the running
# kernel and checks a few results.  Exits non-zero on the first failure.
# Optional stages (skipped when their tools are missing):
#   - /init mode inside a PID namespace (unshare + chroot; needs root);
#   - /init mode under QEMU, only if /usr/bin/qemu-system-x86_64 and a
#     kernel at /root/.cache/anonvma/*/bzImage both exist.
set -u
cd "$(dirname "$0")" || exit 1
HERE=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-selftest.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# section ID FILE: the lines of trace ID
section() { awk -v id="$1" '$1=="T" && $2==id {on=1} on {print} $1=="T" && $2==id && $3!="begin" {on=0}' "$2"; }
# expect ID PATTERN FILE [what]
expect() {
	section "$1" "$3" | grep -q -- "$2" || fail "trace $1: no line matching '$2'${4:+ ($4)}"
}
check_sample() { # FILE LABEL
	out=$1
	expect merge '^| 200000000000-200000003000 rw-p 00000000 00:00 0 $' "$out" "two mmaps merge, trailing space kept"
	expect merge '^C 1 p0 0x200000002000$' "$out"
	expect merge '^T merge end$' "$out"
	expect eexist '^C 1 p0 -EEXIST$' "$out"
	if section name "$out" | grep -q '^C 1 p0 -EINVAL$'; then
		pass "$2: names unsupported on this kernel (PR_SET_VMA -> EINVAL)"
	else
		expect name '^C 1 p0 0$' "$out" "prctl name: 0 or -EINVAL"
		expect name '\[anon:hello\]$' "$out"
		expect name '\[anon:\]$' "$out" "empty name"
		expect name '^C 4 p0 -EFAULT$' "$out" "BADPTR"
		pass "$2: names supported on this kernel"
	fi
	expect name '^C 5 p0 -EINVAL$' "$out" "bad arg2"
	expect fork '^C 2 p0 p1$' "$out"
	expect fork '^O p1 maps$' "$out"
	expect fork '^C 3 p1 ok$' "$out"
	expect fork '^C 4 p1 ok$' "$out"
	expect fork '^O p1 gone$' "$out"
	[ "$(section fork "$out" | grep -c '^O p1 gone$')" = 1 ] || fail "gone reported more than once"
	expect protnone '^C 1 p0 SIGSEGV$' "$out"
	expect protnone '^C 3 p0 ok$' "$out"
	expect memfd '^C 0 p0 h0$' "$out"
	expect memfd ' rw-s .*/memfd:m (deleted)$' "$out"
	expect memfd '^C 3 p0 SIGBUS$' "$out"
	expect file '^C 0 p0 h0$' "$out"
	expect file ' r--p .*/anonvma-exec\.[0-9]*\.[0-9]*\.h0$' "$out"
	expect hint '^C 0 p0 0x200000010000$' "$out"
	expect hint '^C 1 p0 ESCAPED$' "$out"
	expect creds '^C 3 p0 -EPERM$' "$out" "mlock without CAP_IPC_LOCK and RLIMIT_MEMLOCK 0"
	expect creds 'VmFlags: .* lo ' "$out"
	expect refused '^C 0 p0 -ENOMEM$' "$out"
	expect refused '^C 1 p0 -EINVAL$' "$out"
	expect outside '^T outside rejected ' "$out"
	section outside "$out" | grep -q '^T outside begin' && fail "rejected trace printed begin"
	expect slow '^C 0 p0 0$' "$out"
	expect slow '^T slow timeout 1$' "$out"
	expect after '^T after end$' "$out"
	pass "$2: sample.batch results"
}

# 1. build, with no warnings
make clean >/dev/null 2>&1
make >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log"; fail "make"; }
grep -qi warning "$WORK/make.log" && { cat "$WORK/make.log"; fail "compiler warnings"; }
if command -v file >/dev/null 2>&1; then
	file anonvma-exec | grep -Eq 'static(-pie)? linked|statically linked' || fail "anonvma-exec is not static"
fi
pass "build"

# 2. the sample batch, natively
./anonvma-exec sample.batch >"$WORK/out" 2>"$WORK/err"
rc=$?
[ $rc = 0 ] || { cat "$WORK/err"; fail "sample.batch exit code $rc"; }
check_sample "$WORK/out" native
ls /tmp/anonvma-exec.* /dev/shm/anonvma-exec.* >/dev/null 2>&1 && fail "temporary files left in /tmp or /dev/shm"
pass "no temporary files left"

# 2b. --serve: the sample batch relayed, then every call through the controller, on one server; each batch's output
# must be the plain run's (a batch inherits what the server probed before "R ready", and nothing else)
norm() { sed -E 's/ [0-9a-f]+:[0-9a-f]+ [0-9]+ +/ DEV INO /; s/anonvma-exec\.[0-9]+\./anonvma-exec.N./' "$1"; }
{ echo "option stepwise"; cat sample.batch; } >"$WORK/step.batch"
./anonvma-exec "$WORK/step.batch" >"$WORK/out-step" 2>"$WORK/err" || { cat "$WORK/err"; fail "stepwise sample.batch"; }
{ cat sample.batch; echo run; cat "$WORK/step.batch"; echo run; } | ./anonvma-exec --serve >"$WORK/served" 2>"$WORK/err"
[ "$(head -1 "$WORK/served")" = "R ready" ] || fail "--serve: first line '$(head -1 "$WORK/served")'"
[ "$(grep -c '^Z 0$' "$WORK/served")" = 2 ] || { cat "$WORK/err"; fail "--serve: two batches did not both end in Z 0"; }
awk '/^Z /{n++; next} n == 0 && NR > 1' "$WORK/served" >"$WORK/served1"
awk '/^Z /{n++; next} n == 1' "$WORK/served" >"$WORK/served2"
norm "$WORK/served1" >"$WORK/n1" && norm "$WORK/served2" >"$WORK/n2" || fail "--serve: cannot normalise the output"
norm "$WORK/out" | diff - "$WORK/n1" >/dev/null || fail "--serve: the first batch's output is not the plain run's"
norm "$WORK/out-step" | diff - "$WORK/n2" >/dev/null || fail "--serve: the second (stepwise) batch's output is not the plain run's"
pass "--serve: two batches on one server, each as its plain run"

# 3. malformed batches: exit 2 and batch:LINE
printf 'trace a\narena 0x200000000000 0x1000\np0 mmap 1 2 3\nend\n' | ./anonvma-exec >/dev/null 2>"$WORK/err"
rc=$?
[ $rc = 2 ] || fail "malformed batch: exit code $rc, want 2"
grep -q '^batch:3: ' "$WORK/err" || fail "malformed batch: message '$(cat "$WORK/err")'"
printf 'trace a\narena 0x200000000000 0x1000\n' | ./anonvma-exec >/dev/null 2>&1
[ $? = 2 ] || fail "missing end not reported"
pass "malformed batches"

# 4. --timeout-ms and stdin
printf 'trace t\narena 0x200000000000 0x1000\np0 sleep 1000\nend\n' |
	./anonvma-exec --timeout-ms 100 >"$WORK/out2" || fail "timeout run"
grep -q '^T t timeout 0$' "$WORK/out2" || fail "--timeout-ms: $(cat "$WORK/out2")"
pass "--timeout-ms"

# 4b. --plain-fork: a forked process is its forker's child, yet its death by a signal is a crash with the signal
children() { awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null; }
printf 'trace pf\narena 0x200000000000 0x1000\np0 fork\np1 sleep 5000\nend\n' >"$WORK/pf.batch"
./anonvma-exec --plain-fork --timeout-ms 8000 "$WORK/pf.batch" >"$WORK/out-pf" &
exe=$!
p1=
for _ in $(seq 100); do
	for p0 in $(children $exe); do p1=$(children "$p0" | head -1); done
	[ -n "$p1" ] && break
	sleep 0.05
done
[ -n "$p1" ] || fail "--plain-fork: p1 never started"
sleep 0.2 # p1 is asleep in its call
kill -KILL "$p1"
wait $exe || fail "--plain-fork run"
grep -q '^T pf crash p1 SIGKILL$' "$WORK/out-pf" || fail "--plain-fork: a killed p1: $(cat "$WORK/out-pf")"
pass "--plain-fork: a forked process's death"

# 5. runtime.h alone, as a C reproducer embeds it (calls.h in place of its #include): the same output as the executor
{ sed -e '/^#include "calls.h"/{r calls.h' -e 'd}' runtime.h; cat <<'EOF'
int main(void)
{
	BEGIN("repro", 0x200000000000, 0x10000);
	/* 0 */ CALL(0, sys_mmap(0x200000000000, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
	/* 1 */ CALL(0, fork_process());
	/* 2 */ CALL(1, sys_prctl5(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, "heap"));
	/* 3 */ CALL(1, write_byte(0x200000001000));
	/* 4 */ CALL(0, new_memfd(0x2000));
	/* 5 */ CALL(0, sys_mmap(0x200000004000, 0x1000, PROT_READ, MAP_SHARED | MAP_FIXED, HANDLE(0), 0x1000));
	/* 6 */ CALL(1, exit_process());
	return END();
}
EOF
} >"$WORK/repro.c"
printf '%s\n' 'trace repro' 'arena 0x200000000000 0x10000' 'p0 mmap 0x200000000000 0x2000 0x3 0x100022 -1 0x0' \
	'p0 fork' 'p1 prctl 0x0 0x200000001000 0x1000 hex:68656170' 'p1 write 0x200000001000' 'p0 memfd_create 0x2000' \
	'p0 mmap 0x200000004000 0x1000 0x1 0x11 h0 0x1000' 'p1 exit' 'end' >"$WORK/repro.batch"
cc -Wall -Wextra -o "$WORK/repro" "$WORK/repro.c" >"$WORK/cc.log" 2>&1 || { cat "$WORK/cc.log"; fail "runtime.h as a reproducer does not compile"; }
[ -s "$WORK/cc.log" ] && { cat "$WORK/cc.log"; fail "runtime.h as a reproducer: compiler warnings"; }
"$WORK/repro" >"$WORK/repro.out" || fail "the reproducer exited $?"
./anonvma-exec "$WORK/repro.batch" >"$WORK/repro.exec"
inodes() { sed -E 's/^(\| [0-9a-f]+-[0-9a-f]+ [^ ]+ [0-9a-f]+ [0-9a-f:]+ )[0-9]+/\1INODE/' "$1"; }
[ "$(inodes "$WORK/repro.out")" = "$(inodes "$WORK/repro.exec")" ] ||
	{ diff "$WORK/repro.exec" "$WORK/repro.out" | head -20; fail "the reproducer and the executor differ"; }
grep -q '^T repro end$' "$WORK/repro.out" || fail "the reproducer did not finish"
pass "runtime.h as a reproducer prints what the executor prints"

# 6. /init mode in a PID namespace (reboot() there kills our init with SIGHUP)
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v chroot >/dev/null 2>&1; then
	mkdir -p "$WORK/root"
	cp anonvma-exec "$WORK/root/init"
	cp sample.batch "$WORK/root/batch"
	timeout 60 unshare --pid --fork --mount chroot "$WORK/root" /init --init >"$WORK/out3" 2>/dev/null
	check_sample "$WORK/out3" "pid-namespace /init"
	[ -z "$(ls "$WORK/root" | grep -v -e '^init$' -e '^batch$' -e '^proc$')" ] || fail "/init left files behind"
	# PID 1 without --init is an ordinary run (as under gVisor): it reads its FILE and exits, no /batch, no reboot
	# (proc is mounted inside the chroot, in the new mount namespace, never on the host's /proc)
	cp sample.batch "$WORK/root/plain.batch"
	timeout 60 unshare --pid --fork --mount sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /init /plain.batch' sh "$WORK/root" \
		>"$WORK/out5" 2>/dev/null || fail "as PID 1 without --init the executor did not run its batch file and exit 0"
	check_sample "$WORK/out5" "PID 1 without --init"
else
	echo "skip: /init in a PID namespace (needs root and unshare)"
fi

# 7. /init mode under QEMU
KERNEL=$(../qemu/build-kernel.sh --print-path 2>/dev/null)
if [ -x /usr/bin/qemu-system-x86_64 ] && [ -n "$KERNEL" ] && command -v cpio >/dev/null 2>&1; then
	mkdir -p "$WORK/initramfs/proc"
	cp anonvma-exec "$WORK/initramfs/init"
	cp sample.batch "$WORK/initramfs/batch"
	(cd "$WORK/initramfs" && find . | cpio -o -H newc 2>/dev/null | gzip >"$WORK/initrd.gz")
	timeout 300 /usr/bin/qemu-system-x86_64 -display none -monitor none -no-reboot -m 512 \
		-serial "file:$WORK/console" -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 no_timer_check -- --init" >/dev/null 2>&1
	tr -d '\r' <"$WORK/console" | grep -E '^(T|C|O|\|) ' >"$WORK/out4"
	check_sample "$WORK/out4" "qemu $KERNEL"
	# run-batch.sh passes its per-call limit (20 s by default) to the guest's /init: the 5 s sleep now ends
	../qemu/run-batch.sh sample.batch >"$WORK/out6" 2>"$WORK/err6" || { cat "$WORK/err6" >&2; fail "run-batch.sh failed"; }
	expect slow '^T slow end$' "$WORK/out6"
	pass "run-batch.sh gives the guest's executor its --timeout-ms"
else
	msg="QEMU /init test (needs /usr/bin/qemu-system-x86_64, cpio and the image from ../qemu/build-kernel.sh)"
	[ "${ANONVMA_REQUIRE_KERNELS:-}" = 1 ] && fail "ANONVMA_REQUIRE_KERNELS=1 but cannot run the $msg"
	echo "skip: $msg"
fi

echo "selftest passed"
