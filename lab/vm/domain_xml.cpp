#include "vm/domain_xml.h"

#include <sstream>

#include "common/xml_text.h"

namespace fuselab {

std::string domain_xml(const GuestSpec& spec, bool keep_disk_labels) {
  const bool kvm = spec.accel == Accelerator::Kvm;
  std::ostringstream x;
  x << "<domain type='" << (kvm ? "kvm" : "qemu")
    << "'"
    // The qemu: namespace carries QEMU arguments libvirt has no element for (the gdbstub).
    << (spec.gdb_port ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "") << ">\n"
    << "  <name>" << xml_escape(spec.name) << "</name>\n"
    << "  <memory unit='MiB'>" << spec.memory_mib << "</memory>\n"
    << "  <vcpu>" << spec.vcpus << "</vcpu>\n"
    << "  <os>\n"
    << "    <type arch='x86_64'>hvm</type>\n"
    << "    <kernel>" << xml_escape(spec.kernel.string()) << "</kernel>\n"
    << "    <initrd>" << xml_escape(spec.initrd.string()) << "</initrd>\n"
    << "    <cmdline>" << xml_escape(spec.cmdline) << "</cmdline>\n"
    << "  </os>\n"
    // ACPI so that the agent's reboot(RB_POWER_OFF) really powers the guest off.
    // vmcoreinfo only when a dump may be taken: the guest has no other use for the device.
    << "  <features><acpi/>" << (spec.vmcoreinfo ? "<vmcoreinfo state='on'/>" : "")
    << "</features>\n";
  if (kvm) x << "  <cpu mode='host-passthrough'/>\n";
  x << "  <clock offset='utc'/>\n"
    // Any stop of the guest ends the cell; a reboot would hide a panic.
    << "  <on_poweroff>destroy</on_poweroff>\n"
    << "  <on_reboot>destroy</on_reboot>\n"
    << "  <on_crash>destroy</on_crash>\n"
    << "  <devices>\n"
    // cache=unsafe: the overlay is thrown away after the cell, so host flushes buy nothing.
    << "    <disk type='file' device='disk'>\n"
    << "      <driver name='qemu' type='qcow2' cache='unsafe'/>\n"
    << "      <source file='" << xml_escape(spec.disk.string()) << "'"
    << (keep_disk_labels ? "><seclabel model='dac' relabel='no'/></source>\n" : "/>\n")
    << "      <target dev='vda' bus='virtio'/>\n"
    << "    </disk>\n"
    << "    <serial type='pty'><target port='0'/></serial>\n"
    << "    <console type='pty'><target type='serial' port='0'/></console>\n";
  // fuselab repro --shell: the guest's hvc0, libvirt's "console1" (LibvirtGuest opens it).
  if (spec.shell_console) x << "    <console type='pty'><target type='virtio'/></console>\n";
  x << "    <channel type='unix'>\n"
    << "      <source mode='bind'/>\n"
    << "      <target type='virtio' name='" << protocol::kPortName << "'/>\n"
    << "    </channel>\n"
    << "    <controller type='usb' model='none'/>\n"
    << "    <memballoon model='none'/>\n"
    << "  </devices>\n";
  if (spec.gdb_port) {
    // Loopback only: the gdbstub lets anyone who reaches it read and write guest memory.
    x << "  <qemu:commandline>\n"
      << "    <qemu:arg value='-gdb'/>\n"
      << "    <qemu:arg value='tcp:127.0.0.1:" << spec.gdb_port << "'/>\n"
      << "  </qemu:commandline>\n";
  }
  x << "</domain>\n";
  return x.str();
}

}  // namespace fuselab
