// The guest step table's phase order is DIB's: read from DIB's own disk-image-create (and the
// functions it calls for root.d and cleanup.d), not restated here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUEST_STEP_NAMES, GUEST_STEPS } from '../../../src/build/guest.js';
import { BUILD_STEPS } from '../../../src/build/index.js';
import { phaseTable } from '../../../src/elements/phases.js';
import { dibOracles } from '../../support/dib-oracles.js';

/** The phases DIB runs, in order, from its lib/ sources. */
function dibPhaseOrder(lib: string): string[] {
  const main = readFileSync(join(lib, 'disk-image-create'), 'utf8');
  const order: string[] = [];
  for (const line of main.split('\n')) {
    const t = line.trim();
    if (/^create_base\b/.test(t)) order.push('root'); // common-functions: run_d root
    else if (/^finalise_base\b/.test(t)) order.push('cleanup'); // img-functions: run_d cleanup
    else {
      const m = /^(?:run_d|run_d_in_target|eval_run_d) ([a-z-]+)/.exec(t);
      if (m) order.push(m[1]!);
    }
  }
  return order;
}

describe('the guest step table', () => {
  const kiln = GUEST_STEPS.filter((s) => s.kind === 'phase').map((s) => s.phase);

  it('walks every guest phase once', () => {
    expect([...kiln].sort()).toEqual(Object.keys(phaseTable).filter((p) => phaseTable[p as keyof typeof phaseTable].where === 'guest').sort());
  });

  for (const oracle of dibOracles().oracles) {
    it(`runs the phases in DIB ${oracle.version}'s order (extra-data.d on the host, before the guest phases after root.d)`, () => {
      const dib = dibPhaseOrder(oracle.libDir);
      expect(dib.slice(0, 2)).toEqual(['root', 'extra-data']);
      expect(kiln).toEqual(dib.filter((p) => p !== 'extra-data'));
    });
  }

  it('makes the filesystems between block-device.d and pre-finalise.d, and exports after cleanup.d', () => {
    const names = GUEST_STEPS.map((s) => (s.kind === 'phase' ? `${s.phase}.d` : s.name));
    const at = (n: string) => names.indexOf(n);
    expect(at('block-device.d')).toBeLessThan(at('make filesystems'));
    expect(at('make filesystems')).toBeLessThan(at('pre-finalise.d'));
    expect(at('cleanup.d')).toBeLessThan(at('export'));
    expect(at('root.d')).toBeLessThan(at('merge extra-data'));
    expect(at('merge extra-data')).toBeLessThan(at('pre-install.d'));
  });

  it('is, with the host steps around it, the build step list that "step N of M" counts', () => {
    const index = readFileSync(join(import.meta.dirname, '../../../src/build/index.ts'), 'utf8');
    const host = [...index.matchAll(/clock\.timed\('([^']+)'/g)].map((m) => m[1]!);
    // the guest's steps run between booting the appliance and what follows its shutdown
    const boot = host.indexOf('boot appliance') + 1;
    expect(BUILD_STEPS).toEqual([...host.slice(0, boot), ...GUEST_STEP_NAMES, ...host.slice(boot)]);
    expect(BUILD_STEPS).toHaveLength(host.length + GUEST_STEPS.length);
  });
});
