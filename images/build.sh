#!/usr/bin/env bash
# images/build.sh: build the ecivm guest images from Debian packages of one
# suite (images/suite, or --suite).
#
#   images/build.sh --out DIR --init PATH/ecivm-init --agent PATH/ecivm-agent
#                   [--cache DIR] [--suite NAME] [--update]
#                   [--runc-shim PATH/ecivm-runc [--procfs PATH/ecivm-procfs]
#                   [--test-runtime]]
#
# Writes into OUT:
#   vmlinuz         the current linux-image-*-cloud-amd64 kernel
#   initrd.img      gzip'ed newc cpio: /init (= --init), the kernel modules of
#                   images/modules.txt plus dependencies, /etc/ecivm/modules
#                   (their paths relative to /lib/modules/<release>, in load
#                   order) and /dev/console; nothing else (no shell, no tools)
#   root.erofs      read-only root: the closure of images/root-packages.txt
#                   minus images/root-drop.txt, usr-merged, with no shell,
#                   getty, login or su; /sbin/ecivm-init (= --init) and
#                   /usr/libexec/ecivm/ecivm-agent (= --agent); with --runc-shim
#                   the guest's runc is ecivm-runc (/usr/sbin/runc) and the
#                   real runc is hidden at /usr/libexec/ecivm/runc (0700);
#                   --procfs adds /usr/libexec/ecivm/ecivm-procfs (the
#                   containers' /proc/diskstats);
#                   --test-runtime (test images only, never the one users
#                   boot) adds /etc/ecivm/test-runtime, for which ecivm-init
#                   registers the real runc as dockerd runtime "plain-runc"
#   bb.tar          busybox rootfs for `docker import` (a container, not the VM)
#   packages.txt    "name version sha256" of every package in vmlinuz/initrd/
#                   root (sha256 of the .deb)
#   root.verity     dm-verity hash tree of root.erofs (veritysetup format)
#   build-info.env  KEY=VALUE: SUITE, KERNEL_RELEASE, ROOT_FORMAT, the sha256 sums
#
# The package source is this script's own apt configuration in
# CACHE/suites/SUITE/apt (sources list, lists, state, archive cache), not the
# host's: the suite's main, -updates and -security archives (component main)
# at the mirrors the host's apt sources use for Debian, checked with
# debian-archive-keyring.  Its lists are fetched when missing, older than a
# day, or with --update.
# Packages are fetched with apt-get download (into CACHE/debs, kept) and
# unpacked with dpkg-deb -x; no maintainer script runs.  Every step keeps a
# stamp (hash of its inputs: package versions, input binaries, this script
# and its data files), so a run with nothing changed only checks stamps.
# Outputs are built under a temporary name and renamed into place.
# Needs: apt-get, dpkg-deb, kmod (depmod, modprobe), erofs-utils, cpio, gzip,
# tar, binutils (readelf), util-linux (flock).  Root is not required, but as
# root the image also gets an /etc/ld.so.cache (ldconfig -r).
set -Eeuo pipefail
shopt -s nullglob
export LC_ALL=C TZ=UTC
umask 022
PATH=$PATH:/usr/sbin:/sbin

say() { printf '[images] %s\n' "$*"; }
die() { printf 'images: %s\n' "$*" >&2; exit 1; }
STEP=setup
# (only the main shell reports; a failing subshell makes its caller fail)
trap '[[ $BASHPID != "$$" ]] || die "step \"$STEP\" failed (line $LINENO)"' ERR

usage() {
  cat <<'EOF'
usage: images/build.sh --out DIR --init PATH/ecivm-init --agent PATH/ecivm-agent [--cache DIR]
  --out DIR     where the images go (default: images/out)
  --cache DIR   downloaded .debs, apt lists, unpacked trees (default: images/cache)
  --suite NAME  Debian suite of the guest packages (default: images/suite)
  --update      fetch the suite's package lists even if they are less than a day old
  --init PATH   static x86_64 ecivm-init: /init of the initramfs, /sbin/ecivm-init of the root
  --agent PATH  static x86_64 ecivm-agent: /usr/libexec/ecivm/ecivm-agent of the root
  --runc-shim PATH  x86_64 ecivm-runc: the root's /usr/sbin/runc (the real one moves to
                /usr/libexec/ecivm/runc)
  --procfs PATH  with --runc-shim: x86_64 ecivm-procfs, /usr/libexec/ecivm/ecivm-procfs of the root
  --test-runtime  with --runc-shim: mark the image as a test image, whose dockerd also
                gets the real runc as runtime "plain-runc" (use a separate --out)
Environment: SOURCE_DATE_EPOCH sets the timestamp of every file in the images.
EOF
}

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SELF=$HERE/$(basename -- "${BASH_SOURCE[0]}")
OUT=$HERE/out CACHE=$HERE/cache INIT='' AGENT='' RUNC_SHIM='' PROCFS='' TEST_RUNTIME=''
SUITE='' UPDATE=''
while (($#)); do
  case $1 in
    --out|--cache|--init|--agent|--runc-shim|--procfs|--suite)
      (($# >= 2)) || die "$1 needs a value (see --help)"
      case $1 in
        --out) OUT=$2 ;; --cache) CACHE=$2 ;; --init) INIT=$2 ;; --agent) AGENT=$2 ;;
        --runc-shim) RUNC_SHIM=$2 ;; --procfs) PROCFS=$2 ;; --suite) SUITE=$2 ;;
      esac
      shift 2 ;;
    --suite=*) SUITE=${1#*=}; shift ;;
    --update) UPDATE=1; shift ;;
    --out=*) OUT=${1#*=}; shift ;;
    --cache=*) CACHE=${1#*=}; shift ;;
    --init=*) INIT=${1#*=}; shift ;;
    --agent=*) AGENT=${1#*=}; shift ;;
    --runc-shim=*) RUNC_SHIM=${1#*=}; shift ;;
    --procfs=*) PROCFS=${1#*=}; shift ;;
    --test-runtime) TEST_RUNTIME=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ -n $INIT ]] || die "--init PATH/ecivm-init is required (see --help)"
[[ -n $AGENT ]] || die "--agent PATH/ecivm-agent is required (see --help)"
[[ -z $TEST_RUNTIME || -n $RUNC_SHIM ]] || die "--test-runtime needs --runc-shim (see --help)"
[[ -z $PROCFS || -n $RUNC_SHIM ]] || die "--procfs needs --runc-shim (see --help)"

