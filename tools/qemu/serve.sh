#!/bin/bash
# serve.sh: boots Linux 6.12 (CONFIG_ANON_VMA_NAME=y) under QEMU with the executor as /init serving batch after batch
# on a virtio-serial port, which is this script's stdin and stdout (the QEMU judge's long-lived guest).
#
#   serve.sh [--kernel BZIMAGE]
#
# The protocol is anonvma-exec --serve's (../executor/README.md "Serving"): "R ready" once booted, then for each batch
# written to stdin and ended by a line "run", its output and "Z <status>". End of stdin shuts the guest down. The
# kernel's console (8250 serial) goes to stderr. The initramfs (init = the executor, /proc) is cached next to the
# kernel, keyed by the executor's sha256. TCG only: a KVM guest hangs on this machine (nested virtualisation).
set -u -o pipefail

PROG=serve.sh
die() { echo "$PROG: error: $*" >&2; exit 1; }
KERNEL=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || die "--kernel needs a value"; KERNEL=$2; shift ;;
	--kernel=*) KERNEL=${1#--kernel=} ;;
	-h | --help) echo "usage: $PROG [--kernel BZIMAGE]" >&2; exit 0 ;;
	*) die "unknown argument '$1' (usage: $PROG [--kernel BZIMAGE])" ;;
	esac
	shift
done

HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
EXECDIR=$HERE/../executor
for c in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip make:make gcc:gcc sha256sum:coreutils; do
	command -v "${c%%:*}" >/dev/null 2>&1 || die "missing ${c%%:*}; install it with: apt-get install ${c##*:}"
done
make -s -C "$EXECDIR" >&2 || die "building the executor failed"
EXEC=$EXECDIR/anonvma-exec
if [ -z "$KERNEL" ]; then
	KERNEL=$("$HERE/build-kernel.sh" --print-path) || die "no kernel image; build it once with: $HERE/build-kernel.sh"
fi
[ -r "$KERNEL" ] || die "cannot read kernel image '$KERNEL'"

SUM=$(sha256sum <"$EXEC" | cut -c1-16) || die "sha256sum failed"
INITRD=$(dirname "$KERNEL")/serve-initrd-$SUM.gz
if [ ! -f "$INITRD" ]; then
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-serve.XXXXXX") || die "mktemp failed"
	trap 'rm -rf "$WORK"' EXIT
	mkdir -p "$WORK/root/proc" "$WORK/root/dev" && cp "$EXEC" "$WORK/root/init" && chmod 755 "$WORK/root/init" ||
		die "cannot stage the initramfs"
	(cd "$WORK/root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$WORK/initrd.gz") || die "packing the initramfs failed"
	mv -f "$WORK/initrd.gz" "$INITRD" || die "cannot write $INITRD"
	rm -rf "$WORK"
	trap - EXIT
fi

# microvm: no PCI, no firmware tables to probe; reboot=t because it has no keyboard controller to reset through.
# no_timer_check: on a loaded host, TCG's timer can miss the ticks timer_irq_works() waits for at boot.
exec qemu-system-x86_64 -M microvm,acpi=off -display none -monitor none -nodefaults -no-reboot -m 512 \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 quiet panic=-1 no_timer_check reboot=t" \
	-chardev file,id=con,path=/dev/stderr -serial chardev:con \
	-device virtio-serial-device -chardev stdio,id=port -device virtserialport,chardev=port,name=anonvma
