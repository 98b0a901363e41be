// Inputs as the guest hands them over: a small raw disk with an ext4 filesystem (made without
// root: mke2fs -d on a sparse file) and a tree tar with numeric owners, a symlink and an xattr.
import { spawnSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, PATH }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { env: { ...process.env, PATH } }).status === 0;
}

export const DISK_BYTES = 64 * 1024 * 1024;

export function makeRawDisk(dir: string): string {
  const tree = join(dir, 'disk-tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc', 'os-release'), 'NAME=kiln-test\n');
  writeFileSync(join(tree, 'etc', 'data'), Buffer.alloc(3 * 1024 * 1024, 'kiln'));
  const disk = join(dir, 'disk.raw');
  writeFileSync(disk, '');
  truncateSync(disk, DISK_BYTES);
  run('mkfs.ext4', ['-q', '-F', '-d', tree, disk]);
  return disk;
}

// python's tarfile writes exactly the entries we ask for, owners included, without root.
const MAKE_TAR = `
import io, sys, tarfile
T = 1700000000
def add(out, name, kind, uid=0, mode=0o755, data=b'', link='', pax=None):
    ti = tarfile.TarInfo(name); ti.uid = ti.gid = uid; ti.mode = mode; ti.mtime = T
    ti.type = {'dir': tarfile.DIRTYPE, 'file': tarfile.REGTYPE, 'sym': tarfile.SYMTYPE}[kind]
    ti.linkname = link; ti.size = len(data)
    if pax: ti.pax_headers = pax
    out.addfile(ti, io.BytesIO(data) if kind == 'file' else None)
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as out:
    add(out, './', 'dir')
    add(out, './etc', 'dir')
    add(out, './etc/hostname', 'file', mode=0o644, data=b'kiln\\n', pax={'SCHILY.xattr.user.kiln': 'tree'})
    add(out, './home', 'dir')
    add(out, './home/user', 'dir', uid=1000, mode=0o700)
    add(out, './home/user/notes', 'file', uid=1000, mode=0o600, data=b'x' * 100000)
    add(out, './bin', 'sym', mode=0o777, link='usr/bin')
`;

export function makeTreeTar(dir: string): string {
  const path = join(dir, 'tree.tar');
  run('python3', ['-c', MAKE_TAR, path]);
  return path;
}
