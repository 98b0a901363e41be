// If kiln dies, even by SIGKILL, its QEMU must die and its temp dir must go. A tiny shell
// process holds the read end of a pipe whose write end only kiln holds: EOF without a
// "done" line means kiln is gone, so it kills QEMU (checked by its command line, against
// PID reuse) and removes the VM's directory.
import { spawn, type ChildProcess } from 'node:child_process';

const script = `
dir=$1
read -r word pid || exit 0
while read -r line; do
  [ "$line" = done ] && exit 0
done
if [ -n "$pid" ] && grep -q "$dir" /proc/$pid/cmdline 2>/dev/null; then
  kill -KILL "$pid" 2>/dev/null
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
fi
rm -rf "$dir"
`;

export class Watchdog {
  private readonly child: ChildProcess;

  constructor(dir: string) {
    // detached: a Ctrl-C to kiln's process group must not kill the watchdog before kiln cleans up
    this.child = spawn('sh', ['-c', script, 'kiln-watchdog', dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.unref();
    this.child.on('error', () => {});
    this.child.stdin?.on('error', () => {});
  }

  watch(qemuPid: number): void {
    this.child.stdin?.write(`qemu ${qemuPid}\n`);
  }

  /** kiln cleaned up itself: the watchdog leaves without touching anything. */
  release(): void {
    this.child.stdin?.end('done\n');
  }
}
