// LVM in the guest: create (pvcreate, vgcreate, lvcreate, thin pools before their volumes),
// activate, deactivate, and tear down after a failure. The appliance runs no udev and has a
// read-only root, so every script points LVM at a configuration of its own under /run
// (LVM_SYSTEM_DIR): device nodes made by LVM itself, no metadata backups, no thin_check
// (a pool made a second ago needs no repair check).
// The create script undoes what it made if any step fails; the teardown script is the
// failure path for later steps (a mkfs or a mount that failed): it deactivates and removes
// every volume group of the plan and any device-mapper node left under their names, so the
// target disk can be detached and nothing of a half-made LVM outlives the build.
import type { Plan } from '../plan.js';
import type { PlannedLv, PlannedLvm } from '../lvm-plan.js';
import { nodeDevice, type DeviceOptions } from './devices.js';
import { scriptHeader, shCommand, shQuote } from './shell.js';

/** Where the scripts keep LVM's configuration (and would keep its backups): the appliance's /run is a tmpfs. */
export const LVM_SYSTEM_DIR = '/run/kiln/lvm';

/** lvm.conf for the appliance. */
export function applianceLvmConf(): string {
  return [
    'devices {',
    '  obtain_device_list_from_udev = 0',
    '  use_devicesfile = 0',
    '}',
    'activation {',
    '  udev_sync = 0',
    '  udev_rules = 0',
    '}',
    'global {',
    '  thin_check_executable = ""',
    '}',
    'backup {',
    '  backup = 0',
    '  archive = 0',
    '}',
    '',
  ].join('\n');
}

function lvmEnvironment(): string[] {
  return [
    `export LVM_SYSTEM_DIR=${shQuote(LVM_SYSTEM_DIR)}`,
    'mkdir -p "$LVM_SYSTEM_DIR" /run/lock/lvm',
    `cat > "$LVM_SYSTEM_DIR/lvm.conf" <<'KILN_LVM_CONF'`,
    applianceLvmConf().trimEnd(),
    'KILN_LVM_CONF',
  ];
}

function lvmOf(plan: Plan): PlannedLvm {
  if (!plan.lvm) throw new Error('kiln bug: an LVM script for a plan without LVM');
  return plan.lvm;
}

/** The commands that make the plan's LVM, as argv lists, in DIB's order: PVs, groups, volumes. */
export function lvmCreateCommands(plan: Plan, opts: DeviceOptions): string[][] {
  const lvm = lvmOf(plan);
  const pvDevice = new Map(lvm.pvs.map((pv) => [pv.name, nodeDevice(plan, pv.base, opts)]));
  return [
    // --yes: the partition is fresh, any old signature on it goes without a question.
    ...lvm.pvs.map((pv) => ['pvcreate', '--yes', pvDevice.get(pv.name)!, ...pv.options]),
    ...lvm.vgs.map((vg) => ['vgcreate', vg.name, ...vg.pvs.map((pv) => pvDevice.get(pv)!), ...vg.options]),
    ...lvm.lvs.map((lv) => lvcreate(lv)),
  ];
}

function lvcreate(lv: PlannedLv): string[] {
  const argv = ['lvcreate', '--yes', '--name', lv.name];
  if (lv.type !== 'linear') argv.push('--type', lv.type);
  if (lv.thinPool !== undefined) argv.push('--thin-pool', lv.thinPool);
  return [...argv, ...lv.sizeArg, ...lv.options, lv.vg];
}

/** Shell that creates the plan's LVM on the partitions; on failure it removes what it made. */
export function renderLvmCreateScript(plan: Plan, opts: DeviceOptions): string {
  const lvm = lvmOf(plan);
  return [
    scriptHeader(`create LVM (${lvm.vgs.map((v) => v.name).join(', ')}) on ${plan.disk.name}`),
    ...lvmEnvironment(),
    'kiln_lvm_made=0',
    'kiln_lvm_undo() {',
    '  [ "$kiln_lvm_made" = 1 ] && return 0',
    '  echo "kiln: LVM creation failed; removing what was made" >&2',
    '  set +e',
    ...teardownLines(plan, opts).map((l) => `  ${l}`),
    '}',
    "trap 'kiln_rc=$?; kiln_lvm_undo; exit $kiln_rc' EXIT",
    ...lvmCreateCommands(plan, opts).map(shCommand),
    // Device nodes for every volume, also when activation skipped one (LVs that start inactive).
    'vgmknodes',
    ...lvm.lvs.filter((lv) => lv.type !== 'thin-pool').map((lv) => `[ -b ${shQuote(lv.device)} ] || { echo "kiln: ${lv.device} did not appear" >&2; exit 1; }`),
    'kiln_lvm_made=1',
    '',
  ].join('\n');
}

