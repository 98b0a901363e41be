// Completion scripts come from the program itself: every command and option is in them, bash
// completes with them (COMP_WORDS driven for real), and zsh reads its script.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../../../src/cli.js';
import { commandTree, renderBash, renderZsh, type CompletionCommand } from '../../../src/commands/completion-scripts.js';
import { ExitStatus } from '../../../src/commands/status.js';

const tree = commandTree(await program(new ExitStatus()));
const bash = renderBash(tree, ['kiln', 'kiln-dib']);
const zsh = renderZsh(tree, ['kiln', 'kiln-dib']);

function all(t: CompletionCommand): CompletionCommand[] {
  return [t, ...t.commands.flatMap(all)];
}

/** What bash completes for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const script = `${bash}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kiln; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: '/' }).split('\n').filter(Boolean);
}

describe('kiln completion', () => {
  it('knows every command and every long option of the program', () => {
    const commands = all(tree);
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['build', 'appliance', 'doctor', 'completion', 'cache', 'element-info']));
    for (const c of commands) {
      for (const o of c.options.flatMap((x) => x.flags)) {
        expect(bash, `${c.name} ${o}`).toContain(o);
        expect(zsh, `${c.name} ${o}`).toContain(o);
      }
    }
    expect(tree.options.filter((o) => o.flags.includes('--version'))).toHaveLength(1);
  });

  it('bash: commands, subcommands, options, and files after an option that takes a path', () => {
    expect(complete('kiln', 'bu')).toEqual(['build']);
    expect(complete('kiln', 'appliance', 'b')).toEqual(['build']);
    expect(complete('kiln', 'build', '--fo')).toEqual(['--formats']);
    expect(complete('kiln', 'build', '--machine')).toEqual(['--machine-readable']);
    expect(complete('kiln', 'cache', '')).toEqual(['path', 'info', 'clear', 'prune', 'export', 'import']);
    // an option's value is not a command: -o build names the image
    expect(complete('kiln', 'build', '-o', 'build', '--chec')).toEqual(['--checksum']);
    expect(complete('kiln', 'build', '--logfile', 'et')).toEqual(['etc']);
    expect(complete('kiln', 'build', '-o', '')).toEqual([]);
  });

  it('bash reads the script without complaint', () => {
    expect(spawnSync('bash', ['-n'], { input: bash }).status).toBe(0);
  });

  const haveZsh = spawnSync('zsh', ['-c', 'true']).status === 0;
  it.skipIf(!haveZsh)('zsh reads the script and registers it for both names', () => {
    expect(spawnSync('zsh', ['-n'], { input: zsh, encoding: 'utf8' }).stderr).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-zsh-'));
    writeFileSync(join(dir, '_kiln'), zsh);
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source ${dir}/_kiln && print -r -- $_comps[kiln] $_comps[kiln-dib]`], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('_kiln _kiln');
  });
});
