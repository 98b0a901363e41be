// DIB's YAML image file: kiln's reading (keys, merge, argument order) against DIB's own
// build_commands of every oracle that has it (diskimage_builder.py, DIB >= 3.30), and the
// runner's --dry-run / --stop-on-failure / try-every-image behaviour with a fake builder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageBuildError, runImageFile, type ImageRunner } from '../../../src/commands/diskimage-builder.js';
import { commandOf, ImageFileError, imageCommandsFromFiles, mergeEntries, renderCommand, type ImageCommand } from '../../../src/commands/image-file.js';
import type { Logger } from '../../../src/log.js';
import { dibOracles, oraclePythonRun } from '../../support/dib-oracles.js';

/** The commands of YAML texts, as if each were a file. */
const commands = (...texts: string[]) => imageCommandsFromFiles(texts.map((_, i) => `f${i}.yaml`), (f) => texts[Number(/\d+/.exec(f)![0])]!);

const FILES: Record<string, string[]> = {
  'one image, every kind of key': [
    `- imagename: full
  arch: amd64
  types: [qcow2, raw]
  environment: {DIB_RELEASE: bookworm, DIB_DEBUG_TRACE: "1"}
  debug-trace: 2
  uncompressed: true
  clear: false
  logfile: /tmp/full.log
  checksum: yes
  image-size: 4
  image-extra-size: 1
  image-cache: /tmp/cache
  max-online-resize: 274877906944
  min-tmpfs: 2
  mkfs-journal-size: 32
  mkfs-options: "-i 16384"
  no-tmpfs: true
  offline: true
  qemu-img-options: {compat: "0.10", cluster_size: "65536"}
  root-label: root
  install-type: package
  docker-target: "x:1"
  packages: [vim, curl]
  skip-base: true
  elements: [debian-minimal, vm]
`,
  ],
  'merging by imagename, and entries without one': [
    `- imagename: a
  elements: [debian-minimal]
  environment: {DIB_A: "1"}
  types: [qcow2]
- elements: [vm]
  environment: {DIB_B: "2"}
  checksum: true
- imagename: b
  ramdisk: true
  elements: [debian-minimal, ironic-python-agent-ramdisk]
- imagename: a
  types: [raw]
  environment: {DIB_A: "3"}
  checksum: false
`,
  ],
  'several files; the first entry has no imagename': [`- elements: [centos, vm]\n  qemu-img-options: {}\n  packages: []\n  debug-trace: 0\n`, `- imagename: image\n  root-label: ""\n  logfile: x\n`],
};

