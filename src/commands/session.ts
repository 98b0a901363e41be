// Boot the current appliance for a command and always tear it down afterwards.
import { buildAppliance } from '../appliance/builder.js';
import type { Logger } from '../log.js';
import { checkTmpdir } from '../host/tmpdir.js';
import { requireKvm, type AccelOption } from '../vm/accel.js';
import { ApplianceVm, type ApplianceVmOptions } from '../vm/appliance-vm.js';
import type { Arch } from '../arch.js';
import { defaultQemu, qemuVersion } from '../vm/qemu-binary.js';

export interface SessionOptions extends Omit<ApplianceVmOptions, 'appliance' | 'logger'> {
  logger: Logger;
  accel?: AccelOption;
  /** The appliance's architecture (default amd64). */
  arch?: Arch;
}

export async function withAppliance<T>(opts: SessionOptions, body: (vm: ApplianceVm) => Promise<T>): Promise<T> {
  // QEMU, KVM and TMPDIR first: without them, building the appliance would be time spent for nothing
  await requireKvm(opts.accel ?? 'auto');
  await checkTmpdir();
  await qemuVersion(opts.qemu ?? defaultQemu(opts.arch), opts.qemu !== undefined);
  const { appliance } = await buildAppliance({ logger: opts.logger, arch: opts.arch });
  const vm = await ApplianceVm.boot({ ...opts, appliance });
  try {
    return await body(vm);
  } finally {
    await vm.shutdown();
  }
}
