// The subcommands kiln has. Each module registers one command on the program.
import type { Register } from './status.js';

export const commands: Promise<{ register: Register }>[] = [
  // One line per command; each module owns its options and help text.
  import('./element-info.js'),
  import('./appliance.js'),
  import('./shell.js'),
  import('./build.js'),
  import('./boot.js'),
  import('./dib.js'),
  import('./diskimage-builder.js'),
  import('./cache.js'),
  import('./get-kernel.js'),
  import('./doctor.js'),
  import('./completion.js'),
];
