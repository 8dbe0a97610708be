#!/bin/bash
# serve.sh: Linux 6.12 (CONFIG_ANON_VMA_NAME=y) under QEMU with the executor as /init serving batch after batch on a
# virtio-serial port, which is this script's stdin and stdout (the QEMU judge's long-lived guest).
#
#   serve.sh [--kernel BZIMAGE] [--call-timeout-ms MS] [--prepare]
#
# The protocol is anonvma-exec --serve's (../executor/README.md "Serving"): write "hello", read "R ready", then for
# each batch written to stdin and ended by a line "run", its output and "Z <status>". The kernel's console (8250
# serial) goes to stderr.
#
# The guest does not boot each time. The first run for a kernel, executor and call limit boots it once, waits for the
# executor's "R ready", and saves the machine's state (QEMU's migration stream, uncompressed: about 27 MB, read back
# faster than a 4 MB gzip is inflated) next to the kernel; every run restores that state, a guest waiting for its
# first batch, in one or two tenths of a second. Every session therefore starts from the same machine state, MemTotal
# included. A state unused for a week is removed when a new one is saved. TCG only: a KVM guest hangs on this machine.
# --prepare only makes that saved state (if it is missing) and exits, printing "made PATH" or "present PATH": the
# boot is part of building the judge (.ci/install), not of a session's start.
set -u -o pipefail

PROG=serve.sh
die() { echo "$PROG: error: $*" >&2; exit 1; }
KERNEL= CALL_TIMEOUT_MS=20000 PREPARE=0
USAGE="usage: $PROG [--kernel BZIMAGE] [--call-timeout-ms MS] [--prepare]"
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || die "--kernel needs a value"; KERNEL=$2; shift ;;
	--kernel=*) KERNEL=${1#--kernel=} ;;
	--call-timeout-ms) [ $# -ge 2 ] || die "--call-timeout-ms needs a value"; CALL_TIMEOUT_MS=$2; shift ;;
	--call-timeout-ms=*) CALL_TIMEOUT_MS=${1#--call-timeout-ms=} ;;
	--prepare) PREPARE=1 ;;
	-h | --help) echo "$USAGE" >&2; exit 0 ;;
	*) die "unknown argument '$1' ($USAGE)" ;;
	esac
	shift
done
[[ $CALL_TIMEOUT_MS =~ ^[1-9][0-9]{0,6}$ ]] && [ "$CALL_TIMEOUT_MS" -le 3600000 ] ||
	die "--call-timeout-ms wants a whole number of milliseconds from 1 to 3600000, not '$CALL_TIMEOUT_MS'"

HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
EXECDIR=$HERE/../executor
for c in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip make:make gcc:gcc sha256sum:coreutils flock:util-linux; do
	command -v "${c%%:*}" >/dev/null 2>&1 || die "missing ${c%%:*}; install it with: apt-get install ${c##*:}"
done
make -s -C "$EXECDIR" >&2 || die "building the executor failed"
EXEC=$EXECDIR/anonvma-exec
if [ -z "$KERNEL" ]; then
	KERNEL=$("$HERE/build-kernel.sh") || die "no kernel: $HERE/build-kernel.sh failed"
fi
[ -r "$KERNEL" ] || die "cannot read kernel image '$KERNEL'"

# What follows "--" is /init's argv. The command line keeps one length whatever the limit (7 digits): the kernel copies
# it into memblock memory (setup_command_line), and a few bytes more once cost MemTotal a page.
# no_timer_check: on a loaded host, TCG's emulated timer can miss the few ticks that timer_irq_works()
# (arch/x86/kernel/apic/io_apic.c) waits for at boot, and the kernel panics "IO-APIC + timer doesn't work!".
# The TSC as the guest's clock, which it cannot always calibrate or keep under TCG (tsc-khz.sh says why).
TSC=$("$HERE/tsc-khz.sh") || die "tsc-khz.sh failed"
APPEND="console=ttyS0 quiet panic=-1 no_timer_check $TSC -- --init --serve --timeout-ms=$(printf %07d "$CALL_TIMEOUT_MS")"
MACHINE=(-M pc -display none -monitor none -nodefaults -no-reboot -m 512 -kernel "$KERNEL" -append "$APPEND"
	-chardev file,id=con,path=/dev/stderr,append=on -serial chardev:con -device virtio-serial-pci)

