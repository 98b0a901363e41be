// A newc ("070701") cpio writer: the initramfs format the kernel unpacks. Written here rather
// than by running cpio because it lets a non-root user put device nodes and root-owned files
// in the archive, and makes the output deterministic (fixed mtimes, inode numbers, order).

export type CpioEntry =
  | { path: string; type: 'dir'; mode: number }
  | { path: string; type: 'file'; mode: number; data: Buffer }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'char'; mode: number; major: number; minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(fields: { ino: number; mode: number; nlink: number; size: number; rmajor: number; rminor: number; name: string }): Buffer {
  const nameBytes = Buffer.byteLength(fields.name) + 1;
  const text =
    '070701' +
    [fields.ino, fields.mode, 0, 0, fields.nlink, 0, fields.size, 0, 0, fields.rmajor, fields.rminor, nameBytes, 0].map(hex8).join('');
  const head = Buffer.concat([Buffer.from(text, 'ascii'), Buffer.from(fields.name + '\0')]);
  return Buffer.concat([head, Buffer.alloc(pad4(head.length))]);
}

/** All entries owned by root, mtime 0, in the given order (parents must come before children). */
export function renderCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    let mode: number;
    let data: Buffer = Buffer.alloc(0);
    let rmajor = 0;
    let rminor = 0;
    switch (e.type) {
      case 'dir':
        mode = S_IFDIR | e.mode;
        break;
      case 'file':
        mode = S_IFREG | e.mode;
        data = e.data;
        break;
      case 'symlink':
        mode = S_IFLNK | 0o777;
        data = Buffer.from(e.target);
        break;
      case 'char':
        mode = S_IFCHR | e.mode;
        rmajor = e.major;
        rminor = e.minor;
        break;
    }
    parts.push(header({ ino: ino++, mode, nlink: e.type === 'dir' ? 2 : 1, size: data.length, rmajor, rminor, name }));
    parts.push(data, Buffer.alloc(pad4(data.length)));
  }
  parts.push(header({ ino: 0, mode: 0, nlink: 1, size: 0, rmajor: 0, rminor: 0, name: 'TRAILER!!!' }));
  const body = Buffer.concat(parts);
  // the kernel reads initramfs in 512-byte blocks; pad like cpio does
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
