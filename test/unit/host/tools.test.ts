import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError, MissingToolError } from '../../../src/errors.js';
import { atomicOutput } from '../../../src/outputs/atomic.js';
import { checksumLine } from '../../../src/outputs/checksum.js';
import { findTool, requireTool, runTool } from '../../../src/host/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host tools', () => {
  it('finds programs on PATH and in sbin', async () => {
    expect(await findTool('sh')).toMatch(/\/sh$/);
    expect(await findTool('kiln-no-such-tool')).toBeUndefined();
  });

  it('a missing tool names its Debian package', async () => {
    const err = await requireTool({ tool: 'kiln-no-such-tool', debianPackage: 'kiln-pkg', purpose: 'test things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).message).toBe('kiln-no-such-tool is not installed; kiln needs it to test things');
    expect((err as MissingToolError).hint).toContain('apt-get install kiln-pkg');
  });

  it('a failing tool becomes a KilnError with what was attempted and its stderr', async () => {
    const sh = (await findTool('sh'))!;
    const err = await runTool(sh, ['-c', 'echo boom >&2; exit 3'], { doing: 'test things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as Error).message).toMatch(/^failed to test things: .*sh exited with status 3\n {2}boom$/);
  });
});

describe('atomic output', () => {
  it('renames a complete file into place and leaves no partial directory', async () => {
    const dest = join(dir, 'ok.img');
    await atomicOutput(dest, (tmp) => writeFile(tmp, 'data'));
    expect(readdirSync(dir)).toEqual(['ok.img']);
  });

  it('on failure leaves neither the destination nor the partial file', async () => {
    const dest = join(dir, 'bad.img');
    const err = await atomicOutput(dest, async (tmp) => {
      await writeFile(tmp, 'half');
      throw new Error('converter died');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('converter died');
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir)).toEqual(['ok.img']);
  });
});

describe('checksum files', () => {
  it('use the md5sum/sha256sum line format with the basename', () => {
    expect(checksumLine('abc', '/out/dir/img.qcow2')).toBe('abc  img.qcow2\n');
  });
});

describe('a tool given its timestamps on the command line', () => {
  it('does not see a SOURCE_DATE_EPOCH the user exported (squashfs-tools refuse both at once)', async () => {
    const { run, WITHOUT_SOURCE_DATE_EPOCH } = await import('../../../src/host/run.js');
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const seen = (env?: Readonly<Partial<Record<string, string>>>) => run('sh', ['-c', 'echo "${SOURCE_DATE_EPOCH-unset}"'], { what: 'probe', env }).then((r) => r.stdout.trim());
      expect(await seen()).toBe('1700000000');
      expect(await seen(WITHOUT_SOURCE_DATE_EPOCH)).toBe('unset');
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});