# ---------------------------------------------------------------- settings
KERNEL_META=linux-image-cloud-amd64   # metapackage naming the current kernel
BB_PACKAGE=busybox-static             # for bb.tar
EPOCH=${SOURCE_DATE_EPOCH:-1672531200}  # mtime of every file in the images
[[ $EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be a number of seconds"
# The root is an uncompressed erofs: it packs in about 0.5 s and the guest
# reads it without decompressing (TCG makes every CPU cycle expensive); lz4
# would halve the size but triple the pack time (see images/README.md).
EROFS_OPTS=()
# Files that must never be in the root (no shell, no way to log in).
FORBIDDEN=(/bin/sh /bin/bash /bin/dash /bin/rbash /bin/zsh /bin/ksh /bin/mksh
  /bin/busybox /usr/bin/busybox /bin/toybox /sbin/getty /sbin/agetty
  /usr/sbin/sshd /usr/sbin/dropbear /usr/sbin/telnetd /bin/login /usr/bin/su
  /bin/su /usr/bin/sudo /usr/sbin/nologin)

# Read data file lines without comments and blanks.
read_list() { sed -e 's/#.*//' -e 's/[[:space:]]\+$//' -e 's/^[[:space:]]\+//' -e '/^$/d' -- "$1"; }

# The suite: pinned in images/suite, --suite for another one.
SUITE_FILE=$HERE/suite
if [[ -z $SUITE ]]; then
  [[ -r $SUITE_FILE ]] || die "missing data file $SUITE_FILE"
  SUITE=$(read_list "$SUITE_FILE" | head -n1)
fi
[[ $SUITE =~ ^[a-z][a-z0-9]*$ ]] || die "suite \"$SUITE\": expected a Debian suite name such as bookworm or trixie"
COMPONENTS=main
# Data files: images/suites/SUITE/NAME where it exists (package names change
# between suites), else images/NAME.
data_file() { if [[ -e $HERE/suites/$SUITE/$1 ]]; then echo "$HERE/suites/$SUITE/$1"; else echo "$HERE/$1"; fi; }
MODULES_LIST=$(data_file modules.txt)
ROOT_PACKAGES_LIST=$(data_file root-packages.txt)
ROOT_DROP_LIST=$(data_file root-drop.txt)

T_START=${EPOCHREALTIME/./}
now_us() { echo "${EPOCHREALTIME/./}"; }
secs_since() { local d=$(( $(now_us) - $1 )); printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)); }
mb() { local s; s=$(stat -c %s -- "$1"); awk -v s="$s" 'BEGIN { if (s < 10e6) printf "%.1f MB", s/1e6; else printf "%.0f MB", s/1e6 }'; }
sha_str() { sha256sum | cut -d' ' -f1; }
sha_file() { sha256sum -- "$1" | cut -d' ' -f1; }

