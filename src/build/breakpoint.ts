// --break / break=: DIB's break points, as a root shell in the appliance (in the target's chroot
// for chroot phases) when there is a terminal to open it on.
import { guestPaths } from '../guest/paths.js';
import { terminalSize, withRawTerminal } from '../host/tty.js';
import type { ApplianceVm } from '../vm/appliance-vm.js';
import type { BuildContext } from './context.js';

export async function breakpoint(ctx: BuildContext, vm: ApplianceVm, point: string, chroot: boolean): Promise<void> {
  if (!ctx.o.breaks.has(point)) return;
  if (!process.stdin.isTTY) {
    ctx.log.warn(`break=${point}: no terminal to open a shell on; continuing`);
    return;
  }
  ctx.log.info(`break=${point}: shell in the appliance${chroot ? ' (chroot of the target)' : ''}; exit to continue`);
  const cmd = chroot ? `chroot ${guestPaths.mountPath} /bin/bash -l` : `cd ${guestPaths.buildDir} && exec bash -l`;
  // the live display steps aside while the shell has the terminal
  ctx.log.emit({ type: 'breakpoint', point, state: 'open' });
  try {
    await withRawTerminal(() => vm.channel!.interactive(cmd, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, terminalSize()));
  } finally {
    ctx.log.emit({ type: 'breakpoint', point, state: 'closed' });
  }
}
