#!/bin/bash
# run.sh: runs forkbench (forkbench.c) as /init of a Linux 6.12 guest under QEMU (TCG), once, and prints its "F"
# lines on stdout.
#
#   run.sh [--variant stock|strdup] [--vmas N] [--forks N] [--timeout SECONDS]
#
#   --variant  stock (the default): the oracle kernel of ../qemu/build-kernel.sh, names shared by reference;
#              strdup: the same kernel with ../qemu/strdup-names.patch, names copied on every VMA copy.
#   --vmas     anonymous VMAs per case (default 65530, the cover letter's 64K)
#   --forks    timed forks per case (default 20)
#   --timeout  kill QEMU after this long (default 1800)
# The guest has 6 GiB: the unnamed and the named case are held side by side, and ten written pages in each of
# 65,530 VMAs take 2.5 GiB each. ../qemu/tsc-khz.sh's arguments keep the TSC as its clock (under TCG the kernel
# would otherwise fall back to jiffies, 4 ms steps, on some boots). The kernel is built if it is not
# cached (a few minutes). Exit: 0 when the guest printed "F done"; 1 otherwise (its console is then on stderr).
set -u -o pipefail

PROG=run.sh
die() { echo "$PROG: error: $*" >&2; exit 1; }
usage() { echo "usage: $PROG [--variant stock|strdup] [--vmas N] [--forks N] [--timeout SECONDS]" >&2; }

VARIANT=stock VMAS=65530 FORKS=20 TIMEOUT=1800
while [ $# -gt 0 ]; do
	case $1 in
	--variant | --vmas | --forks | --timeout)
		[ $# -ge 2 ] || { usage; die "$1 needs a value"; }
		case $1 in --variant) VARIANT=$2 ;; --vmas) VMAS=$2 ;; --forks) FORKS=$2 ;; --timeout) TIMEOUT=$2 ;; esac
		shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage; die "unknown argument '$1'" ;;
	esac
	shift
done
case $VARIANT in stock) KARGS=() ;; strdup) KARGS=(--variant strdup) ;; *) usage; die "unknown variant '$VARIANT'" ;; esac
for n in "$VMAS" "$FORKS" "$TIMEOUT"; do
	case $n in '' | *[!0-9]* | 0) usage; die "--vmas, --forks and --timeout take a positive whole number, not '$n'" ;; esac
done
for c in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip gcc:gcc; do
	command -v "${c%%:*}" >/dev/null 2>&1 || die "${c%%:*} not found (apt-get install ${c#*:})"
done

HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
KERNEL=$("$HERE/../qemu/build-kernel.sh" "${KARGS[@]}") || die "no kernel: build-kernel.sh ${KARGS[*]} failed"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/anonvma-forkbench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/root" || die "mkdir failed"
gcc -static -O2 -Wall -Wextra -o "$WORK/root/init" "$HERE/forkbench.c" -lm 2>"$WORK/cc.log" || { cat "$WORK/cc.log" >&2; die "building forkbench failed"; }
(cd "$WORK/root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1 >"$WORK/initrd.gz") || die "packing the initramfs failed"

TSC=$("$HERE/../qemu/tsc-khz.sh") || die "tsc-khz.sh failed" # the guest's clock (tsc-khz.sh says why)
timeout "$TIMEOUT" qemu-system-x86_64 -M pc -display none -monitor none -nodefaults -no-reboot -m 6144 \
	-kernel "$KERNEL" -initrd "$WORK/initrd.gz" -serial stdio \
	-append "console=ttyS0 quiet panic=-1 $TSC -- --init $VMAS $FORKS" </dev/null >"$WORK/console" 2>&1
rc=$?
tr -d '\r' <"$WORK/console" | grep '^F ' || true
if ! tr -d '\r' <"$WORK/console" | grep -qx 'F done'; then
	[ "$rc" = 124 ] && echo "$PROG: QEMU did not finish in $TIMEOUT s" >&2
	echo "$PROG: the guest did not finish; its console:" >&2
	tr -d '\r' <"$WORK/console" | tail -n 30 >&2
	exit 1
fi