for tool in apt-get:apt apt-cache:apt dpkg-deb:dpkg depmod:kmod modprobe:kmod \
    mkfs.erofs:erofs-utils cpio:cpio gzip:gzip tar:tar readelf:binutils \
    flock:util-linux sha256sum:coreutils realpath:coreutils; do
  command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} not found: install the Debian package ${tool#*:}"
done
[[ $(dpkg --print-architecture) == amd64 ]] || die "only amd64 hosts are supported"
for f in "$MODULES_LIST" "$ROOT_PACKAGES_LIST" "$ROOT_DROP_LIST"; do
  [[ -r $f ]] || die "missing data file $f"
done

# The two guest programs must be static x86_64 executables: the initramfs
# has no libraries, and the root's libraries are Debian's, not ours.
check_static() {
  local what=$1 f=$2 hdr
  [[ -f $f ]] || die "$what: no such file: $f"
  hdr=$(od -An -tx1 -N20 -- "$f" | tr -d ' \n')
  [[ ${hdr:0:8} == 7f454c46 ]] || die "$what: not an ELF file: $f"
  [[ ${hdr:8:2} == 02 && ${hdr:36:4} == 3e00 ]] || die "$what: not an x86_64 ELF file: $f"
  ! readelf -lW -- "$f" 2>/dev/null | grep -q 'Requesting program interpreter' \
    || die "$what: dynamically linked (must be static): $f"
}
check_static --init "$INIT"
check_static --agent "$AGENT"
INIT=$(realpath -- "$INIT") AGENT=$(realpath -- "$AGENT")
# ecivm-runc links the root's GLib and json-glib (checked with the root's
# libraries when it is installed).
check_elf() { # OPTION FILE
  [[ -f $2 ]] || die "$1: no such file: $2"
  local hdr
  hdr=$(od -An -tx1 -N20 -- "$2" | tr -d ' \n')
  [[ ${hdr:0:8} == 7f454c46 && ${hdr:8:2} == 02 && ${hdr:36:4} == 3e00 ]] ||
    die "$1: not an x86_64 ELF file: $2"
}
if [[ -n $RUNC_SHIM ]]; then
  check_elf --runc-shim "$RUNC_SHIM"
  RUNC_SHIM=$(realpath -- "$RUNC_SHIM")
fi
if [[ -n $PROCFS ]]; then
  check_elf --procfs "$PROCFS"
  PROCFS=$(realpath -- "$PROCFS")
fi
mkdir -p -- "$OUT" "$CACHE"
OUT=$(realpath -- "$OUT") CACHE=$(realpath -- "$CACHE")
# .debs are shared (their names carry the version); lists, trees and the
# resolved versions are per suite.
DEBS=$CACHE/debs SCACHE=$CACHE/suites/$SUITE STAMPS=$OUT/.stamps
TREES=$SCACHE/trees APTDIR=$SCACHE/apt
mkdir -p -- "$DEBS" "$TREES" "$APTDIR" "$STAMPS"

# One build per cache at a time; leftovers of killed builds go.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then say "waiting for another build using $CACHE"; flock 9; fi
rm -rf -- "$CACHE"/tmp.* "$DEBS"/.partial.* "$TREES"/*.new "$OUT"/.*.tmp
TMP=$(mktemp -d "$CACHE/tmp.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT

# Everything that changes what this script makes, besides package versions
# and the two binaries.
RECIPE=$( { sha_file "$SELF"; sha_file "$MODULES_LIST"; sha_file "$ROOT_PACKAGES_LIST"
            sha_file "$ROOT_DROP_LIST"; echo "suite=$SUITE epoch=$EPOCH uid=$EUID ${EROFS_OPTS[*]}"; } | sha_str)
INIT_SHA=$(sha_file "$INIT")
AGENT_SHA=$(sha_file "$AGENT")
RUNC_SHIM_SHA=none
if [[ -n $RUNC_SHIM ]]; then RUNC_SHIM_SHA="$(sha_file "$RUNC_SHIM") test=${TEST_RUNTIME:-0}"; fi
PROCFS_SHA=none
if [[ -n $PROCFS ]]; then PROCFS_SHA=$(sha_file "$PROCFS"); fi

# ------------------------------------------------------- stamps, outputs
# A tree's stamp holds the hash of its inputs.  An output's stamp holds
# "input-hash sha256 size:mtime:inode", so a replaced or touched output is
# rebuilt too.
tree_ok() { [[ -d $TREES/$1 && -f $TREES/$1.stamp && $(<"$TREES/$1.stamp") == "$2" ]]; }
tree_done() { rm -rf -- "${TREES:?}/$1"; mv -- "$TREES/$1.new" "$TREES/$1"; echo "$2" >"$TREES/$1.stamp"; }
out_ok() {
  local s=$STAMPS/$1 f=$OUT/$1 h sha st
  [[ -f $s && -f $f ]] || return 1
  read -r h sha st <"$s" || return 1
  [[ $h == "$2" && $st == "$(stat -c '%s:%Y:%i' -- "$f")" ]] || return 1
  OUT_SHA[$1]=$sha
}
# out_install NAME TMPFILE HASH: move TMPFILE into place as OUT/NAME.
out_install() {
  local name=$1 tmp=$2 hash=$3 sha
  sha=$(sha_file "$tmp")
  rm -f -- "$STAMPS/$name"
  mv -f -- "$tmp" "$OUT/$name"
  echo "$hash $sha $(stat -c '%s:%Y:%i' -- "$OUT/$name")" >"$STAMPS/$name.tmp"
  mv -f -- "$STAMPS/$name.tmp" "$STAMPS/$name"
  OUT_SHA[$name]=$sha
}
# out_text NAME: write stdin to OUT/NAME unless it already holds exactly that.
out_text() {
  local name=$1 tmp=$OUT/.$1.tmp
  cat >"$tmp"
  if [[ -f $OUT/$name ]] && cmp -s -- "$tmp" "$OUT/$name"; then
    rm -f -- "$tmp"; say "$name up to date"
  else
    mv -f -- "$tmp" "$OUT/$name"; say "$name written"
  fi
}
declare -A OUT_SHA=()

# ------------------------------------------------------- 1. apt source
# This script's own apt configuration: the suite's archives at the mirrors
# the host's apt uses for Debian (so the build uses the registry this host
# may reach), the archive keyring of the host's debian-archive-keyring, and
# private lists, state and cache.  The host's apt.conf.d still applies
# (proxies); its sources, preferences and state do not.
STEP=apt-source
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $KEYRING ]] || die "$KEYRING not found: install the Debian package debian-archive-keyring"

# host_mirrors: "main URI" and "security URI" of the host's Debian sources
# (one-line .list and deb822 .sources), from the entries naming the host's
# own suite, SUITE-updates or SUITE-security.
host_mirrors() {
  local codename f
  # shellcheck disable=SC1091  # the host's file
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || die "cannot tell the host's Debian suite (VERSION_CODENAME in /etc/os-release)"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' -- "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    sed -e '/^[[:space:]]*#/d' -- "$f" | awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no")
                           for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
                         types = ""; nu = ns = 0; enabled = "" }
      /^[[:space:]]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = "" ; sub(/^ +/, "") }
      key == "types" { types = $0 } key == "uris" { nu = split($0, u, " ") }
      key == "suites" { ns = split($0, s, " ") } key == "enabled" { enabled = tolower($0) }
      END { flush() }'
  done |
  awk -v c="$codename" '
    $2 == c || $2 == c "-updates" { if (m == "") m = $1 }
    $2 == c "-security" || $2 == c "/updates" { if (sec == "") sec = $1 }
    END { if (m != "") print "main", m; if (sec != "") print "security", sec }'
}
MIRROR='' SECURITY_MIRROR=''
while read -r kind uri; do
  case $kind in main) MIRROR=${uri%/} ;; security) SECURITY_MIRROR=${uri%/} ;; esac
done < <(host_mirrors)
[[ -n $MIRROR ]] || die "the host's apt sources name no Debian archive for its own suite (/etc/apt/sources.list*)"
[[ $MIRROR =~ ^[a-z+]+://[^[:space:]\"]+$ ]] || die "unexpected mirror URI in the host's apt sources: $MIRROR"
[[ -z $SECURITY_MIRROR || $SECURITY_MIRROR =~ ^[a-z+]+://[^[:space:]\"]+$ ]] ||
  die "unexpected security mirror URI in the host's apt sources: $SECURITY_MIRROR"
mkdir -p -- "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc/sources.list.d" \
  "$APTDIR/etc/preferences.d" "$APTDIR/etc/trusted.gpg.d"
{
  echo "# written by images/build.sh: the guest's package source (suite $SUITE)"
  echo "deb [signed-by=$KEYRING] $MIRROR $SUITE $COMPONENTS"
  echo "deb [signed-by=$KEYRING] $MIRROR $SUITE-updates $COMPONENTS"
  if [[ -n $SECURITY_MIRROR ]]; then
    echo "deb [signed-by=$KEYRING] $SECURITY_MIRROR $SUITE-security $COMPONENTS"
  fi
} >"$TMP/sources.list"
cmp -s -- "$TMP/sources.list" "$APTDIR/etc/sources.list" || mv -f -- "$TMP/sources.list" "$APTDIR/etc/sources.list"
[[ -f $APTDIR/status ]] || : >"$APTDIR/status"
APT_CONF=$APTDIR/apt.conf
{
  echo "Dir::Etc::sourcelist \"$APTDIR/etc/sources.list\";"
  echo "Dir::Etc::sourceparts \"$APTDIR/etc/sources.list.d\";"
  echo "Dir::Etc::preferences \"$APTDIR/etc/preferences\";"
  echo "Dir::Etc::preferencesparts \"$APTDIR/etc/preferences.d\";"
  echo "Dir::Etc::trusted \"$APTDIR/etc/trusted.gpg\";"
  echo "Dir::Etc::trustedparts \"$APTDIR/etc/trusted.gpg.d\";"
  echo "Dir::State \"$APTDIR\";"
  echo "Dir::State::lists \"$APTDIR/lists\";"
  echo "Dir::State::status \"$APTDIR/status\";"
  echo "Dir::State::extended_states \"$APTDIR/extended_states\";"
  echo "Dir::Cache \"$APTDIR\";"
  echo "Dir::Cache::archives \"$APTDIR/archives\";"
  echo "Dir::Cache::pkgcache \"\";"
  echo "Dir::Cache::srcpkgcache \"\";"
  echo "APT::Architecture \"amd64\";"
  echo "APT::Architectures { \"amd64\"; };"
  echo "APT::Default-Release \"\";"
  echo "APT::Install-Recommends \"false\";"
  echo "Acquire::Languages \"none\";"
  echo "Acquire::Retries \"2\";"
  if ((EUID == 0)); then echo "APT::Sandbox::User \"root\";"; fi
} >"$TMP/apt.conf"
cmp -s -- "$TMP/apt.conf" "$APT_CONF" || mv -f -- "$TMP/apt.conf" "$APT_CONF"
# Every apt call of this script goes through these.
apt_get() { apt-get -c "$APT_CONF" "$@"; }
apt_cache() { apt-cache -c "$APT_CONF" "$@"; }

lists=("$APTDIR"/lists/*_dists_"$SUITE"_*Packages*)
if [[ -n $UPDATE || ${#lists[@]} -eq 0 || ! -f $APTDIR/lists.stamp || -n $(find "$APTDIR/lists.stamp" -mmin +1440) ||
      $(<"$APTDIR/lists.stamp") != "$(sha_file "$APTDIR/etc/sources.list")" ]]; then
  t0=$(now_us)
  say "fetching the package lists of $SUITE from $MIRROR${SECURITY_MIRROR:+ and $SECURITY_MIRROR}…"
  if apt_get -q update >"$TMP/update.log" 2>&1 && ! grep -q '^[EW]:' "$TMP/update.log"; then
    sha_file "$APTDIR/etc/sources.list" >"$APTDIR/lists.stamp"
    say "package lists of $SUITE fetched in $(secs_since "$t0") s"
  elif [[ -z $UPDATE && ${#lists[@]} -gt 0 && -f $APTDIR/lists.stamp &&
          $(<"$APTDIR/lists.stamp") == "$(sha_file "$APTDIR/etc/sources.list")" ]]; then
    say "warning: apt-get update failed, using the lists of $(date -u -r "$APTDIR/lists.stamp" +%F): $(grep -E '^(E|W):' "$TMP/update.log" | head -n1)"
  else
    die "apt-get update failed for suite $SUITE: $(grep -E '^(E|W):' "$TMP/update.log" | head -n3 | tr '\n' ' ')"
  fi
fi

# ------------------------------------------------------------ 1. resolve
# Which versions to use depends only on apt's lists and our data files, and
# resolving takes a few seconds, so the answer is cached on both.
STEP=resolve
RESOLVE_KEY=$( { echo "$RECIPE"; cat -- "$APTDIR/etc/sources.list"
  stat -c '%n %s %Y' -- "$APTDIR"/lists/*Packages* "$APTDIR"/lists/*Release 2>/dev/null || true
  } | sha_str)
RESOLVED=$SCACHE/resolved.txt

resolve() {
  local t0 kpkg
  t0=$(now_us)
  say "resolving packages with apt…"
  # One apt-cache call for the kernel metapackage and busybox (each call
  # loads apt's cache, about 0.7 s).
  apt_cache show --no-all-versions -- "$KERNEL_META" "$BB_PACKAGE" >"$TMP/show" 2>&1 ||
    die "apt-cache show failed for $KERNEL_META or $BB_PACKAGE (is it in suite $SUITE?): $(head -n1 "$TMP/show")"
  fields() {  # PACKAGE -> "VERSION ARCH DEPENDS" from $TMP/show
    awk -v n="$1" '/^Package: / { p = ($2 == n) } p && /^Version: / { v = $2 }
      p && /^Architecture: / { a = $2 } p && /^Depends: / { sub(/^Depends: /, ""); d = $0 }
      END { if (v != "") print v, a, d }' "$TMP/show"
  }
  local kver karch bver barch rest
  read -r bver barch rest < <(fields "$BB_PACKAGE") || die "no candidate version for package $BB_PACKAGE"
  read -r _ _ rest < <(fields "$KERNEL_META") || die "no candidate version for package $KERNEL_META"
  # "linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)"
  kpkg=$(sed -nE 's/^(linux-image-[0-9][^ ,]*).*/\1/p' <<<"$rest")
  kver=$(sed -nE 's/^linux-image-[0-9][^ ,]* \(= ([^)]+)\).*/\1/p' <<<"$rest")
  [[ -n $kpkg ]] || die "cannot resolve $KERNEL_META to a versioned linux-image package (Depends: $rest)"
  karch=amd64
  if [[ -z $kver ]]; then
    read -r kver karch < <(apt_cache show --no-all-versions -- "$kpkg" 2>/dev/null |
      awk '/^Version: /{v=$2} /^Architecture: /{a=$2} END{if (v != "") print v, a}') ||
      die "no candidate version for package $kpkg"
  fi
  printf 'kernel %s %s %s\nbb %s %s %s\n' "$kpkg" "$kver" "$karch" "$BB_PACKAGE" "$bver" "$barch" >"$TMP/resolved"

  # The closure as apt would install it on an empty system.
  local -a roots drops kept
  mapfile -t roots < <(read_list "$ROOT_PACKAGES_LIST")
  mapfile -t drops < <(read_list "$ROOT_DROP_LIST")
  : >"$TMP/empty-status"
  apt_get -s -q -o Dir::State::status="$TMP/empty-status" -o APT::Install-Recommends=false \
      --no-install-recommends install -- "${roots[@]}" >"$TMP/sim" 2>&1 ||
    die "apt-get cannot resolve the root packages: $(grep -E '^(E:|  )' "$TMP/sim" | head -n5 | tr '\n' ' ')"
  sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*\[([a-z0-9]+)\]\).*/\1 \2 \3/p' "$TMP/sim" | sort >"$TMP/closure"
  [[ -s $TMP/closure ]] || die "apt-get resolved no packages for the root"

  # Leave out the drop list, then whatever only dropped packages needed.
  local name ver arch pat d r
  while read -r name ver arch; do
    d=''
    for pat in "${drops[@]}"; do
      # shellcheck disable=SC2053  # the pattern is a glob on purpose
      if [[ $name == $pat ]]; then d=1; break; fi
    done
    if [[ -z $d ]]; then kept+=("$name"); fi
  done <"$TMP/closure"
  for r in "${roots[@]}"; do
    [[ " ${kept[*]} " == *" $r "* ]] || die "root package $r is not in the closure or matches $ROOT_DROP_LIST"
  done
  apt_cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
      --no-replaces --no-enhances -- "${kept[@]}" >"$TMP/deps" 2>/dev/null ||
    die "apt-cache depends failed for the root packages"
  awk -v roots="${roots[*]}" -v kept="${kept[*]}" '
    BEGIN { n = split(kept, k, " "); for (i = 1; i <= n; i++) K[k[i]] = 1 }
    /^[^ ]/ { p = $1; next }
    { d = $NF; gsub(/[<>]/, "", d); sub(/:.*/, "", d)
      if ((p in K) && (d in K)) E[p] = E[p] " " d }
    END {
      n = split(roots, r, " ")
      for (i = 1; i <= n; i++) if (!(r[i] in S)) { S[r[i]] = 1; q[++t] = r[i] }
      for (h = 1; h <= t; h++) {
        m = split(E[q[h]], e, " ")
        for (j = 1; j <= m; j++) if (!(e[j] in S)) { S[e[j]] = 1; q[++t] = e[j] }
      }
      for (x in S) print x
    }' "$TMP/deps" | sort >"$TMP/reachable"
  awk 'NR == FNR { R[$1] = 1; next } ($1 in R) { print "root", $0 }' \
    "$TMP/reachable" "$TMP/closure" >>"$TMP/resolved"
  # The SHA256 of each .deb as the archive's signed index gives it (apt
  # checks every download against it; the build checks the files again).
  local -a specs=()
  while read -r _ name ver _; do specs+=("$name=$ver"); done <"$TMP/resolved"
  apt_cache show --no-all-versions -- "${specs[@]}" >"$TMP/show-all" 2>"$TMP/show-all.err" ||
    die "apt-cache show failed for the resolved packages: $(head -n1 "$TMP/show-all.err")"
  awk 'NR == FNR { if (/^Package: /) p = $2; else if (/^Version: /) v = $2
                   else if (/^SHA256: /) { if (!((p " " v) in H)) H[p " " v] = $2 }; next }
       { h = H[$2 " " $3]; if (length(h) != 64 || h ~ /[^0-9a-f]/) { print "no SHA256 for " $2 " " $3 > "/dev/stderr"; exit 1 }
         print $0, h }' "$TMP/show-all" "$TMP/resolved" >"$TMP/resolved.sha" ||
    die "the package index has no SHA256 for a resolved package"
  { echo "# key $RESOLVE_KEY"; cat "$TMP/resolved.sha"; } >"$RESOLVED.tmp"
  mv -f -- "$RESOLVED.tmp" "$RESOLVED"
  say "resolved: $kpkg, $(grep -c '^root ' "$TMP/resolved") root packages (of $(wc -l <"$TMP/closure") in the closure) in $(secs_since "$t0") s"
}
if [[ ! -f $RESOLVED || $(head -n1 -- "$RESOLVED") != "# key $RESOLVE_KEY" ]]; then
  resolve
