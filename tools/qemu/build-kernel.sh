#!/bin/bash
# build-kernel.sh: builds (once) a small Linux 6.12 bzImage with CONFIG_ANON_VMA_NAME=y
# for run-batch.sh, from the Debian package linux-source-6.12.
#
#   build-kernel.sh               build if needed; print the bzImage path on stdout
#   build-kernel.sh --print-path  print the path without building; exit 1 if it is absent
#   --variant strdup              the same kernel with strdup-names.patch applied: every VMA copy (fork, split)
#                                 copies its name instead of taking a reference (the fork benchmark's second image)
#   --variant refpage             the same kernel with refpage.patch applied: seed 003's MAP_REFPAGE as posted
#                                 (the third image, on which the model's "Bad rss-counter" prediction is checked)
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/anonvma/linux-6.12-<key>/{bzImage,config,build.log}
# where <key> = <package version>-<first 16 hex digits of sha256(kernel.config)>, and for a variant
# -<variant>-<first 16 hex digits of sha256(its patch)> after it.
# Recipe: tinyconfig + kernel.config + olddefconfig (tools/qemu/README.md).
set -u -o pipefail

PROG=build-kernel.sh
PKG=linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
TOPDIR=linux-source-6.12 # the tarball's top-level folder

die() { echo "$PROG: error: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }
usage() {
	echo "usage: $PROG [--print-path] [--variant strdup|refpage]" >&2
	echo "  Builds the AnonVma oracle kernel (Linux 6.12, CONFIG_ANON_VMA_NAME=y) if it is not" >&2
	echo "  cached yet, and prints the path of its bzImage." >&2
	echo "  --print-path: print the path only; exit 1 if the image has not been built." >&2
	echo "  --variant strdup: the same kernel with strdup-names.patch (names copied on every VMA copy)." >&2
	echo "  --variant refpage: the same kernel with refpage.patch (seed 003's MAP_REFPAGE, as posted)." >&2
}

PRINT_ONLY=0 VARIANT=
while [ $# -gt 0 ]; do
	case $1 in
	--print-path) PRINT_ONLY=1 ;;
	--variant) [ $# -ge 2 ] || { usage; die "--variant needs a value"; }; VARIANT=$2; shift ;;
	--variant=*) VARIANT=${1#--variant=} ;;
	-h | --help) usage; exit 0 ;;
	*) usage; die "unknown argument '$1'" ;;
	esac
	shift
done

HERE=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's folder"
FRAGMENT=$HERE/kernel.config
[ -r "$FRAGMENT" ] || die "missing $FRAGMENT"
PATCHFILE=
case $VARIANT in
"") ;;
strdup) PATCHFILE=$HERE/strdup-names.patch ;;
refpage) PATCHFILE=$HERE/refpage.patch ;;
*) usage; die "unknown variant '$VARIANT' (the variants are strdup and refpage)" ;;
esac
[ -z "$PATCHFILE" ] || [ -r "$PATCHFILE" ] || die "missing $PATCHFILE"

