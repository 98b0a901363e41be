// SIGINT/SIGTERM/SIGHUP end kiln in order: every registered teardown runs (VMs and host programs are
// killed first, then temp dirs go, then the locks, their holders gone too), then kiln exits as
// the signal would have. `on`,
// not `once`: execa's signal-exit re-raises the signal as soon as it is the only listener
// left, which would kill kiln before the teardown ran. A second signal while tearing down
// is ignored; the VM watchdog still covers a SIGKILL.
type Teardown = () => Promise<unknown> | unknown;

type Stage = 'vm' | 'files' | 'locks' | 'exit';
const stages: Record<Stage, Set<Teardown>> = { vm: new Set(), files: new Set(), locks: new Set(), exit: new Set() };
let hooked = false;
let stoppedBy: { signal: string; code: number } | undefined;

/**
 * The signal kiln is ending on, if any. What fails while it tears down (a guest exec whose
 * VM was just killed, a transfer cut short) is a consequence, not an error to report.
 */
export function interruption(): { signal: string; code: number } | undefined {
  return stoppedBy;
}

/**
 * Run `fn` if kiln is interrupted. `stage` 'vm' runs before 'files' (a temp dir must
 * outlive the QEMU using it), 'locks' after them (a lock guards what the others tear down),
 * 'exit' last: synchronous work in the same tick as the exit, after which none of kiln's own
 * code (a build still unwinding, say) can run. Returns the function that unregisters it.
 */
export function onInterrupt(fn: Teardown, stage: Stage = 'files'): () => void {
  hook();
  return alsoOnInterrupt(fn, stage);
}

/**
 * Like onInterrupt, but without making kiln catch the signals itself: `fn` runs only if
 * something that needs an orderly end (a build, a VM, a scratch dir) already did. Merely
 * running a host program must not change how a process (a test worker, say) dies.
 */
export function alsoOnInterrupt(fn: Teardown, stage: Stage = 'files'): () => void {
  stages[stage].add(fn);
  return () => stages[stage].delete(fn);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  let stopping = false;
  for (const sig of Object.keys(codes)) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      stoppedBy = { signal: sig, code: codes[sig]! };
      // taken now: a build unwinding from its killed VM unregisters its own teardown
      const [vms, files, locks, exits] = [[...stages.vm], [...stages.files], [...stages.locks], [...stages.exit]];
      const run = (fns: Teardown[]) => Promise.allSettled(fns.map(async (f) => f()));
      void run(vms)
        .then(() => run(files))
        .then(() => run(locks))
        .then(() => {
          for (const f of exits) {
            try {
              void f();
            } catch {
              // exiting regardless
            }
          }
          process.exit(codes[sig]);
        });
    });
  }
}
