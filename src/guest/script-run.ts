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
  const sources = r.environment.map((f) => `source ${quote(`${hooks}/${f}`)}`).join('\n');
  return `${sources}${sources ? '\n' : ''}${r.trace ? 'set -x\n' : ''}exec ${quote(`${hooks}/${r.script}`)}\n`;
}

export function renderScriptRun(r: ScriptRun): string {
  const head = `set -e\n${exportLines(r.env)}`;
  if (!r.phase.chroot) {
    // the output directory, as DIB's is the caller's: DIB_MANIFEST_SAVE_DIR=${IMAGE_NAME}.d/ lands there
    return `${head}cd ${guestPaths.imageDir}\n${body(guestPaths.hooksPath, r)}`;
  }
  const inner = body(guestPaths.inTarget, r);
  return `${head}exec chroot "$TMP_MOUNT_PATH" /usr/bin/env -u TMPDIR PATH="${CHROOT_PATH}" /bin/bash -c ${quote(inner)}\n`;
}
