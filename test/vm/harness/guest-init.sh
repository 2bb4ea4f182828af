#!/bin/sh
# /init of the vmrpc test guest (PID 1, busybox sh from the initramfs).
#
# Loads the virtio/9p/vsock modules, mounts the host's root read-only over 9p,
# puts tmpfs on /tmp and /run, mounts the checkout read-write at its host path
# (so pnpm's node_modules symlinks resolve) and the results share, chroots into
# the host root to run /run/vmrpc/job.sh, writes its exit code to the results
# share and powers off. Lines starting with "@@vmrpc" are read by run-in-guest.ts.

export PATH=/bin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /results /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "@@vmrpc init@@"

groups=base
debug=0
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vmrpc.groups=*) groups="${arg#vmrpc.groups=}" ;;
    vmrpc.debug=1) debug=1 ;;
  esac
done

fatal() {
  echo "@@vmrpc fatal $*@@"
  dmesg | tail -n 30
  poweroff -f
  sleep 60
}

# /modules/order lists "group module" in dependency order.
while read -r group module; do
  case ",$groups," in
    *",$group,"*) insmod "/modules/$module.ko" || fatal "insmod $module failed" ;;
  esac
done < /modules/order

# The 9p devices appear once virtio_pci has probed; that is normally immediate.
ninep="trans=virtio,version=9p2000.L,msize=512000"
mount9p() { # tag target extra-options
  tries=0
  until mount -t 9p -o "$ninep$3" "$1" "$2" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -ge 50 ] && fatal "cannot mount 9p share $1 on $2"
    sleep 0.1
  done
}

mount9p vmrpc_results /results ""
[ -f /results/config.sh ] || fatal "no config.sh in the results share"
. /results/config.sh

# The host root is read-only and never changes under a run, so caching it is safe and much faster.
mount9p hostroot /newroot ",ro,cache=loose"
echo "@@vmrpc root@@"
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
mkdir -p /newroot/run/vmrpc
mount --bind /results /newroot/run/vmrpc
if [ -n "$VMRPC_CHECKOUT" ]; then
  # A checkout under /tmp or /run (CI clones often are) is hidden by the guest's own tmpfs
  # there: make its mount point in that tmpfs. Elsewhere the read-only root must have it.
  [ -d "/newroot$VMRPC_CHECKOUT" ] || mkdir -p "/newroot$VMRPC_CHECKOUT" 2>/dev/null ||
    fatal "checkout mount point $VMRPC_CHECKOUT does not exist in the host root"
  # Cached too: the host leaves the checkout alone during a run, and uncached 9p made
  # loading mocha take 11 s instead of 2.6 s. The final sync writes guest changes back.
  mount9p vmrpc_checkout "/newroot$VMRPC_CHECKOUT" ",cache=loose"
fi
hostname vmrpc-guest
# Loopback only (the guest has no NIC): tests and benchmarks may use 127.0.0.1 beside vsock.
ip link set lo up || fatal "cannot bring up lo"

# Keep kernel messages out of the job's output unless debugging a boot.
[ "$debug" = 1 ] || echo 1 > /proc/sys/kernel/printk

echo "@@vmrpc job-start@@"
chroot /newroot /bin/sh /run/vmrpc/job.sh < /dev/null
rc=$?
sync
# The results share is uncached, so the host sees this as soon as it is written.
echo "$rc" > /results/exit-code
echo "@@vmrpc job-exit $rc@@"
poweroff -f
sleep 60
