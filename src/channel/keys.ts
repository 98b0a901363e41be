// Fresh SSH keys for each VM: the client's (kiln's) and the guest's host key. The host
// hands both in through fw_cfg and accepts only that host key, so nothing else can answer.
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
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
  const client = ed25519KeyPair('kiln-client');
  const host = ed25519KeyPair('kiln-appliance');
  return { clientPrivate: client.private, clientPublic: client.public + '\n', hostPrivate: host.private, hostPublic: host.public };
}

/**
 * An ed25519 key pair in OpenSSH's own forms (an unencrypted "openssh-key-v1" private key
 * and a public key line), from node:crypto. Not ssh2's generateKeyPairSync: it strips
 * leading zero bytes off the 32-byte public key, so about one key in 256 came out
 * malformed and the VM it was made for could not be reached (mscdex/ssh2#1390).
 */
export function ed25519KeyPair(comment: string): { private: string; public: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // the raw keys end the DER forms (SPKI: 12 bytes of header; PKCS#8: 16). Not JWK export:
  // Node 20's deadlocks now and then when a garbage collection runs inside it
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  if (spki.length !== 44 || pkcs8.length !== 48) throw new Error(`unexpected ed25519 DER sizes ${spki.length}/${pkcs8.length}`);
  const pub = spki.subarray(12);
  const seed = pkcs8.subarray(16);
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // the check word twice lets a reader tell a wrong passphrase; here it is just random
  const check = randomBytes(4);
  const secret = Buffer.concat([check, check, blob, sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'), // cipher
    sshString('none'), // kdf
    sshString(''), // kdf options
    uint32(1), // number of keys
    sshString(blob),
    sshString(Buffer.concat([secret, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return {
    private: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    public: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** SSH wire "string": a 32-bit length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const b = Buffer.from(data);
  return Buffer.concat([uint32(b.length), b]);
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
