// Guest command lines for element scripts, rendered as text (tested as data). Each script
// runs on its own with environment.d sourced first, as dib-run-parts does; the environment
// is exported by the rendered script itself, never through the channel's own environment.
import { quote } from '../quote.js';
import { CHROOT_PATH, guestPaths } from './paths.js';

export interface ScriptRun {
  /** Whether the phase runs in a chroot of the target (DIB's run_d_in_target). */
  phase: { chroot: boolean };
  /** Path of the script relative to the hooks tree, e.g. install.d/50-foo */
  script: string;
  /** environment.d files relative to the hooks tree, in sourcing order. */
  environment: string[];
  env: Record<string, string>;
  /** DIB_DEBUG_TRACE > 0: bash -x */
  trace?: boolean;
}

export function exportLines(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((k) => {
      // an exported bash function (BASH_FUNC_name%%='() {...}'): defined and exported by name
      const fn = /^BASH_FUNC_(\w+)%%$/.exec(k)?.[1];
      return fn ? `${fn} ${env[k]!}\nexport -f ${fn}\n` : `export ${k}=${quote(env[k]!)}\n`;
    })
    .join('');
}

/** The body that runs inside the (chroot or appliance) shell: source env.d, run the script. */
function body(hooks: string, r: ScriptRun): string {
  return `${sourceEnvironment(r.environment.map((f) => `${hooks}/${f}`))}${r.trace ? 'set -x\n' : ''}exec ${quote(`${hooks}/${r.script}`)}\n`;
}

/**
 * `source` each environment.d file under set -e; one that fails ends the shell before the
 * script runs, so an EXIT trap names it (the script's own name would blame the wrong file).
 */
export function sourceEnvironment(files: readonly string[]): string {
  if (files.length === 0) return '';
  const trap = `trap 'kiln_rc=$?; [ -z "\${kiln_sourcing:-}" ] || echo "kiln: sourcing \${kiln_sourcing} failed (status $kiln_rc): the script did not run" >&2' EXIT\n`;
  const sources = files.map((f) => `kiln_sourcing=${quote(f.slice(f.lastIndexOf('environment.d/')))}; source ${quote(f)}\n`).join('');
  return `${trap}${sources}kiln_sourcing=\ntrap - EXIT\n`;
}

export function renderScriptRun(r: ScriptRun): string {
  const head = `set -e\n${exportLines(r.env)}`;
  if (!r.phase.chroot) {
    // the output directory, as DIB's is the caller's: DIB_MANIFEST_SAVE_DIR=${IMAGE_NAME}.d/ lands there
    return `${head}cd ${guestPaths.imageDir}\n${body(guestPaths.hooksPath, r)}`;
  }
  // set -e inside too: an environment.d that fails in the chroot stops the script, as under dib-run-parts
  const inner = `set -e\n${body(guestPaths.inTarget, r)}`;
  return `${head}exec chroot "$TMP_MOUNT_PATH" /usr/bin/env -u TMPDIR PATH="${CHROOT_PATH}" /bin/bash -c ${quote(inner)}\n`;
}
