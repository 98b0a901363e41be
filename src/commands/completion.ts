// `kiln completion bash|zsh`: the completion script for the shell, rendered from this very
// program's commands and options (completion-scripts.ts).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { commandTree, renderBash, renderZsh } from './completion-scripts.js';
import { statusAction, type ExitStatus } from './status.js';

/** The names kiln is installed under (package.json bin). */
export const BIN_NAMES = ['kiln', 'kiln-dib'] as const;

export function register(program: Command, status: ExitStatus): void {
  program
    .command('completion')
    .description('print the completion script for bash or zsh (e.g. source <(kiln completion bash))')
    .argument('<shell>', 'bash or zsh')
    .action(
      statusAction(status, (shell: string) => {
        const tree = commandTree(program);
        if (shell === 'bash') process.stdout.write(renderBash(tree, BIN_NAMES));
        else if (shell === 'zsh') process.stdout.write(renderZsh(tree, BIN_NAMES));
        else throw new UsageError(`completion ${shell}: kiln has completion for bash and zsh`, { hint: 'kiln completion bash, or kiln completion zsh' });
      }),
    );
}
