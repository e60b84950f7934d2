#!/bin/sh
# /init of the e820scope test-bed initramfs (busybox sh). Built into the image by
# vmtest/initramfs.py. Knobs on the kernel command line (all optional):
#   vmtest.gen=N     generation of this boot (default 1)
#   vmtest.max=M     kexec_file_load ("kexec -s") into the next generation until gen M
#   vmtest.mod=1     load /e820scope.ko (addresses from /proc/kallsyms) before dumping
#   vmtest.stress=N  after dumping, unload/load the module N times with concurrent readers,
#                    then race readers against the module's changing selftest table
#   vmtest.kexec=file|load   kexec_file_load ("kexec -s", default) or kexec_load (no -s)
#   vmtest.kseq=A:B:C  kernel names of generations 1, 2, 3...: generation N kexecs
#                    /vmlinuz-<element N+1> (default /vmlinuz)
#   vmtest.kdump=1   instead of a plain kexec, load the next kernel as a crash kernel
#                    ("kexec -p", needs crashkernel=) and crash with sysrq-c
#   vmtest.switch128=1  once the module's e820_table_kexec holds more than 128 entries,
#                    hop with kexec_load instead (from then on) and stop 2 generations later
#   vmtest.lockdown=1  in the last generation, raise lockdown to confidentiality at run
#                    time and check that the module's files refuse to be read
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