fi

declare -A VER=() DEB=() DEB_SHA=()
ROOT_PKGS=()
KPKG='' BBPKG=''
while read -r role name ver arch sha; do
  case $role in
    kernel) KPKG=$name ;; bb) BBPKG=$name ;; root) ROOT_PKGS+=("$name") ;; *) continue ;;
  esac
  [[ $sha =~ ^[0-9a-f]{64}$ ]] || die "bad $RESOLVED: delete it and retry"
  VER[$name]=$ver
  DEB[$name]=$DEBS/${name}_${ver//:/%3a}_${arch}.deb
  DEB_SHA[$name]=$sha
done <"$RESOLVED"
[[ -n $KPKG && -n $BBPKG && ${#ROOT_PKGS[@]} -gt 0 ]] || die "bad $RESOLVED: delete it and retry"
# check_debs NAME...: each package's .deb has the archive's SHA256 (run
# before a .deb is unpacked into an image, so what the manifest records is
# what went in).
check_debs() {
  local name f
  for name in "$@"; do printf '%s  %s\n' "${DEB_SHA[$name]}" "${DEB[$name]}"; done >"$TMP/debs.sha256"
  if ! sha256sum --quiet --strict -c -- "$TMP/debs.sha256" >"$TMP/debs.check" 2>&1; then
    f=$(sed -n 's/: FAILED.*//p' "$TMP/debs.check" | head -n1)
    die "${f:-a .deb} does not have the SHA256 of the archive's index (delete it to download it again)"
  fi
}
KREL=${KPKG#linux-image-}

# ----------------------------------------------------------- 2. download
STEP=download
missing=()
for name in "$KPKG" "$BBPKG" "${ROOT_PKGS[@]}"; do
  [[ -f ${DEB[$name]} ]] || missing+=("$name")
done
if ((${#missing[@]})); then
  t0=$(now_us)
  say "downloading ${#missing[@]} package$( ((${#missing[@]} == 1)) || echo s)…"
  dl=$(mktemp -d "$DEBS/.partial.XXXXXX")
  apt_dl=(apt-get -c "$APT_CONF" -q)
  specs=()
  for name in "${missing[@]}"; do specs+=("$name=${VER[$name]}"); done
  if ! (cd "$dl" && "${apt_dl[@]}" download -- "${specs[@]}") >"$TMP/download.log" 2>&1; then
    # Find the package to blame.
    for spec in "${specs[@]}"; do
      (cd "$dl" && "${apt_dl[@]}" download -- "$spec") >"$TMP/download.log" 2>&1 ||
        die "apt-get download failed for package ${spec%%=*} (version ${spec#*=}): $(grep '^E:' "$TMP/download.log" | head -n1)"
    done
  fi
  for name in "${missing[@]}"; do
    f=$dl/${DEB[$name]##*/}
    [[ -f $f ]] || die "apt-get download did not produce ${f##*/} for package $name"
    [[ $(sha_file "$f") == "${DEB_SHA[$name]}" ]] || die "downloaded ${f##*/} does not have the SHA256 of the archive's index"
    mv -f -- "$f" "${DEB[$name]}"
  done
  rm -rf -- "$dl"
  files=(); for name in "${missing[@]}"; do files+=("${DEB[$name]}"); done
  say "downloaded ${#missing[@]} package$( ((${#missing[@]} == 1)) || echo s) ($(du -cm -- "${files[@]}" | tail -n1 | cut -f1) MB) in $(secs_since "$t0") s"
fi

# -------------------------------------------------------- 3. kernel tree
# The kernel package, unpacked, with the modules.dep that the .deb lacks and
# the module load order for the initramfs (ecivm-modules.order).
STEP=kernel
KTREE_HASH=$( { echo "kernel $RECIPE"; basename -- "${DEB[$KPKG]}"; } | sha_str)
if ! tree_ok kernel "$KTREE_HASH"; then
  t0=$(now_us)
  k=$TREES/kernel.new
  rm -rf -- "$k"; mkdir -p -- "$k"
  check_debs "$KPKG"
  dpkg-deb -x "${DEB[$KPKG]}" "$k" || die "dpkg-deb -x failed for package $KPKG (corrupt ${DEB[$KPKG]}? delete it)"
  # trixie's kernel ships its modules in /usr/lib/modules (merged /usr)
  if [[ ! -e $k/lib/modules && -d $k/usr/lib/modules ]]; then
    mkdir -p -- "$k/lib"; mv -- "$k/usr/lib/modules" "$k/lib/modules"
  fi
  [[ -f $k/boot/vmlinuz-$KREL && -d $k/lib/modules/$KREL ]] ||
    die "package $KPKG has no boot/vmlinuz-$KREL or lib/modules/$KREL"
  depmod -b "$k" "$KREL" || die "depmod failed for kernel $KREL"
  mapfile -t mods < <(read_list "$MODULES_LIST")
  mkdir -p -- "$TMP/modprobe.d"  # ignore the host's modprobe configuration
  if ! modprobe -C "$TMP/modprobe.d" -d "$k" -S "$KREL" --show-depends -a -- "${mods[@]}" \
       >"$TMP/show-depends" 2>"$TMP/show-depends.err"; then
    bad=$(sed -nE 's/.*Module ([^ ]+) not found.*/\1/p' "$TMP/show-depends.err" | tr '\n' ' ')
    [[ -z $bad ]] || die "kernel $KREL has no module ${bad% } (neither built in nor a .ko; see $MODULES_LIST)"
    die "modprobe --show-depends failed for kernel $KREL: $(tr '\n' ' ' <"$TMP/show-depends.err")"
  fi
  mdir=$k/lib/modules/$KREL/
  builtin=$(awk '$1 == "builtin" { printf "%s%s", sep, $2; sep = " " }' "$TMP/show-depends")
  awk -v d="$mdir" '
    $1 == "builtin" { next }
    $1 == "insmod" && index($2, d) == 1 { p = substr($2, length(d) + 1); if (!seen[p]++) print p; next }
    { print "unexpected modprobe output: " $0 > "/dev/stderr"; exit 1 }' \
    "$TMP/show-depends" >"$k/ecivm-modules.order" || die "cannot compute the module load order"
  # CPU-specific crypto drivers (crc32c-intel, ...) come in only as soft
  # dependencies, and fail with ENODEV on a CPU without the instructions
  # (QEMU's default qemu64 model has no SSE4.2); the generic versions are
  # built in, so leave them out unless a module needs one outright.
  # Compressed modules (trixie: .ko.xz) are decompressed here: the guest
  # loads plain .ko files (the signature is inside, before compression).
  cp -- "$k/ecivm-modules.order" "$TMP/order"
  while read -r rel; do
    if [[ $rel == kernel/arch/*/crypto/* ]] &&
       ! awk -v m="$rel" -F': *' '{ n = split($2, d, " "); for (i = 1; i <= n; i++) if (d[i] == m) f = 1 } END { exit !f }' \
           "$mdir/modules.dep"; then
      continue
    fi
    case $rel in
      *.ko) ;;
      *.ko.xz) xz -dq -- "$mdir/$rel" || die "cannot decompress module $rel"; rel=${rel%.xz} ;;
      *.ko.zst) zstd -dq --rm -- "$mdir/$rel" || die "cannot decompress module $rel"; rel=${rel%.zst} ;;
      *) die "module $rel is neither a .ko nor a .ko.xz/.ko.zst" ;;
    esac
    echo "$rel"
  done <"$TMP/order" >"$k/ecivm-modules.order"
  echo "$builtin" >"$k/ecivm-modules.builtin"
  tree_done kernel "$KTREE_HASH"
  say "kernel $KREL unpacked, $(wc -l <"$TREES/kernel/ecivm-modules.order") modules to load (built in: ${builtin:-none}) in $(secs_since "$t0") s"
fi
KTREE=$TREES/kernel

# ------------------------------------------------------------ 4. vmlinuz
STEP=vmlinuz
h=$( { echo "vmlinuz $KTREE_HASH"; } | sha_str)
if out_ok vmlinuz "$h"; then
  say "vmlinuz up to date"
else
  cp -- "$KTREE/boot/vmlinuz-$KREL" "$OUT/.vmlinuz.tmp"
  out_install vmlinuz "$OUT/.vmlinuz.tmp" "$h"
  say "vmlinuz ($KREL, $(mb "$OUT/vmlinuz"))"
fi

# --------------------------------------------------------- 5. initrd.img
# newc cpio: a hand-written part for /dev and /dev/console (so PID 1 has a
# console without mknod, and the build needs no root), then GNU cpio's part
# for the files, sorted, root-owned, every mtime EPOCH; gzip -n (-9 takes 2 s more for 1%).
STEP=initrd
newc() {  # NAME MODE NLINK RDEVMAJOR RDEVMINOR INO: a header for a file with no data
  local name=$1 ns=$((${#1} + 1)) pad
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    "$6" "$2" 0 0 "$3" "$EPOCH" 0 0 0 "$4" "$5" "$ns" 0
  printf '%s\0' "$name"
  pad=$(( (4 - (110 + ns) % 4) % 4 ))
  if ((pad)); then head -c "$pad" /dev/zero; fi
}
h=$( { echo "initrd $KTREE_HASH $INIT_SHA"; } | sha_str)
if out_ok initrd.img "$h"; then
  say "initrd.img up to date"
else
  t0=$(now_us)
  st=$TMP/initrd
  mdir=lib/modules/$KREL
  mkdir -p -- "$st/etc/ecivm" "$st/$mdir" "$st/proc" "$st/sys" "$st/run"
  while read -r rel; do
    mkdir -p -- "$st/$mdir/${rel%/*}"
    cp -- "$KTREE/$mdir/$rel" "$st/$mdir/$rel"
  done <"$KTREE/ecivm-modules.order"
  cp -- "$KTREE/ecivm-modules.order" "$st/etc/ecivm/modules"
  cp -- "$INIT" "$st/init"
  chmod 0755 -- "$st/init"
  chmod -R u=rwX,go=rX -- "$st/etc" "$st/lib"
  find "$st" -exec touch -h -d "@$EPOCH" -- {} +
  {
    newc dev $((8#040755)) 2 0 0 $((0x7fff0001))
    newc dev/console $((8#020600)) 1 5 1 $((0x7fff0002))
    newc TRAILER!!! 0 1 0 0 0
    (cd "$st" && find . -mindepth 1 -printf '%P\n' | sort |
       cpio -o --quiet -H newc -R 0:0 --reproducible)
  } | gzip -n >"$OUT/.initrd.img.tmp"
  out_install initrd.img "$OUT/.initrd.img.tmp" "$h"
  say "initrd.img ($(wc -l <"$KTREE/ecivm-modules.order") modules, $(mb "$OUT/initrd.img")) in $(secs_since "$t0") s"
fi

# ------------------------------------------------------- 6. root tree
STEP=rootfs
ROOT_LIST=$(for name in "${ROOT_PKGS[@]}"; do echo "$name ${VER[$name]}"; done)
RTREE_HASH=$( { echo "rootfs $RECIPE"; echo "$ROOT_LIST"; } | sha_str)

# Debian (bookworm at least) ships files in /bin, /sbin, /lib, /lib64 and relies on the
# usrmerge package to move them; do what it does.
usr_merge() {
  local r=$1 d f
  for d in bin sbin lib lib64; do
    [[ -L $r/$d ]] && continue
    if [[ -d $r/$d ]]; then
      mkdir -p -- "$r/usr/$d"
      while IFS= read -r -d '' f; do
        if [[ -e $r/usr/$d/$f || -L $r/usr/$d/$f ]]; then
          if [[ -L $r/$d/$f && -L $r/usr/$d/$f ]]; then
            [[ $(readlink -- "$r/$d/$f") == "$(readlink -- "$r/usr/$d/$f")" ]] ||
              die "usr-merge: /$d/$f and /usr/$d/$f are different links"
          elif [[ -L $r/usr/$d/$f && $(readlink -f -- "$r/usr/$d/$f") == "$(readlink -f -- "$r/$d/$f")" ]]; then
            rm -f -- "$r/usr/$d/$f"  # /usr/bin/x -> ../sbin/x style link to the same file
          else
            cmp -s -- "$r/$d/$f" "$r/usr/$d/$f" || die "usr-merge: /$d/$f and /usr/$d/$f differ"
          fi
        fi
      done < <(cd "$r/$d" && find . ! -type d -printf '%P\0')
      cp -a -- "$r/$d/." "$r/usr/$d/"
      rm -rf -- "${r:?}/$d"
    fi
    ln -s "usr/$d" "$r/$d"
  done
}

write_root_files() {
  local r=$1
  # Alternatives, as iptables' postinst would set them (nft backend).
  local l
  for l in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    rm -f -- "$r/usr/sbin/$l"
    ln -s xtables-nft-multi "$r/usr/sbin/$l"
  done
  for l in arptables arptables-save arptables-restore ebtables ebtables-save ebtables-restore; do
    if [[ -e $r/usr/sbin/$l-nft ]]; then rm -f -- "$r/usr/sbin/$l"; ln -s "$l-nft" "$r/usr/sbin/$l"; fi
  done
  # Accounts: root and nobody, neither with a shell.
  mkdir -p -- "$r/root"
  chmod 0700 -- "$r/root"
  printf '%s\n' 'root:x:0:0:root:/root:/nonexistent' \
    'nobody:x:65534:65534:nobody:/nonexistent:/nonexistent' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$r/etc/group"
  : >"$r/etc/subuid"; : >"$r/etc/subgid"
  printf '%s\n' '127.0.0.1	localhost' '::1		localhost ip6-localhost ip6-loopback' \
    'ff02::1		ip6-allnodes' 'ff02::2		ip6-allrouters' >"$r/etc/hosts"
  : >"$r/etc/resolv.conf"
  printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files dns' \
    'networks: files' 'protocols: files' 'services: files' 'ethers: files' 'rpc: files' \
    >"$r/etc/nsswitch.conf"
  echo ecivm >"$r/etc/hostname"
  local vid
  case $SUITE in bookworm) vid=12 ;; trixie) vid=13 ;; forky) vid=14 ;; *) vid='' ;; esac
  { echo "PRETTY_NAME=\"ecivm guest (Debian ${vid:+$vid }$SUITE packages)\""; echo 'NAME="ecivm guest"'
    echo 'ID=ecivm'; echo 'ID_LIKE=debian'; if [[ -n $vid ]]; then echo "VERSION_ID=\"$vid\""; fi
  } >"$r/etc/os-release"
  ln -sfn ../proc/self/mounts "$r/etc/mtab"
  # No Kubernetes in the VM: the CRI plugin only fails on the read-only /etc/cni.
  mkdir -p -- "$r/etc/containerd"
  printf '%s\n' 'version = 2' 'disabled_plugins = ["io.containerd.grpc.v1.cri"]' >"$r/etc/containerd/config.toml"
  rm -rf -- "$r/var/run"; mkdir -p -- "$r/var"; ln -s ../run "$r/var/run"
  # ca-certificates' postinst: the bundle that Go and OpenSSL read.
  if [[ -d $r/usr/share/ca-certificates ]]; then
    (cd "$r/usr/share/ca-certificates" && find . -name '*.crt' -printf '%P\n' | sort) >"$r/etc/ca-certificates.conf"
    mkdir -p -- "$r/etc/ssl/certs"
    while read -r l; do
      cat -- "$r/usr/share/ca-certificates/$l"
      [[ -z $(tail -c1 -- "$r/usr/share/ca-certificates/$l") ]] || echo
    done <"$r/etc/ca-certificates.conf" >"$r/etc/ssl/certs/ca-certificates.crt"
  fi
  # Mount points.
  for l in proc sys dev run tmp data mnt var/log var/lib/docker var/lib/containerd etc/docker; do
    mkdir -p -- "$r/$l"
  done
  chmod 1777 -- "$r/tmp"
  # The programs ecivm puts there (replaced by the real ones before packing).
  mkdir -p -- "$r/usr/libexec/ecivm" "$r/etc/ecivm"
  echo "$ROOT_LIST" >"$r/etc/ecivm/packages"
  # Loader cache, as libc-bin's trigger would make it (needs chroot, so root).
  [[ -f $r/etc/ld.so.conf ]] || echo 'include /etc/ld.so.conf.d/*.conf' >"$r/etc/ld.so.conf"
  if ((EUID == 0)); then
    ldconfig -X -r "$r" || die "ldconfig -r failed"
    # ldconfig -r leaves an aux-cache behind
    rm -rf -- "$r/var/cache/ldconfig"
  fi
}

# Every ELF file's libraries must be in the root (a dropped package may have
# taken one along).
check_libs() {
  local r=$1 missing
  missing=$(
    { (cd "$r" && find usr/lib usr/lib64/ \( -type f -o -type l \) -name '*.so*' -printf 'lib %h %f\n')
      # (readelf fails on the non-ELF files among these; /dev/null makes
      # it name every file, even in a batch of one)
      (cd "$r" && { find usr -type f \( -perm /111 -o -name '*.so' -o -name '*.so.*' \) -print0 |
        xargs -0 -r readelf -dW /dev/null 2>/dev/null || true; }) ; } |
    awk '$1 == "lib" { D[$2 "/" $3] = 1; next }
         $1 == "File:" { f = $2; dir = f; sub(/\/[^\/]*$/, "", dir); next }
         /\(NEEDED\)/ { n = $NF; gsub(/[][]/, "", n)
           if (!(("usr/lib/x86_64-linux-gnu/" n) in D || ("usr/lib/" n) in D || ("usr/lib64/" n) in D || (dir "/" n) in D))
             print "/" f " needs " n }' | sort -u)
  [[ -z $missing ]] || die "libraries missing from the root: $(echo "$missing" | head -n5 | tr '\n' ';')"
}

if ! tree_ok rootfs "$RTREE_HASH"; then
  t0=$(now_us)
  r=$TREES/rootfs.new
  rm -rf -- "$r"; mkdir -p -- "$r"
  say "unpacking ${#ROOT_PKGS[@]} packages…"
  check_debs "${ROOT_PKGS[@]}"
  # Biggest first, two at a time.
  # shellcheck disable=SC2016  # expanded by sh
  for name in "${ROOT_PKGS[@]}"; do printf '%s %s\0' "$(stat -c %s -- "${DEB[$name]}")" "${DEB[$name]}"; done |
    sort -z -rn | cut -z -d' ' -f2- |
    xargs -0 -r -n1 -P2 sh -c 'dpkg-deb -x "$1" "$0" || { echo "images: dpkg-deb -x failed for ${1##*/}" >&2; exit 255; }' "$r" ||
    die "unpacking the root packages failed"
  usr_merge "$r"
  # Documentation, locales, shell completions, the sysv/upstart glue and
  # shell helper scripts (no shell to run them), static libraries.
  rm -rf -- "$r"/usr/share/{doc,doc-base,man,info,locale,lintian,linda,bug,bash-completion,zsh,fish,initramfs-tools,pixmaps,polkit-1,menu,docker.io/contrib} \
    "$r"/etc/{init.d,init,rc0.d,rc1.d,rc2.d,rc3.d,rc4.d,rc5.d,rc6.d,rcS.d,cron.daily,logrotate.d} \
    "$r"/usr/lib/x86_64-linux-gnu/*.a "$r"/usr/sbin/blkdeactivate \
    "$r"/usr/share/iptables "$r"/usr/sbin/ip{,6}tables-apply "$r"/usr/sbin/update-ca-certificates \
    "$r"/usr/share/libgcrypt20/clean-up-unmanaged-libraries
  write_root_files "$r"
  check_libs "$r"
  # Scripts are dead weight (no interpreter): name any that are left.
  scripts=$(cd "$r" && find . -type f -size -1M -print0 |
    xargs -0 -r awk 'FNR == 1 { if (/^#!/) print substr(FILENAME, 2); nextfile }' | tr '\n' ' ')
  if [[ -n $scripts ]]; then say "note: scripts without an interpreter in the root: $scripts"; fi
  tree_done rootfs "$RTREE_HASH"
  say "root tree ($(du -sm -- "$TREES/rootfs" | cut -f1) MB) in $(secs_since "$t0") s"
fi
RTREE=$TREES/rootfs

# --------------------------------------------------------- 7. root.erofs
STEP=root.erofs
h=$( { echo "root.erofs $RTREE_HASH $INIT_SHA $AGENT_SHA $RUNC_SHIM_SHA $PROCFS_SHA"; } | sha_str)
if out_ok root.erofs "$h"; then
  say "root.erofs up to date"
else
  t0=$(now_us)
  install -m 0755 -- "$INIT" "$RTREE/usr/sbin/ecivm-init"
  install -m 0755 -- "$AGENT" "$RTREE/usr/libexec/ecivm/ecivm-agent"
  # The shared tree holds Debian's runc at /usr/sbin/runc unless a shim build
  # moved it: put it where this build wants it.
  real_runc=$RTREE/usr/libexec/ecivm/runc
  rm -f -- "$RTREE/etc/ecivm/test-runtime"
  if [[ -n $RUNC_SHIM ]]; then
    [[ -e $real_runc ]] || mv -- "$RTREE/usr/sbin/runc" "$real_runc"
    chmod 0700 -- "$real_runc"
    install -m 0755 -- "$RUNC_SHIM" "$RTREE/usr/sbin/runc"
    if [[ -n $TEST_RUNTIME ]]; then echo plain-runc >"$RTREE/etc/ecivm/test-runtime"; fi
    rm -f -- "$RTREE/usr/libexec/ecivm/ecivm-procfs"
    if [[ -n $PROCFS ]]; then install -m 0755 -- "$PROCFS" "$RTREE/usr/libexec/ecivm/ecivm-procfs"; fi
    check_libs "$RTREE"
  elif [[ -e $real_runc ]]; then
    mv -f -- "$real_runc" "$RTREE/usr/sbin/runc"
    chmod 0755 -- "$RTREE/usr/sbin/runc"
  fi
  for f in "${FORBIDDEN[@]}"; do
    if [[ -e $RTREE$f || -L $RTREE$f ]]; then die "forbidden file in the root: $f"; fi
  done
  found=$(find "$RTREE/usr" ! -type d \( -path '*/bin/*' -o -path '*/sbin/*' \) \
    \( -name sh -o -name bash -o -name rbash -o -name dash -o -name ash -o -name ksh -o -name mksh \
       -o -name zsh -o -name csh -o -name tcsh -o -name fish -o -name busybox -o -name toybox \
       -o -name getty -o -name agetty -o -name login -o -name su -o -name sudo -o -name sshd \) \
    -print -quit)
  [[ -z $found ]] || die "forbidden file in the root: ${found#"$RTREE"}"
  uuid=$(echo "$h" | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
  mkfs.erofs --quiet -T"$EPOCH" -U"$uuid" --all-root -x-1 "${EROFS_OPTS[@]}" \
    "$OUT/.root.erofs.tmp" "$RTREE" >"$TMP/mkfs.log" 2>&1 ||
    die "mkfs.erofs failed: $(tail -n3 "$TMP/mkfs.log" | tr '\n' ' ')"
  out_install root.erofs "$OUT/.root.erofs.tmp" "$h"
  say "root.erofs (erofs, $(mb "$OUT/root.erofs")) in $(secs_since "$t0") s"
fi

# ----------------------------------------------------- 7b. root.verity
# dm-verity hash tree of root.erofs (sha256, 4 KiB blocks, superblock first,
# so the tree starts at hash block 1).  Reproducible: the salt is the root
# image's sha256 and the superblock UUID is derived from it.  The root hash
# is kept beside the stamp; it goes to build-info.env and the cmdline.
STEP=root.verity
VERITY_SALT=${OUT_SHA[root.erofs]}
h=$( { echo "root.verity $VERITY_SALT"; } | sha_str)
if out_ok root.verity "$h" && [[ -s $STAMPS/root.verity.roothash ]]; then
  VERITY_ROOT_HASH=$(<"$STAMPS/root.verity.roothash")
  say "root.verity up to date"
else
  command -v veritysetup >/dev/null || die "veritysetup not found (install cryptsetup-bin)"
  t0=$(now_us)
  size=$(stat -c %s -- "$OUT/root.erofs")
  (( size % 4096 == 0 )) || die "root.erofs is not a whole number of 4 KiB blocks ($size bytes)"
  vuuid=$(echo "$VERITY_SALT" | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
  rm -f -- "$OUT/.root.verity.tmp"
  veritysetup format --hash=sha256 --data-block-size=4096 --hash-block-size=4096 \
    --salt="$VERITY_SALT" --uuid="$vuuid" "$OUT/root.erofs" "$OUT/.root.verity.tmp" >"$TMP/verity.log" 2>&1 ||
    die "veritysetup format failed: $(tail -n3 "$TMP/verity.log" | tr '\n' ' ')"
  VERITY_ROOT_HASH=$(sed -n 's/^Root hash:[[:space:]]*//p' "$TMP/verity.log")
  [[ $VERITY_ROOT_HASH =~ ^[0-9a-f]{64}$ ]] || die "veritysetup printed no root hash"
  chmod 0644 -- "$OUT/.root.verity.tmp"
  out_install root.verity "$OUT/.root.verity.tmp" "$h"
  echo "$VERITY_ROOT_HASH" >"$STAMPS/root.verity.roothash"
  say "root.verity ($(mb "$OUT/root.verity"), root hash ${VERITY_ROOT_HASH:0:16}…) in $(secs_since "$t0") s"
fi
VERITY_DATA_BLOCKS=$(( $(stat -c %s -- "$OUT/root.erofs") / 4096 ))

# ------------------------------------------------------------- 8. bb.tar
# A container rootfs for `docker import`: static busybox and its applets.
STEP=bb.tar
h=$( { echo "bb.tar $RECIPE"; basename -- "${DEB[$BBPKG]}"; } | sha_str)
if out_ok bb.tar "$h"; then
  say "bb.tar up to date"
else
  b=$TMP/bb-deb st=$TMP/bb
  check_debs "$BBPKG"
  dpkg-deb -x "${DEB[$BBPKG]}" "$b" || die "dpkg-deb -x failed for package $BBPKG"
  bb=$b/bin/busybox
  [[ -x $bb ]] || bb=$b/usr/bin/busybox
  [[ -x $bb ]] || die "package $BBPKG has no busybox binary"
  mkdir -p -- "$st/bin" "$st/etc" "$st/root" "$st/tmp" "$st/dev" "$st/proc" "$st/sys"
  chmod 1777 -- "$st/tmp"; chmod 0700 -- "$st/root"
  cp -- "$bb" "$st/bin/busybox"; chmod 0755 -- "$st/bin/busybox"
  "$bb" --list >"$TMP/applets" || die "$bb --list failed"
  grep -qx sh "$TMP/applets" || die "busybox has no sh applet"
  while read -r a; do
    [[ $a == busybox || $a == */* || -z $a ]] || ln -s busybox "$st/bin/$a"
  done <"$TMP/applets"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$st/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$st/etc/group"
  tar -C "$st" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    --format=gnu -cf "$OUT/.bb.tar.tmp" .
  out_install bb.tar "$OUT/.bb.tar.tmp" "$h"
  say "bb.tar (busybox ${VER[$BBPKG]}, $(grep -c . "$TMP/applets") applets, $(mb "$OUT/bb.tar"))"
fi

# ------------------------------------------------ 9. packages.txt, env
STEP=packages.txt
for name in "$KPKG" "${ROOT_PKGS[@]}"; do echo "$name ${VER[$name]} ${DEB_SHA[$name]}"; done |
  sort | out_text packages.txt

STEP=build-info.env
for k in "$KREL" "$KPKG" "${VER[$KPKG]}" "${VER[$BBPKG]}"; do
  [[ $k =~ ^[A-Za-z0-9.:+~_-]+$ ]] || die "unexpected characters in \"$k\""
done
{
  echo "SUITE=$SUITE"
  echo "KERNEL_RELEASE=$KREL"
  echo "KERNEL_PACKAGE=$KPKG"
  echo "KERNEL_VERSION=${VER[$KPKG]}"
  echo "ROOT_FORMAT=erofs"
  echo "ROOT_COMPRESSION=${EROFS_OPTS[*]:-none}"
  echo "KERNEL_SHA256=${OUT_SHA[vmlinuz]}"
  echo "INITRD_SHA256=${OUT_SHA[initrd.img]}"
  echo "ROOT_SHA256=${OUT_SHA[root.erofs]}"
  echo "VERITY_ROOT_HASH=$VERITY_ROOT_HASH"
  echo "VERITY_SALT=$VERITY_SALT"
  echo "VERITY_HASH_SHA256=${OUT_SHA[root.verity]}"
  echo "VERITY_DATA_BLOCKS=$VERITY_DATA_BLOCKS"
  echo "BB_TAR_SHA256=${OUT_SHA[bb.tar]}"
  echo "BUSYBOX_VERSION=${VER[$BBPKG]}"
  echo "SOURCE_DATE_EPOCH=$EPOCH"
} | out_text build-info.env

STEP=finish
say "done in $(secs_since "$T_START") s: $OUT"