# --- cache key: package version + sha256 of the fragment ---------------------------------
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian (package $PKG)"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (apt-get install coreutils)"
STATUS=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$PKG" 2>/dev/null) || STATUS=
case $STATUS in
"installed "?*) VERSION=${STATUS#installed } ;;
*) die "package $PKG is not installed (apt-get install $PKG)" ;;
esac
SUM=$(sha256sum <"$FRAGMENT" | cut -c1-16) || die "sha256sum failed"
KEY=$(printf '%s' "$VERSION" | tr -c 'A-Za-z0-9.+_-' '_')-$SUM
[ -z "$PATCHFILE" ] || KEY=$KEY-$VARIANT-$(sha256sum <"$PATCHFILE" | cut -c1-16) || die "sha256sum failed"
CACHE=${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/anonvma
IMGDIR=$CACHE/linux-6.12-$KEY
IMAGE=$IMGDIR/bzImage

if [ "$PRINT_ONLY" = 1 ]; then
	echo "$IMAGE"
	[ -f "$IMAGE" ] || exit 1
	exit 0
fi
if [ -f "$IMAGE" ]; then
	echo "$IMAGE"
	exit 0
fi

# --- prerequisites ---------------------------------------------------------------------------
missing=
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need_cmd make make
need_cmd gcc gcc
need_cmd flex flex
need_cmd bison bison
need_cmd bc bc
need_cmd tar tar
need_cmd xz xz-utils
need_cmd perl perl
[ -z "$PATCHFILE" ] || need_cmd patch patch
[ -e /usr/include/stdio.h ] || missing="$missing libc6-dev"
[ -e /usr/include/libelf.h ] || [ -e /usr/include/elfutils/libelf.h ] || missing="$missing libelf-dev"
[ -r "$TARBALL" ] || missing="$missing $PKG"
[ -z "$missing" ] || die "missing build prerequisites; install them with: apt-get install$missing"

# --- lock, so that two concurrent runs do not build twice -----------------------------------
mkdir -p "$IMGDIR" || die "cannot create $IMGDIR"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$IMGDIR/.lock" || die "cannot open $IMGDIR/.lock"
	if ! flock -n 9; then
		note "another build of this kernel is running; waiting for it"
		flock 9 || die "flock failed"
	fi
	if [ -f "$IMAGE" ]; then
		echo "$IMAGE"
		exit 0
	fi
fi

BUILD=$(mktemp -d "$IMGDIR/build.XXXXXX") || die "mktemp failed in $IMGDIR"
LOG=$IMGDIR/build.log
cleanup() { rm -rf "$BUILD" "$IMGDIR/.bzImage.tmp.$$" "$IMGDIR/.config.tmp.$$"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$LOG" || die "cannot write $LOG"

fail_step() { # STEP
	echo "$PROG: error: $1 failed; last lines of $LOG:" >&2
	tail -n 30 "$LOG" >&2
	echo "$PROG: full log: $LOG" >&2
	exit 1
}
# A stray environment must not change what kbuild builds.
unset ARCH SUBARCH CROSS_COMPILE KBUILD_OUTPUT KCONFIG_CONFIG LLVM CC

START=$SECONDS
note "building $IMAGE (log: $LOG)"
note "extracting $TARBALL"
tar -xJf "$TARBALL" -C "$BUILD" >>"$LOG" 2>&1 || fail_step "extracting $TARBALL"
SRC=$BUILD/$TOPDIR
[ -f "$SRC/Makefile" ] || die "$TARBALL has no $TOPDIR/Makefile"
cd "$SRC" || die "cd $SRC"
if [ -n "$PATCHFILE" ]; then
	note "applying $(basename "$PATCHFILE")"
	patch -p1 <"$PATCHFILE" >>"$LOG" 2>&1 || fail_step "applying $PATCHFILE"
fi

note "configuring (tinyconfig + $(basename "$FRAGMENT") + olddefconfig)"
make tinyconfig >>"$LOG" 2>&1 || fail_step "make tinyconfig"
# The fragment: comments and blank lines dropped; every other line must be CONFIG_X=value (CONFIG_X=n: off).
WANT=$(sed -e 's/[[:space:]]*#.*$//' -e 's/^[[:space:]]*//' "$FRAGMENT" | grep -v '^$')
bad=$(printf '%s\n' "$WANT" | grep -v -E '^CONFIG_[A-Za-z0-9_]+=.+$')
[ -z "$bad" ] || die "$FRAGMENT: not a CONFIG_X=value line: $(printf '%s' "$bad" | head -n 1)"
{ echo "# --- AnonVma oracle: $FRAGMENT"; printf '%s\n' "$WANT"; } >>.config || die "cannot append to .config"
make olddefconfig >>"$LOG" 2>&1 || fail_step "make olddefconfig"

grep -qx 'CONFIG_ANON_VMA_NAME=y' .config ||
	die "CONFIG_ANON_VMA_NAME=y did not survive 'make olddefconfig' (the final .config has: $(grep 'ANON_VMA_NAME' .config || echo nothing)); this kernel would refuse every PR_SET_VMA_ANON_NAME"
lost=
while IFS= read -r line; do
	case $line in
	*=n) grep -qxF -- "# ${line%=n} is not set" .config || lost="$lost ${line%%=*}" ;; # how .config says "off"
	*) grep -qxF -- "$line" .config || lost="$lost ${line%%=*}" ;;
	esac
done <<<"$WANT"
[ -z "$lost" ] || die "options of $FRAGMENT did not survive 'make olddefconfig':$lost"

JOBS=$(nproc 2>/dev/null || echo 2)
note "make -j$JOBS bzImage (a few minutes)"
make -j"$JOBS" bzImage >>"$LOG" 2>&1 || fail_step "make bzImage"
[ -f arch/x86/boot/bzImage ] || fail_step "make bzImage (no arch/x86/boot/bzImage)"

# Install atomically: the config first, the image last (its presence means "built").
cp .config "$IMGDIR/.config.tmp.$$" && mv -f "$IMGDIR/.config.tmp.$$" "$IMGDIR/config" ||
	die "cannot install $IMGDIR/config"
cp arch/x86/boot/bzImage "$IMGDIR/.bzImage.tmp.$$" && mv -f "$IMGDIR/.bzImage.tmp.$$" "$IMAGE" ||
	die "cannot install $IMAGE"
cd / && rm -rf "$BUILD"
ELAPSED=$((SECONDS - START))
note "built in $((ELAPSED / 60))m$((ELAPSED % 60))s: $IMAGE ($(stat -c %s "$IMAGE") bytes)"
echo "$IMAGE"
