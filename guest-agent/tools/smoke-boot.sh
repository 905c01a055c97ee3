#!/bin/sh
# Developer smoke test of stages 1 and 2 without the lab: boots KERNEL with a copy of a fuselab
# initramfs whose /init is replaced by AGENT, on a throwaway ext4 root holding only AGENT (it is
# static), plays the host side of PROTOCOL.md and prints the guest's lines. TCG, so no KVM needed.
#
#   smoke-boot.sh KERNEL INITRAMFS.cpio.gz AGENT 'SPEC_JSON'
#
# The initramfs supplies the modules and /etc/fuselab/modules (the lab builds one per kernel).
set -eu
[ $# -eq 4 ] || { sed -n 2,8p "$0"; exit 2; }
kernel=$1 initramfs=$2 agent=$3 spec=$4
work=$(mktemp -d /tmp/fuselab-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd" "$work/root/usr/local/sbin" "$work/root/dev" "$work/root/proc" \
  "$work/root/sys" "$work/root/tmp"
(cd "$work/initrd" && zcat "$initramfs" | cpio -id --quiet)
cp "$agent" "$work/initrd/init"
cp "$agent" "$work/root/usr/local/sbin/fuselab-agent"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initrd.cpio.gz")
mkfs.ext4 -q -d "$work/root" "$work/root.img" 64M
qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 1024 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.cpio.gz" \
  -append "console=ttyS0 panic=-1 loglevel=7 fuselab.root=/dev/vda" \
  -drive "file=$work/root.img,format=raw,if=virtio" \
  -device virtio-serial-pci -chardev "socket,id=agent,path=$work/agent.sock,server=on,wait=off" \
  -device virtserialport,chardev=agent,name=org.fuselab.agent.0 > "$work/console.log" 2>&1 &
qemu=$!
python3 - "$work/agent.sock" "$spec" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(100):
    try:
        s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.1)
f = s.makefile("rwb")
for line in f:
    print("guest:", line.decode().rstrip(), flush=True)
    msg = json.loads(line)["msg"]
    if msg == "hello":
        f.write((json.dumps({"msg": "run", "spec": json.loads(sys.argv[2])}) + "\n").encode())
        f.flush()
    if msg == "bye":
        break
PY
wait $qemu || true
grep -E "fuselab-agent|reboot: Power down" "$work/console.log" || true
