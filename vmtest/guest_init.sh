#!/bin/sh
# /init of the e820scope test-bed initramfs (busybox sh). Built into the image by
# vmtest/initramfs.py. Knobs on the kernel command line (all optional):
#   vmtest.gen=N     generation of this boot (default 1)
#   vmtest.max=M     kexec_file_load ("kexec -s") into the next generation until gen M
#   vmtest.mod=1     load /e820scope.ko (addresses from /proc/kallsyms) before dumping
#   vmtest.stress=N  after dumping, unload/load the module N times with concurrent readers
# Everything the host needs is printed on the serial console between markers:
#   @@E820SCOPE-FILE gen=N mode=text|hex path=PATH  ...  @@E820SCOPE-END
#   @@E820SCOPE-RESULT gen=N key=value ...
# and parsed by vmtest/console.py. Kernel console output is silenced (dmesg -n 1) while
# dumping so that it does not interleave; the full dmesg is dumped as a file instead.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o size=256m tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

GEN=1; MAX=1; MOD=0; STRESS=0
for a in $(cat /proc/cmdline); do
  case "$a" in
    vmtest.gen=*) GEN=${a#vmtest.gen=} ;;
    vmtest.max=*) MAX=${a#vmtest.max=} ;;
    vmtest.mod=*) MOD=${a#vmtest.mod=} ;;
    vmtest.stress=*) STRESS=${a#vmtest.stress=} ;;
  esac
done
dmesg -n 1
echo "@@E820SCOPE-RESULT gen=$GEN event=init uptime=$(cut -d' ' -f1 /proc/uptime)"

dump() {  # dump MODE PATH
  [ -e "$2" ] || return 0
  echo "@@E820SCOPE-FILE gen=$GEN mode=$1 path=$2"
  if [ "$1" = hex ]; then od -An -v -tx1 "$2"; else cat "$2"; fi
  echo "@@E820SCOPE-END"
}

PARAMS=""
if [ "$MOD" = 1 ]; then
  T0=$(cut -d' ' -f1 /proc/uptime)
  PARAMS=$(awk '$3 == "e820_table" || $3 == "e820_table_kexec" || $3 == "e820_table_firmware" {
                  printf "%s_addr=0x%s ", $3, $1 }' /proc/kallsyms)
  T1=$(cut -d' ' -f1 /proc/uptime)
  insmod /e820scope.ko $PARAMS
  RC=$?
  T2=$(cut -d' ' -f1 /proc/uptime)
  echo "@@E820SCOPE-RESULT gen=$GEN event=insmod rc=$RC kallsyms_s=$T0..$T1 insmod_s=$T1..$T2"
fi

for f in status e820_table e820_table_kexec e820_table_firmware; do
  dump text /sys/kernel/e820scope/$f
done
for f in e820_table e820_table_kexec e820_table_firmware; do
  dump hex /sys/kernel/e820scope/$f.bin
  dump text /sys/kernel/debug/e820scope/$f
done
dump text /sys/firmware/efi/fw_platform_size
dump text /proc/sys/kernel/osrelease
dump text /proc/version
dump text /proc/cmdline
dump text /proc/iomem
dump text /proc/meminfo
for d in $(ls /sys/firmware/memmap 2>/dev/null | sort -n); do
  for f in start end type; do dump text /sys/firmware/memmap/$d/$f; done
done
dump text /sys/kernel/boot_params/version
dump hex /sys/kernel/boot_params/data
for d in /sys/kernel/boot_params/setup_data/*; do
  [ -d "$d" ] && dump text "$d/type" && { L=/tmp/setup_data_$(basename "$d")_len; wc -c < "$d/data" > "$L"; dump text "$L"; }
done

if [ "$STRESS" -gt 0 ] 2>/dev/null && [ "$MOD" = 1 ] && [ "$GEN" = 1 ]; then
  # Concurrent readers while the module is unloaded/loaded STRESS times; half of the
  # loads use the addresses from /proc/kallsyms, half the kprobe route.
  mi() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
  SU0=$(mi SUnreclaim); VM0=$(mi VmallocUsed)
  reader() {
    while [ ! -e /tmp/stop ]; do
      cat /sys/kernel/e820scope/e820_table_kexec /sys/kernel/e820scope/e820_table.bin \
          /sys/kernel/e820scope/status /sys/kernel/debug/e820scope/e820_table >/dev/null 2>&1
    done
  }
  reader & R1=$!
  reader & R2=$!
  # rmmod fails with EAGAIN while a reader holds a debugfs file open (module ref): retry
  unload() {
    n=0
    while ! rmmod e820scope 2>/dev/null; do
      n=$((n + 1)); BUSY=$((BUSY + 1))
      [ $n -ge 200 ] && return 1
      usleep 5000
    done
  }
  FAIL=0; BUSY=0; i=0
  while [ $i -lt "$STRESS" ]; do
    unload || FAIL=$((FAIL + 1))
    if [ $((i % 2)) = 0 ]; then insmod /e820scope.ko $PARAMS || FAIL=$((FAIL + 1))
    else insmod /e820scope.ko || FAIL=$((FAIL + 1)); fi
    cat /sys/kernel/e820scope/e820_table_kexec >/dev/null || FAIL=$((FAIL + 1))
    i=$((i + 1))
    if [ $i = $((STRESS / 2)) ]; then SUM=$(mi SUnreclaim); VMM=$(mi VmallocUsed); fi
  done
  touch /tmp/stop; wait $R1 $R2
  unload || FAIL=$((FAIL + 1))
  # a wrong address must be refused (dmesg "refusing to load"), never used
  if insmod /e820scope.ko e820_table_addr=0x1000 2>/dev/null; then FAIL=$((FAIL + 1)); rmmod e820scope; fi
  insmod /e820scope.ko no_kprobe=1 2>/dev/null && { FAIL=$((FAIL + 1)); rmmod e820scope; }
  SU1=$(mi SUnreclaim); VM1=$(mi VmallocUsed)
  echo "@@E820SCOPE-RESULT gen=$GEN event=stress cycles=$STRESS failures=$FAIL busy_retries=$BUSY sunreclaim_kb=$SU0..$SUM..$SU1 vmallocused_kb=$VM0..$VMM..$VM1 uptime=$(cut -d' ' -f1 /proc/uptime)"
fi

dmesg > /tmp/dmesg.txt
dump text /tmp/dmesg.txt

if [ "$GEN" -lt "$MAX" ]; then
  NEXT=$((GEN + 1))
  CMD=""
  for a in $(cat /proc/cmdline); do
    case "$a" in vmtest.gen=*|initrd=*|BOOT_IMAGE=*) ;; *) CMD="$CMD $a" ;; esac
  done
  CMD="${CMD# } vmtest.gen=$NEXT"
  # the kernel freed the original initramfs: rebuild an identical one
  ( cd / && find . -xdev | grep -v -e '^\./tmp/' | cpio -o -H newc > /tmp/initrd.img 2>/dev/null )
  if kexec -s -l /vmlinuz --initrd=/tmp/initrd.img --command-line="$CMD"; then
    echo "@@E820SCOPE-RESULT gen=$GEN event=kexec next=$NEXT uptime=$(cut -d' ' -f1 /proc/uptime)"
    dmesg -n 7
    kexec -e
    echo "@@E820SCOPE-RESULT gen=$GEN event=error what=kexec-e rc=$?"
  else
    echo "@@E820SCOPE-RESULT gen=$GEN event=error what=kexec-load"
  fi
fi
echo "@@E820SCOPE-RESULT gen=$GEN event=done uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
sleep 5
reboot -f
