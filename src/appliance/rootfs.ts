// The files Debian's maintainer scripts would have written into the appliance root, had
// they run: accounts, /bin/sh, alternatives, the CA bundle, empty mount points.
// Kept to what the appliance actually uses; ownership comes from the squashfs (all root).
import { chmod, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// root's shell is dash: sshd runs every command through it, and bash starts 5x slower emulated
const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;

const group = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
kmem:x:15:
dialout:x:20:
cdrom:x:24:
sudo:x:27:
audio:x:29:
shadow:x:42:
utmp:x:43:
video:x:44:
plugdev:x:46:
staff:x:50:
users:x:100:
nogroup:x:65534:
`;

/** Links update-alternatives and diversions would have made (link -> target). */
const alternatives: Record<string, string> = {
  'usr/bin/sh': 'dash',
  'usr/bin/awk': 'mawk',
  'usr/bin/which': 'which.debianutils',
  'usr/bin/pager': 'less',
};

export async function writeMaintainerFiles(root: string): Promise<void> {
  const etc = join(root, 'etc');
  await mkdir(etc, { recursive: true });
  await writeFile(join(etc, 'passwd'), passwd);
  await writeFile(join(etc, 'group'), group);
  await writeFile(join(etc, 'shadow'), passwd.split('\n').filter(Boolean).map((l) => `${l.split(':')[0]}:*:19000:0:99999:7:::`).join('\n') + '\n', { mode: 0o640 });
  await writeFile(join(etc, 'hostname'), 'kiln\n');
  await writeFile(join(etc, 'hosts'), '127.0.0.1 localhost kiln\n::1 localhost ip6-localhost ip6-loopback\n');
  await rm(join(etc, 'mtab'), { force: true });
  await symlink('../proc/self/mounts', join(etc, 'mtab'));
  for (const [link, target] of Object.entries(alternatives)) {
    const dir = join(root, link, '..');
    if (existsSync(join(dir, target)) && !existsSync(join(root, link))) await symlink(target, join(root, link));
  }
  for (const d of ['proc', 'sys', 'dev', 'run', 'mnt', 'root', 'var/tmp', 'tmp', 'var/log', 'var/lib/dpkg']) {
    await mkdir(join(root, d), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'var/tmp'), 0o1777);
  await chmod(join(root, 'root'), 0o700);
  await writeCaBundle(root);
}

/** update-ca-certificates' output: the enabled certificates of /etc/ca-certificates.conf, concatenated. */
async function writeCaBundle(root: string): Promise<void> {
  const conf = join(root, 'etc/ca-certificates.conf');
  let names: string[];
  if (existsSync(conf)) {
    names = (await readFile(conf, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  } else {
    const base = join(root, 'usr/share/ca-certificates/mozilla');
    if (!existsSync(base)) return;
    names = (await readdir(base)).map((f) => `mozilla/${f}`);
  }
  const pems = await Promise.all(names.sort().map((n) => readFile(join(root, 'usr/share/ca-certificates', n), 'utf8').catch(() => '')));
  await mkdir(join(root, 'etc/ssl/certs'), { recursive: true });
  await writeFile(join(root, 'etc/ssl/certs/ca-certificates.crt'), pems.filter(Boolean).join(''));
}
