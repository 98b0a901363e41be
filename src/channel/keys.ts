// Fresh SSH keys for each VM: the client's (kiln's) and the guest's host key. The host
// hands both in through fw_cfg and accepts only that host key, so nothing else can answer.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface VmKeys {
  clientPrivate: string;
  /** authorized_keys line for the guest */
  clientPublic: string;
  hostPrivate: string;
  hostPublic: string;
}

export function generateVmKeys(): VmKeys {
  const client = utils.generateKeyPairSync('ed25519', { comment: 'kiln-client' });
  const host = utils.generateKeyPairSync('ed25519', { comment: 'kiln-appliance' });
  return { clientPrivate: client.private, clientPublic: client.public + '\n', hostPrivate: host.private, hostPublic: host.public };
}

/** The wire form (SSH public key blob) of an OpenSSH public key line. */
export function publicKeyBlob(openSshPublic: string): Buffer {
  const parsed = utils.parseKey(openSshPublic);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error('no key in public key text');
  return key.getPublicSSH();
}

/** Host key pinning: the key the server presented must be exactly the one we generated. */
export function hostKeyMatches(expected: Buffer, presented: Buffer): boolean {
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