# The saved state is QEMU's own migration format: a new QEMU, executor, image or machine gets a state of its own.
# The files' digests are kept beside the kernel under their stat identity, so a session does not hash them again
# (modification and change times to the nanosecond: a rebuild in the same second, same size, is another file).
DIR=$(dirname "$KERNEL")
QEMU=$(command -v qemu-system-x86_64)
ID=$(stat -L -c '%d:%i:%s:%.9Y:%.9Z' "$EXEC" "$KERNEL" "$QEMU" | tr '\n' ' ') || die "cannot stat the executor, the kernel or QEMU"
FILES=
[ -r "$DIR/.serve-files" ] && { IFS='|' read -r cid csum <"$DIR/.serve-files" && [ "$cid" = "$ID" ] && FILES=$csum; }
if [ -z "$FILES" ]; then
	FILES=$( { sha256sum <"$EXEC"; sha256sum <"$KERNEL"; "$QEMU" --version; } | sha256sum | cut -c1-64) || die "sha256sum failed"
	echo "$ID|$FILES" >"$DIR/.serve-files.$$" && mv -f "$DIR/.serve-files.$$" "$DIR/.serve-files" || rm -f "$DIR/.serve-files.$$"
fi
SUM=$( { echo "$FILES"; echo "${MACHINE[*]}"; } | sha256sum | cut -c1-16) || die "sha256sum failed"
INITRD=$DIR/serve-initrd-$SUM.gz
SNAPSHOT=$DIR/serve-state-$SUM

make_snapshot() {
	local work
	work=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-serve.XXXXXX") || die "mktemp failed"
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/root/proc" "$work/root/dev" && cp "$EXEC" "$work/root/init" && chmod 755 "$work/root/init" ||
		die "cannot stage the initramfs"
	(cd "$work/root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$work/initrd.gz") || die "packing the initramfs failed"
	mv -f "$work/initrd.gz" "$INITRD" || die "cannot write $INITRD"
	mkfifo "$work/port.in" "$work/port.out" "$work/mon.in" "$work/mon.out" || die "mkfifo failed"
	qemu-system-x86_64 "${MACHINE[@]}" -initrd "$INITRD" \
		-chardev pipe,id=port,path="$work/port" -device virtserialport,chardev=port,name=anonvma \
		-chardev pipe,id=mon,path="$work/mon" -mon chardev=mon,mode=readline 2>"$work/qemu.err" &
	local qpid=$! line= status=
	exec 7<>"$work/port.out" 8<>"$work/mon.in" 9<>"$work/mon.out"
	# The guest says "R ready" once booted and waiting on the port; then its state is saved. QEMU gone (a bad image,
	# say) ends the wait at once.
	# A read that times out keeps what it had of a line (bash puts it in part), so a line is not cut in two.
	local deadline=$((SECONDS + 120)) gone=0 part= sofar=
	while [ "$line" != "R ready" ] && [ "$SECONDS" -lt "$deadline" ]; do
		if IFS= read -r -t 1 part <&7; then
			line=$sofar$part sofar=
			continue
		fi
		sofar=$sofar$part
		kill -0 "$qpid" 2>/dev/null || { gone=1; break; }
	done
	[ "$line" = "R ready" ] || {
		[ "$gone" = 1 ] || kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		cat "$work/qemu.err" >&2
		[ "$gone" = 1 ] && die "QEMU ended before the guest booted (what it said is above)"
		die "the guest did not boot to 'R ready' within 120 s"
	}
	echo "migrate \"exec:cat >$work/state\"" >&8
	for _ in $(seq 1 600); do
		echo "info migrate" >&8
		status=
		while IFS= read -r -t 1 line <&9; do
			case $line in *"Migration status: completed"*) status=completed ;; *"Migration status: failed"*) status=failed ;; esac
		done
		[ -n "$status" ] && break
	done
	echo quit >&8
	wait "$qpid" 2>/dev/null
	exec 7>&- 8>&- 9>&-
	[ "$status" = completed ] || die "saving the guest's state failed (status '${status:-none}')"
	mv -f "$work/state" "$SNAPSHOT" || die "cannot write $SNAPSHOT"
	find "$DIR" -maxdepth 1 -name 'serve-*' -mtime +7 -delete 2>/dev/null
	rm -rf "$work"
	trap - EXIT
}

# One snapshot at a time, whoever asks first makes it; later sessions find it made.
exec 6>"$DIR/.serve-lock" || die "cannot lock $DIR/.serve-lock"
flock 6 || die "flock failed"
MADE=present
[ -s "$SNAPSHOT" ] && [ -s "$INITRD" ] || { make_snapshot; MADE=made; }
exec 6>&-
if [ "$PREPARE" = 1 ]; then
	echo "$MADE $SNAPSHOT"
	exit 0
fi

touch -c "$SNAPSHOT" "$INITRD" # in use: kept by the clean-up above
exec 3<"$SNAPSHOT" || die "cannot read $SNAPSHOT"
exec qemu-system-x86_64 "${MACHINE[@]}" -initrd "$INITRD" -incoming fd:3 \
	-chardev stdio,id=port -device virtserialport,chardev=port,name=anonvma
