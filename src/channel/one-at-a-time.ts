// A lane's other end in the guest is one device (a block device holding one stream, a
// character device read by one tar): transfers on it run one after another, whatever fails.
export class OneAtATime {
  private busy: Promise<unknown> = Promise.resolve();

  run<T>(body: () => Promise<T>): Promise<T> {
    const next = this.busy.then(body, body);
    this.busy = next.catch(() => {});
    return next;
  }
}
