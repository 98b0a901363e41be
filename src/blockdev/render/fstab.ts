// /etc/fstab of the image. DIB always writes LABEL= (every DIB filesystem has a label);
// kiln can also write UUID=, which survives two disks with the same labels in one machine.
import type { Plan } from '../plan.js';
import { scriptHeader, shQuote } from './shell.js';

export type FstabBy = 'label' | 'uuid';

export function renderFstab(plan: Plan, by: FstabBy = 'label'): string {
  return plan.fstab
    .map((e) => `${by === 'label' ? `LABEL=${e.label}` : `UUID=${e.uuid}`} ${e.mountPoint} ${e.type} ${e.options} ${e.dumpFreq} ${e.fsckPassno}\n`)
    .join('');
}

/** Shell that (over)writes $mnt/etc/fstab with the plan's entries. */
export function renderWriteFstabScript(plan: Plan, opts: { mountPath: string; by?: FstabBy }): string {
  return [
    scriptHeader('write /etc/fstab'),
    `mnt=${shQuote(opts.mountPath)}`,
    'mkdir -p "$mnt/etc"',
    `cat > "$mnt/etc/fstab" <<'KILN_FSTAB'`,
    renderFstab(plan, opts.by).trimEnd(),
    'KILN_FSTAB',
    '',
  ].join('\n');
}
