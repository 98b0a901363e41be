// The host end of a virtio-serial port: QEMU's UNIX socket in the VM's private directory.
import { connect as netConnect, type Socket } from 'node:net';

/** QEMU creates the socket a moment after it starts: retry until it answers or time runs out. */
export async function connectSocket(path: string, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = netConnect(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (signal?.aborted || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
