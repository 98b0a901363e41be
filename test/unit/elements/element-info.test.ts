// `kiln element-info` through commander, as a user types it.
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/commands/element-info.js';
import { ExitStatus } from '../../../src/commands/status.js';
import { UsageError } from '../../../src/errors.js';
import { fixture } from './fixtures.js';

const R = fixture('resolve');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('kiln').exitOverride();
  register(program, new ExitStatus());
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    await program.parseAsync(['node', 'kiln', 'element-info', ...args]);
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
  return { stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('kiln element-info', () => {
  it('lists every element on the path with its path, sorted', async () => {
    const { stdout } = await run(['--no-builtin-elements', '-p', fixture('override', 'first'), '-p', fixture('override', 'second')]);
    expect(stdout).toBe(
      `only-second\t${fixture('override', 'second', 'only-second')}\nshared\t${fixture('override', 'first', 'shared')}\n`,
    );
  });

  it('expands dependencies, space separated like DIB, with -p or ELEMENTS_PATH', async () => {
    expect((await run(['--no-builtin-elements', '-p', R, '--expand-dependencies', 'app', 'block-one'])).stdout).toBe('app block-one os-a pkgs\n');
    expect((await run(['--no-builtin-elements', '-d', 'app', 'block-one'], { ELEMENTS_PATH: R })).stdout).toBe('app block-one os-a pkgs\n');
    expect((await run(['--no-builtin-elements', 'cycle-a'], { ELEMENTS_PATH: R })).stdout).toBe('cycle-a cycle-b os-a pkgs\n');
  });

  it('prints JSON with paths and why each element is there', async () => {
    const out = JSON.parse((await run(['--no-builtin-elements', '-p', R, '-d', '--json', 'cycle-a'])).stdout) as { elements: unknown[]; provided: unknown };
    expect(out.elements).toContainEqual({ name: 'pkgs', path: `${R}/pkgs`, requiredBy: 'os-a' });
    expect(out.provided).toEqual({ 'operating-system': 'os-a' });
  });

  it("prints DIB's --env text", async () => {
    const { stdout } = await run(['--no-builtin-elements', '-p', R, '--env', 'os-a']);
    expect(stdout).toBe(
      `export IMAGE_ELEMENT='os-a pkgs'\nexport IMAGE_ELEMENT_YAML='os-a: ${R}/os-a\npkgs: ${R}/pkgs\n'\n` +
        `function get_image_element_array {\n  echo "[os-a]=${R}/os-a [pkgs]=${R}/pkgs "\n};\nexport -f get_image_element_array;\n`,
    );
  });

  it('prints the scripts in run order, tab separated', async () => {
    const { stdout } = await run(['--no-builtin-elements', '-p', fixture('scripts'), '--scripts', 's-two']);
    const lines = stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3).join(' '));
    expect(lines.slice(0, 4)).toEqual(['environment.d 10-b.bash s-one', 'environment.d 100-c s-one', 'environment.d 50-two s-two', 'environment.d 9-a s-one']);
    expect(lines).toContain('install.d 10-second s-two');
  });

  it('warns on stderr when an element in the set hides another', async () => {
    const { stdout, stderr } = await run(['--no-builtin-elements', '-p', fixture('override', 'first'), '-p', fixture('override', 'second'), 'shared']);
    expect(stdout).toBe('shared\n');
    expect(stderr).toBe(
      `kiln: warning: element shared: using ${fixture('override', 'first', 'shared')}, which hides ${fixture('override', 'second', 'shared')}\n`,
    );
  });

  it('rejects two modes at once, and a mode without elements', async () => {
    await expect(run(['-p', R, '--env', '--scripts', 'os-a'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['-p', R, '--env'])).rejects.toBeInstanceOf(UsageError);
  });

  it('fails with the resolution error', async () => {
    await expect(run(['--no-builtin-elements', '-p', R, 'needs-missing'])).rejects.toThrow("element 'no-such-element' not found");
  });
});
