#!/bin/sh
# e820scope-load.sh [MODULE.ko] - load e820scope with the table addresses read from
# /proc/kallsyms (root; kptr_restrict must allow it). Works with busybox sh/awk/insmod.
# The module re-checks every address with sprint_symbol() and refuses wrong ones.
set -eu
KO=${1:-e820scope.ko}
if [ "$(id -u)" != 0 ]; then echo "e820scope-load: must be root" >&2; exit 4; fi
PARAMS=$(awk '
  $3 == "e820_table" || $3 == "e820_table_kexec" || $3 == "e820_table_firmware" {
    if ($1 ~ /^0+$/) { zero = 1; next }
    printf "%s_addr=0x%s ", $3, $1
  }
  END { if (zero) print "ZERO" }' /proc/kallsyms)
case "$PARAMS" in
  *ZERO*) echo "e820scope-load: /proc/kallsyms shows zero addresses (kptr_restrict=$(cat /proc/sys/kernel/kptr_restrict)); set kernel.kptr_restrict=1 as root or use the kprobe route (insmod without parameters)" >&2; exit 4 ;;
  "") echo "e820scope-load: e820_table* not in /proc/kallsyms (CONFIG_KALLSYMS_ALL=n?); trying the kprobe route" >&2 ;;
esac
# shellcheck disable=SC2086
exec insmod "$KO" $PARAMS