GEN=1; MAX=1; MOD=0; STRESS=0; KEXEC=file; KSEQ=""; KDUMP=0; LOCKDOWN=0; SWITCH128=0
for a in $(cat /proc/cmdline); do
  case "$a" in
    vmtest.gen=*) GEN=${a#vmtest.gen=} ;;
    vmtest.max=*) MAX=${a#vmtest.max=} ;;
    vmtest.mod=*) MOD=${a#vmtest.mod=} ;;
    vmtest.stress=*) STRESS=${a#vmtest.stress=} ;;
    vmtest.kexec=*) KEXEC=${a#vmtest.kexec=} ;;
    vmtest.kseq=*) KSEQ=${a#vmtest.kseq=} ;;
    vmtest.kdump=*) KDUMP=${a#vmtest.kdump=} ;;
    vmtest.lockdown=*) LOCKDOWN=${a#vmtest.lockdown=} ;;
    vmtest.switch128=*) SWITCH128=${a#vmtest.switch128=} ;;
  esac
done
# this kernel's module: /lib/e820scope/<uname -r>.ko (several kernels), else /e820scope.ko
KO=/lib/e820scope/$(uname -r).ko
[ -e "$KO" ] || KO=/e820scope.ko
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
  insmod $KO $PARAMS
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
    if [ $((i % 2)) = 0 ]; then insmod $KO $PARAMS || FAIL=$((FAIL + 1))
    else insmod $KO || FAIL=$((FAIL + 1)); fi
    cat /sys/kernel/e820scope/e820_table_kexec >/dev/null || FAIL=$((FAIL + 1))
    i=$((i + 1))
    if [ $i = $((STRESS / 2)) ]; then SUM=$(mi SUnreclaim); VMM=$(mi VmallocUsed); fi
  done
  touch /tmp/stop; wait $R1 $R2
  unload || FAIL=$((FAIL + 1))
  # a wrong address must be refused (dmesg "refusing to load"), never used
  if insmod $KO e820_table_addr=0x1000 2>/dev/null; then FAIL=$((FAIL + 1)); rmmod e820scope; fi
  insmod $KO no_kprobe=1 2>/dev/null && { FAIL=$((FAIL + 1)); rmmod e820scope; }
  SU1=$(mi SUnreclaim); VM1=$(mi VmallocUsed)
  # Readers racing a changing table: selftest_table flips between 100 type-1 entries and
  # 70 type-4 entries; each read (dd bs=512: many read() calls) must be one of the two.
  insmod $KO $PARAMS selftest=1 || FAIL=$((FAIL + 1))
  torn() {  # prints the number of torn reads out of $1
    n=0; bad=0
    while [ $n -lt "$1" ]; do
      dd if=/sys/kernel/e820scope/selftest_table bs=512 2>/dev/null | awk '
        NR == 1 { split($3, h, "="); want = h[2]; next }
        { lines++; types[$NF]++ }
        END { ok = (want == lines) && ((want == 100 && types["usable"] + types["RAM"] == 100) || (want == 70 && types["NVS"] == 70))
              exit ok ? 0 : 1 }' || bad=$((bad + 1))
      n=$((n + 1))
    done
    echo $bad
  }
  torn 300 > /tmp/torn1 & T1=$!
  TORN=$(torn 300); wait $T1; TORN=$((TORN + $(cat /tmp/torn1)))
  rmmod e820scope || FAIL=$((FAIL + 1))
  echo "@@E820SCOPE-RESULT gen=$GEN event=selftest reads=600 torn=$TORN"
  insmod $KO $PARAMS || FAIL=$((FAIL + 1))
  echo "@@E820SCOPE-RESULT gen=$GEN event=stress cycles=$STRESS failures=$FAIL busy_retries=$BUSY sunreclaim_kb=$SU0..$SUM..$SU1 vmallocused_kb=$VM0..$VMM..$VM1 uptime=$(cut -d' ' -f1 /proc/uptime)"
fi

dmesg > /tmp/dmesg.txt
dump text /tmp/dmesg.txt

if [ "$LOCKDOWN" = 1 ] && [ "$GEN" -ge "$MAX" ] && [ "$MOD" = 1 ]; then
  mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
  BEFORE=$(cat /sys/kernel/security/lockdown 2>/dev/null | tr ' ' ',')
  cat /sys/kernel/e820scope/e820_table >/dev/null 2>&1; R0=$?
  echo confidentiality > /sys/kernel/security/lockdown 2>/dev/null
  AFTER=$(cat /sys/kernel/security/lockdown 2>/dev/null | tr ' ' ',')
  ERR=$(cat /sys/kernel/e820scope/e820_table 2>&1 >/dev/null | tr ' ' '_')
  cat /sys/kernel/e820scope/e820_table_kexec.bin >/dev/null 2>&1; R2=$?
  cat /sys/kernel/debug/e820scope/e820_table >/dev/null 2>&1; R3=$?
  rmmod e820scope; R4=$?
  echo "@@E820SCOPE-RESULT gen=$GEN event=lockdown before=[$BEFORE] after=[$AFTER] read_before_rc=$R0 text_err=[$ERR] bin_rc=$R2 debugfs_rc=$R3 rmmod_rc=$R4"
fi

if [ "$SWITCH128" = 1 ] && [ "$KEXEC" = file ] && [ "$MOD" = 1 ]; then
  NK=$(head -n 1 /sys/kernel/e820scope/e820_table_kexec | sed 's/.*nr_entries=\([0-9]*\).*/\1/')
  if [ "$NK" -gt 128 ] 2>/dev/null; then
    KEXEC=load; MAX=$((GEN + 2))
    echo "@@E820SCOPE-RESULT gen=$GEN event=switch kexec_entries=$NK to=load max=$MAX"
  fi
fi

# generation N+1's kernel: /vmlinuz-<element N+1 of vmtest.kseq>, else /vmlinuz
next_kernel() {
  k=$(echo "$KSEQ" | cut -d: -f"$1" 2>/dev/null)
  if [ -n "$k" ] && [ -e "/vmlinuz-$k" ]; then echo "/vmlinuz-$k"; else echo /vmlinuz; fi
}

if [ "$GEN" -lt "$MAX" ]; then
  NEXT=$((GEN + 1))
  CMD=""
  for a in $(cat /proc/cmdline); do
    case "$a" in
      vmtest.gen=*|vmtest.max=*|vmtest.kexec=*|initrd=*|BOOT_IMAGE=*) ;;
      crashkernel=*|vmtest.kdump=*) [ "$KDUMP" = 1 ] || CMD="$CMD $a" ;;
      *) CMD="$CMD $a" ;;
    esac
  done
  CMD="${CMD# } vmtest.gen=$NEXT vmtest.max=$MAX vmtest.kexec=$KEXEC"
  # the kernel freed the original initramfs: rebuild an identical one
  ( cd / && find . -xdev | grep -v -e '^\./tmp/' | cpio -o -H newc > /tmp/initrd.img 2>/dev/null )
  VMLINUZ=$(next_kernel "$NEXT")
  if [ "$KDUMP" = 1 ]; then
    # the capture kernel: kexec_file_load (-s) or kexec_load, as vmtest.kexec says
    FLAGS="-p"; [ "$KEXEC" = file ] && FLAGS="-s -p"
    CMD="$CMD irqpoll nr_cpus=1 reset_devices vmtest.capture=1"
    if kexec $FLAGS "$VMLINUZ" --initrd=/tmp/initrd.img --command-line="$CMD"; then
      echo "@@E820SCOPE-RESULT gen=$GEN event=kdump-loaded syscall=$KEXEC next=$NEXT kernel=$VMLINUZ"
      dump text /sys/kernel/kexec_crash_loaded
      dump text /proc/iomem
      dmesg -n 7
      echo c > /proc/sysrq-trigger
      echo "@@E820SCOPE-RESULT gen=$GEN event=error what=sysrq-c"
    else
      echo "@@E820SCOPE-RESULT gen=$GEN event=error what=kexec-p"
    fi
  else
    FLAGS="-l"; [ "$KEXEC" = file ] && FLAGS="-s -l"
    # kexec_load: kexec-tools' own view of the hand-off (E820 memmap it builds)
    [ "$KEXEC" = load ] && FLAGS="$FLAGS -d"
    if kexec $FLAGS "$VMLINUZ" --initrd=/tmp/initrd.img --command-line="$CMD" 2>/tmp/kexec.stderr; then
      dump text /tmp/kexec.stderr
      echo "@@E820SCOPE-RESULT gen=$GEN event=kexec syscall=$KEXEC next=$NEXT kernel=$VMLINUZ uptime=$(cut -d' ' -f1 /proc/uptime)"
      dmesg -n 7
      kexec -e
      echo "@@E820SCOPE-RESULT gen=$GEN event=error what=kexec-e rc=$?"
    else
      dump text /tmp/kexec.stderr
      echo "@@E820SCOPE-RESULT gen=$GEN event=error what=kexec-load"
    fi
  fi
fi
echo "@@E820SCOPE-RESULT gen=$GEN event=done uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
sleep 5
reboot -f
