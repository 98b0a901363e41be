// Exit statuses, decided in one place (cli.ts) for every command: 0 done, 1 failed, 2 bad
// usage, 70 a bug. Commands that need no VM are run here in-process; `kiln boot` of a blank
// disk and `kiln shell -- CMD` are in test/integration/appliance/exit-status.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';

let dir = '';
let stderr = '';
const savedCache = process.env.KILN_CACHE_DIR;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
  writeFileSync(join(dir, 'blank.raw'), Buffer.alloc(1024 * 1024));
  process.env.KILN_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedCache === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = savedCache;
});
afterEach(() => vi.restoreAllMocks());

async function kiln(...args: string[]): Promise<number> {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += c.toString()), true));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return await main(['node', 'kiln', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
}

describe('exit statuses', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['--version', ['--version'], 0, /^$/],
    ['cache path', ['cache', 'path'], 0, /^$/],
    ['element-info of debian-minimal vm block-device-mbr', ['element-info', 'debian-minimal', 'vm', 'block-device-mbr'], 0, /^$/],
    ['element-info of vm alone (like DIB: no block-device default)', ['element-info', 'vm'], 1, /add one of the elements that provide block-device/],
    ['an unknown command', ['frobnicate'], 2, /unknown command/],
    ['an unknown option', ['build', '--frobnicate', '-o', 'x', 'vm'], 2, /unknown option/],
    ['build without elements', ['build', '-o', 'x'], 2, /no elements given/],
    ['build --dry-run without --file', ['build', '--dry-run'], 2, /--dry-run and --stop-on-failure go with --file/],
    ['build --file with elements too', ['build', '--file', join(dir, 'images.yaml'), 'vm'], 2, /--file takes the images' elements and options from the file/],
    ['build --file of a missing file', ['build', '--file', join(dir, 'none.yaml')], 2, /none.yaml: cannot read it \(ENOENT\)/],
    ['diskimage-builder with a key DIB lacks', ['diskimage-builder', 'test/fixtures/image-files/typo.yaml'], 2, /typo.yaml: image 1: "element" is not one of DIB's image keys/],
    ['build without -o', ['build', 'vm'], 2, /-o\/--name is required/],
    ['build with an unknown format', ['build', '-o', join(dir, 'x'), '-t', 'iso', 'vm'], 2, /unknown image type "iso"/],
    ['build with a bad --break', ['build', '-o', join(dir, 'x'), '--break', 'before-lunch', 'vm'], 2, /--break before-lunch: not a break point/],
    ['build with --logfile in a missing dir', ['build', '-o', join(dir, 'x'), '--logfile', join(dir, 'no/such/log'), 'vm'], 2, /--logfile .*: cannot write it \(ENOENT\)/],
    ['element-info of a missing element', ['element-info', 'no-such-element'], 1, /no-such-element/],
    ['boot of a missing image', ['boot', join(dir, 'none.qcow2')], 2, /no such image/],
    ['boot with a marker that is no pattern', ['boot', '--marker', '([', join(dir, 'blank.raw')], 2, /--marker \(\[: not a regular expression/],
    ['boot with a bad --memsize', ['boot', '--memsize', 'abc', join(dir, 'blank.raw')], 2, /--memsize abc/],
    ['get-kernel of a missing image', ['get-kernel', join(dir, 'none.qcow2')], 2, /no such image/],
    ['shell with a bad --accel', ['shell', '--accel', 'hvf', '--', 'true'], 2, /--accel hvf: must be auto, kvm or tcg/],
    ['appliance info with nothing built', ['appliance', 'info'], 1, /no amd64 appliance has been built/],
    ['appliance build for an architecture kiln cannot build', ['appliance', 'build', '--arch', 's390x'], 2, /--arch s390x: kiln cannot build an appliance for that architecture/],
    ['boot of an architecture kiln cannot boot', ['boot', '--arch', 'mips', join(dir, 'blank.raw')], 2, /--arch mips: kiln cannot boot that architecture/],
    ['dib without elements', ['dib', '-o', 'x'], 2, /no elements given/],
    ['dib --version (kiln\'s)', ['dib', '--version'], 0, /^$/],
    ['dib with a bad --mkfs-journal-size', ['dib', '-o', join(dir, 'x'), '--mkfs-journal-size', '64M', 'vm'], 2, /--mkfs-journal-size 64M: give a whole number above zero/],
    ['completion for bash', ['completion', 'bash'], 0, /^$/],
    ['completion for a shell kiln has none for', ['completion', 'fish'], 2, /kiln has completion for bash and zsh/],
  ];
  for (const [what, args, code, message] of cases) {
    it(`${what}: ${code}`, async () => {
      expect(await kiln(...args), stderr).toBe(code);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/^\s+at /m);
    });
  }
});