const BAD: Record<string, [string, RegExp]> = {
  'a key DIB lacks': ['- imagename: a\n  element: [vm]\n', /f0.yaml: image 1: "element" is not one of DIB's image keys/],
  'a number where DIB wants a string': ['- imagename: 12\n', /imagename: must be a string/],
  'a type DIB does not make': ['- types: [iso]\n', /types: each must be one of qcow2, tar/],
  'an environment value that is not a string': ['- environment: {DIB_RELEASE: 12}\n', /environment: every value must be a string/],
  'an image size of 0': ['- image-size: 0\n', /image-size: must be a whole number of at least 1/],
  '-x three times': ['- debug-trace: 3\n', /debug-trace: must be a whole number from 0 to 2/],
  'a map, not a list': ['imagename: a\n', /a YAML list of images/],
  'an entry that is no map': ['- vm\n', /image 1: is not a map/],
};

describe("DIB's YAML image file", () => {
  it('renders DIB\'s arguments in DIB\'s key order, -x as often as debug-trace says', () => {
    const [c] = commands(FILES['one image, every kind of key']![0]!);
    expect(c).toEqual({
      imagename: 'full',
      tool: 'disk-image-create',
      environment: { DIB_RELEASE: 'bookworm', DIB_DEBUG_TRACE: '1' },
      args: [
        ...['-o', 'full', '-a', 'amd64', '-t', 'qcow2,raw', '-x', '-x', '-u', '--logfile', '/tmp/full.log', '--checksum', '--image-size', '4', '--image-extra-size', '1', '--image-cache', '/tmp/cache'],
        ...['--max-online-resize', '274877906944', '--min-tmpfs', '2', '--mkfs-journal-size', '32', '--mkfs-options', '-i 16384', '--no-tmpfs', '--offline', '--qemu-img-options', 'compat=0.10,cluster_size=65536'],
        ...['--root-label', 'root', '--install-type', 'package', '--docker-target', 'x:1', '-p', 'vim,curl', '-n', 'debian-minimal', 'vm'],
      ],
    });
    expect(renderCommand(c!)).toBe(`DIB_RELEASE=bookworm DIB_DEBUG_TRACE=1 disk-image-create ${c!.args.slice(0, -2).map((a) => (a === '-i 16384' ? "'-i 16384'" : a)).join(' ')} debian-minimal vm`);
  });

  it('merges entries of one imagename as DIB: lists appended, maps updated, the rest replaced', () => {
    const cs = commands(FILES['merging by imagename, and entries without one']![0]!);
    expect(cs.map((c) => [c.imagename, c.tool])).toEqual([
      ['a', 'disk-image-create'],
      ['b', 'ramdisk-image-create'],
    ]);
    expect(cs[0]).toMatchObject({ environment: { DIB_A: '3', DIB_B: '2' }, args: ['-o', 'a', '-t', 'qcow2,raw', 'debian-minimal', 'vm'] });
    // merging never writes into the entries it was given
    const first = { imagename: 'x', elements: ['a'] };
    mergeEntries([first, { imagename: 'x', elements: ['b'] }]);
    expect(first.elements).toEqual(['a']);
  });

  it('names the first image "image" and gives empty values no argument', () => {
    const cs = commands(...FILES['several files; the first entry has no imagename']!);
    expect(cs).toHaveLength(1);
    expect(cs[0]).toMatchObject({ imagename: 'image', args: ['-o', 'image', '--logfile', 'x', 'centos', 'vm'] });
    expect(commandOf({ elements: ['x'] })).toMatchObject({ imagename: 'image', args: ['x'] });
  });

  for (const [what, [text, message]] of Object.entries(BAD)) {
    it(`refuses ${what}, naming file, image and key`, () => {
      expect(() => commands(text)).toThrow(ImageFileError);
      expect(() => commands(text)).toThrow(message);
    });
  }

  // DIB as the oracle: its build_commands on the same files gives the same arguments and
  // environment, and refuses the same files.
  const withYamlFile = dibOracles().oracles.filter((o) => existsSync(join(o.root, 'diskimage_builder.py')));
  const jsonschema = oraclePythonRun({ pythonPath: '' } as never, 'import jsonschema').status === 0;
  describe.skipIf(withYamlFile.length === 0 || !jsonschema)(`against DIB's build_commands${withYamlFile.length ? '' : ' (no DIB with diskimage_builder.py)'}${jsonschema ? '' : ' (no python3-jsonschema)'}`, () => {
    const ORACLE = `
import json, os, sys, yaml
from diskimage_builder import diskimage_builder as d
out = []
for files in json.load(sys.stdin):
    defs = []
    for text in files:
        defs.extend(yaml.safe_load(text))
    try:
        out.append({"ok": [{"tool": os.path.basename(c.script), "args": c.args, "env": c.environ} for c in d.build_commands(defs)]})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`;
    for (const o of withYamlFile) {
      it(`DIB ${o.version}: the same commands, the same refusals`, () => {
        const cases = [...Object.values(FILES), ...Object.values(BAD).filter(([t]) => t.startsWith('-')).map(([t]) => [t])];
        const r = oraclePythonRun(o, ORACLE, JSON.stringify(cases));
        expect(r.status, r.stderr).toBe(0);
        const theirs = JSON.parse(r.stdout) as ({ ok: { tool: string; args: string[]; env: Record<string, string> }[] } | { error: string })[];
        cases.forEach((files, i) => {
          const t = theirs[i]!;
          if ('error' in t) {
            expect(() => commands(...files), `${files.join('\n')}: DIB refuses it (${t.error})`).toThrow(ImageFileError);
            return;
          }
          const ours = commands(...files).map((c: ImageCommand) => ({ tool: c.tool, args: c.args, env: c.environment }));
          expect(ours, files.join('\n')).toEqual(t.ok);
        });
      });
    }
  });
});

describe('kiln diskimage-builder / kiln build --file', () => {
  const quiet: Logger = { emit: () => {}, info: () => {}, warn: () => {}, debug: () => {} };
  const file = join(import.meta.dirname, '../../fixtures/image-files/three.yaml');
  const run = async (o: { dryRun?: boolean; stopOnFailure?: boolean }, fail: string[]) => {
    const built: string[] = [];
    let out = '';
    const runner: ImageRunner = async (c) => (built.push(c.imagename), fail.includes(c.imagename) ? 1 : 0);
    const error = await runImageFile([file], o, runner, quiet, (s) => (out += s)).catch((e: unknown) => e);
    return { built, out, error };
  };

  it('--dry-run prints every command and builds nothing', async () => {
    const r = await run({ dryRun: true }, []);
    expect(r.built).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.out.trim().split('\n')).toEqual([
      'disk-image-create -o one -n tiny-os hello-config',
      'KILN_GREETING=bye disk-image-create -o two -n tiny-os failing-script',
      'disk-image-create -o three -n tiny-os',
    ]);
  });

  it('tries every image and names each that failed', async () => {
    const r = await run({}, ['two']);
    expect(r.built).toEqual(['one', 'two', 'three']);
    expect(r.error).toBeInstanceOf(ImageBuildError);
    expect((r.error as Error).message).toBe('1 of 3 images failed: two (exit status 1)');
    expect(r.out).toContain('FAILED two (exit status 1)');
  });

  it('--stop-on-failure stops at the first failing image with a named error', async () => {
    const r = await run({ stopOnFailure: true }, ['two']);
    expect(r.built).toEqual(['one', 'two']);
    expect(r.error).toBeInstanceOf(ImageBuildError);
    expect((r.error as Error).message).toBe('image two failed (exit status 1); --stop-on-failure: not building three');
  });

  it('succeeds when every image is built', async () => {
    const r = await run({ stopOnFailure: true }, []);
    expect(r.error).toBeUndefined();
    expect(r.built).toEqual(['one', 'two', 'three']);
  });
});