/** Shell that activates the plan's volume groups again (after a deactivate, or on a re-attached disk). */
export function renderLvmActivateScript(plan: Plan): string {
  const lvm = lvmOf(plan);
  return [
    scriptHeader(`activate LVM on ${plan.disk.name}`),
    ...lvmEnvironment(),
    'pvscan >/dev/null',
    shCommand(['vgchange', '--activate', 'y', ...lvm.vgs.map((v) => v.name)]),
    'vgmknodes',
    ...lvm.lvs.filter((lv) => lv.type !== 'thin-pool').map((lv) => `[ -b ${shQuote(lv.device)} ] || { echo "kiln: ${lv.device} did not appear" >&2; exit 1; }`),
    '',
  ].join('\n');
}

/**
 * Shell that deactivates the plan's volumes (after the filesystems are unmounted, before the
 * disk is detached): DIB's umount step. Volumes in reverse creation order (thin volumes
 * before their pool), then the groups. Carries on past a failure and reports it in the
 * status; a group that does not exist (never made) is skipped.
 */
export function renderLvmDeactivateScript(plan: Plan): string {
  const lvm = lvmOf(plan);
  const out = [
    `#!/bin/sh\n# kiln: deactivate LVM on ${plan.disk.name} (rendered from the block-device plan)`,
    '# No set -e: every volume gets its chance; the status says if one failed.',
    'set -u',
    ...lvmEnvironment(),
    'rc=0',
  ];
  for (const vg of lvm.vgs) {
    const lvs = lvm.lvs.filter((l) => l.vg === vg.name).reverse();
    out.push(`if vgs ${shQuote(vg.name)} >/dev/null 2>&1; then`);
    for (const lv of lvs) out.push(`  lvchange --activate n ${shQuote(`${vg.name}/${lv.name}`)} || rc=1`);
    out.push(`  vgchange --activate n ${shQuote(vg.name)} || rc=1`, 'fi');
  }
  out.push('[ "$rc" = 0 ] || echo "kiln: LVM on the target disk could not be deactivated" >&2', 'exit "$rc"');
  return out.join('\n') + '\n';
}

/**
 * Shell for the failure path: whatever the plan's LVM got to, it goes. Safe to run twice,
 * and on a disk where nothing was made yet.
 */
export function renderLvmTeardownScript(plan: Plan, opts: DeviceOptions): string {
  return [
    `#!/bin/sh\n# kiln: remove LVM from ${plan.disk.name} after a failure (rendered from the block-device plan)`,
    'set -u',
    ...lvmEnvironment(),
    ...teardownLines(plan, opts),
    '',
  ].join('\n');
}

/**
 * Deactivate and remove every group, wipe every PV label, then remove any device-mapper node
 * still named after one of the groups (what is left when LVM's own metadata was half
 * written), thin volumes before pools before their hidden data and metadata volumes.
 * Ends with a status: 0 when no such node is left.
 */
function teardownLines(plan: Plan, opts: DeviceOptions): string[] {
  const lvm = lvmOf(plan);
  const out: string[] = [];
  for (const vg of lvm.vgs) {
    out.push(`vgchange --activate n ${shQuote(vg.name)} >/dev/null 2>&1`, `vgremove --force --force --yes ${shQuote(vg.name)} >/dev/null 2>&1`);
  }
  for (const pv of lvm.pvs) out.push(`pvremove --force --force --yes ${shQuote(nodeDevice(plan, pv.base, opts))} >/dev/null 2>&1`);
  // device-mapper names are "<vg>-<lv>" with each "-" inside a name doubled.
  const patterns = lvm.vgs.map((vg) => `${shQuote(vg.name.replace(/-/g, "--"))}-[!-]*`);
  out.push(
    'kiln_dm_left() {',
    "  dmsetup ls 2>/dev/null | awk '{print $1}' | while read -r d; do",
    `    case $d in ${patterns.join('|')}) echo "$d" ;; esac`,
    '  done',
    '}',
    // Each round removes what nothing else holds open: thin volumes, then pools, then their parts.
    'for kiln_round in 1 2 3 4; do',
    '  for d in $(kiln_dm_left); do dmsetup remove "$d" >/dev/null 2>&1; done',
    'done',
    'if [ -n "$(kiln_dm_left)" ]; then',
    '  echo "kiln: device-mapper nodes of the image are still there: $(kiln_dm_left | tr \'\\n\' \' \')" >&2',
    '  false',
    'fi',
  );
  return out;
}
