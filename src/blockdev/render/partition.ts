// The partitioning step: one sfdisk run fed a script with every sector given explicitly, so
// the result does not depend on the guest's sfdisk defaults, then a wait until the kernel has
// made the partition nodes (devtmpfs does that without udev). Sector numbers count the
// plan's logical sectors: the script refuses a block device whose sectors are another size
// (sfdisk takes the device's own and would write a table for the wrong geometry), and tells
// sfdisk the size when it partitions a plain file.
import { gptReservedSectors, type PlannedPartition } from '../layout.js';
import type { Plan } from '../plan.js';
import { nodeDevice, type DeviceOptions } from './devices.js';
import { scriptHeader, shQuote } from './shell.js';

/** sfdisk's input for the plan's table. Throws when the plan has no table. */
export function sfdiskScript(plan: Plan): string {
  const t = plan.table;
  if (!t) throw new Error('kiln bug: sfdiskScript() on a plan without a partition table');
  const head =
    t.label === 'gpt'
      ? // first-lba: sfdisk's default (2048) would refuse a smaller `align`.
        ['label: gpt', `label-id: ${t.diskId.toUpperCase()}`, 'unit: sectors', `first-lba: ${gptReservedSectors(t.sectorSize)}`, `sector-size: ${t.sectorSize}`]
      : ['label: dos', `label-id: ${t.diskId}`, 'unit: sectors', `sector-size: ${t.sectorSize}`];
  const lines: string[] = [];
  for (const p of t.partitions) {
    // The extended container goes in its own slot, just before the first logical partition.
    if (t.extended && p.role === 'logical' && p === t.partitions.find((q) => q.role === 'logical')) {
      lines.push(`start=${t.extended.startSector}, size=${t.extended.sizeSectors}, type=f`);
    }
    lines.push(entry(p));
  }
  return [...head, '', ...lines, ''].join('\n');
}

function entry(p: PlannedPartition): string {
  const fields = [`start=${p.startSector}`, `size=${p.sizeSectors}`, `type=${p.type}`];
  if (p.role === 'gpt') {
    fields.push(`uuid=${p.uuid!.toUpperCase()}`, `name="${p.name}"`);
    // DIB ignores `boot` on GPT; kiln sets the attribute BIOS bootloaders look for.
    if (p.bootable) fields.push('attrs="LegacyBIOSBootable"');
  } else if (p.bootable) {
    fields.push('bootable');
  }
  return fields.join(', ');
}

export interface PartitionScriptOptions extends DeviceOptions {
  /** Wait for the partition device nodes (default true; false when partitioning a file). */
  waitForPartitions?: boolean;
}

/** Shell that partitions the target disk; a no-op comment when the plan has no table. */
export function renderPartitionScript(plan: Plan, opts: PartitionScriptOptions): string {
  const out = [scriptHeader(`partition ${plan.disk.name}`)];
  out.push(`dev=${shQuote(opts.device)}`);
  if (!plan.table) {
    out.push(': # no partition table: the filesystem takes the whole disk');
    return out.join('\n') + '\n';
  }
  const ss = plan.disk.sectorSize;
  out.push(
    'if [ -b "$dev" ]; then',
    '  ss=$(blockdev --getss "$dev")',
    `  if [ "$ss" != ${ss} ]; then echo "kiln: $dev has $ss-byte sectors but the layout is for ${ss}-byte sectors${ss === 512 ? '' : ` (attach it with losetup --sector-size ${ss})`}" >&2; exit 1; fi`,
    '  set --',
    'else',
    // A plain file has no sector size of its own: sfdisk 2.39+ is told it; older ones cannot do other than 512.
    ss === 512 ? '  set --' : `  set -- --sector-size ${ss}`,
    'fi',
  );
  out.push(`sfdisk --quiet "$@" "$dev" <<'KILN_SFDISK'`, sfdiskScript(plan).trimEnd(), 'KILN_SFDISK');
  if (opts.waitForPartitions ?? true) {
    out.push(
      'kiln_wait_block() {',
      '  i=0',
      '  while [ ! -b "$1" ]; do',
      '    i=$((i + 1))',
      '    # If the kernel missed the re-read, tell it about the partitions once more.',
      '    [ "$i" -ne 20 ] || partx -u "$dev" 2>/dev/null || true',
      '    if [ "$i" -gt 100 ]; then echo "kiln: $1 did not appear after partitioning $dev" >&2; exit 1; fi',
      '    sleep 0.1',
      '  done',
      '}',
    );
    for (const p of plan.table.partitions) out.push(`kiln_wait_block ${shQuote(nodeDevice(plan, p.name, opts))}`);
  }
  return out.join('\n') + '\n';
}
