// What the user's stderr can show: a live display, plain lines, and whether in colour. Read
// from the environment the way other tools do (CI, TERM=dumb, NO_COLOR, FORCE_COLOR), so a
// CI log or a redirected stderr never gets cursor movements.

export type DisplayMode = 'json' | 'live' | 'plain';

/** CI=true (and CI=1, CI=yes: what runners set); CI=false or CI=0 is a person who said no. */
export function underCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI?.trim().toLowerCase();
  return !!v && v !== 'false' && v !== '0';
}

/** --machine-readable wins; a live display needs a terminal that is not dumb and no CI; else plain lines. */
export function displayMode(o: { machineReadable: boolean; isTTY: boolean; env: NodeJS.ProcessEnv }): DisplayMode {
  if (o.machineReadable) return 'json';
  if (!o.isTTY || underCi(o.env) || o.env.TERM === 'dumb') return 'plain';
  // KILN_PROGRESS=plain: today's lines on a terminal too (screen readers, recordings)
  if (o.env.KILN_PROGRESS === 'plain') return 'plain';
  return 'live';
}

/**
 * NO_COLOR (any non-empty value) turns colour off; FORCE_COLOR turns it on, even into a pipe
 * (FORCE_COLOR=0 or false: off); otherwise colour on a terminal that is not dumb.
 */
export function colorWanted(o: { isTTY: boolean; env: NodeJS.ProcessEnv }): boolean {
  if (o.env.NO_COLOR) return false;
  const force = o.env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  return o.isTTY && o.env.TERM !== 'dumb';
}
