#!/bin/bash
# tsc-khz.sh: prints "tsc=reliable tsc_early_khz=NNNNNNN" for a guest kernel's command line under TCG: this host's TSC rate in kHz
# (tsc-khz.c, built here when first needed), padded with spaces to 7 digits so that the command line, and with it the guest's
# MemTotal, keeps one length (not with zeros: kstrtouint would read them as octal); 0 when the rate cannot be told,
# and the guest calibrates it itself.
#
# Why: a tinyconfig guest has no HPET or ACPI PM timer, so it calibrates its TSC against the PIT alone, and under TCG
# that calibration fails on some boots ("tsc: Unable to calibrate against PIT"). The guest then marks the TSC unstable
# and keeps time with jiffies, 4 ms a tick: clock_gettime becomes a system call and the executor's timings coarse. The
# state serve.sh saves keeps whichever clock its boot got, so it is told the rate instead (tsc_early_khz, read by
# determine_cpu_tsc_frequencies in arch/x86/kernel/tsc.c). tsc=reliable: the clocksource watchdog compares the TSC with
# jiffies, which lag when the host is busy (TCG's timer ticks come late), and would mark the TSC unstable over that
# ("the skew is too large"); the TSC is the host's own counter, which is the steadier of the two.
set -u -o pipefail
die() { echo "tsc-khz.sh: error: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
# Measured once per boot of this host (about 40 ms) and kept: every session's command line, and so the saved guest
# state serve.sh picks by it, stays the same.
CACHE=${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/anonvma/tsc-khz
BOOT=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
KHZ=
if [ -r "$CACHE" ]; then
	read -r cboot ckhz <"$CACHE" && [ "$cboot" = "$BOOT" ] && KHZ=$ckhz
fi
if [ -z "$KHZ" ]; then
	BIN=$HERE/tsc-khz
	if [ ! -x "$BIN" ] || [ "$HERE/tsc-khz.c" -nt "$BIN" ]; then
		gcc -O2 -Wall -Wextra -o "$BIN.tmp.$$" "$HERE/tsc-khz.c" >&2 && mv -f "$BIN.tmp.$$" "$BIN" ||
			{ rm -f "$BIN.tmp.$$"; die "building tsc-khz.c failed"; }
	fi
	KHZ=$("$BIN") || die "tsc-khz failed"
	if [ "$KHZ" != 0 ]; then # a rate it could not tell is measured again next time
		mkdir -p "$(dirname "$CACHE")" && echo "$BOOT $KHZ" >"$CACHE.tmp.$$" && mv -f "$CACHE.tmp.$$" "$CACHE" ||
			{ rm -f "$CACHE.tmp.$$"; die "cannot write $CACHE"; }
	fi
fi
[[ $KHZ =~ ^[0-9]{1,7}$ ]] || die "tsc-khz printed '$KHZ'"
printf 'tsc=reliable tsc_early_khz=%-7d\n' "$KHZ"
