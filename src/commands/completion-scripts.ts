// Shell completion scripts, rendered from the commander program itself (so they never drift
// from the options kiln has): the program as a plain tree, then a bash and a zsh script.
import type { Command } from 'commander';

export interface CompletionOption {
  flags: string[];
  description: string;
  /** It takes a value (the next word). */
  value?: string;
  repeatable: boolean;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  args: { name: string; variadic: boolean }[];
  commands: CompletionCommand[];
}

/** The program as data: commands, their options (help and version too) and arguments. */
export function commandTree(cmd: Command, root = true): CompletionCommand {
  const options: CompletionOption[] = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => !!f),
      description: o.description,
      ...(o.required || o.optional ? { value: /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags)?.slice(1).find(Boolean) ?? 'VALUE' } : {}),
      repeatable: (o.required || o.optional) && o.parseArg !== undefined,
    }));
  // commander keeps its help option apart from the others (the version option is one of them)
  const has = (flag: string) => options.some((o) => o.flags.includes(flag));
  if (!has('--help')) options.push({ flags: ['-h', '--help'], description: 'show help', repeatable: false });
  if (root && !has('--version')) options.push({ flags: ['-V', '--version'], description: 'show the version', repeatable: false });
  return {
    name: cmd.name(),
    description: cmd.description(),
    options,
    args: cmd.registeredArguments.map((a) => ({ name: a.name(), variadic: a.variadic })),
    commands: cmd.commands.map((c) => commandTree(c, false)),
  };
}

/** Arguments and option values that name files (images, dirs, log files) complete as paths. */
const isPath = (what: string) => /file|dir|image|path|drive|lib/i.test(what);

/** Every command of the tree with its path of names ('' for the program). */
function walk(t: CompletionCommand, path: string[] = []): { path: string[]; cmd: CompletionCommand }[] {
  return [{ path, cmd: t }, ...t.commands.flatMap((c) => walk(c, [...path, c.name]))];
}

export function renderBash(t: CompletionCommand, bins: readonly string[]): string {
  const cases = walk(t).map(({ path, cmd }) => {
    const flags = cmd.options.flatMap((o) => o.flags);
    const values = cmd.options.filter((o) => o.value).flatMap((o) => o.flags);
    const paths = cmd.options.filter((o) => o.value && isPath(o.value)).flatMap((o) => o.flags);
    return `    '${path.join(' ')}') subs='${cmd.commands.map((c) => c.name).join(' ')}'; opts='${flags.join(' ')}'; vals=' ${values.join(' ')} '; paths=' ${paths.join(' ')} ' ;;`;
  });
  return `# bash completion for ${bins.join(', ')} (kiln completion bash): generated from kiln's command tree.
# Load it in ~/.bashrc:  source <(kiln completion bash)
_kiln_table() {
  case "$1" in
${cases.join('\n')}
    *) subs=''; opts=''; vals=' '; paths=' ' ;;
  esac
}
_kiln() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd='' subs opts vals paths i w skip=0
  _kiln_table ''
  # the command path so far: words that name a subcommand of the one before (option values skipped)
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ "$vals" == *" $w "* ]]; then skip=1; continue; fi
    [[ $w == -* ]] && continue
    if [[ " $subs " == *" $w "* ]]; then
      cmd="\${cmd:+$cmd }$w"
      _kiln_table "$cmd"
    fi
  done
  if [[ "$vals" == *" $prev "* ]]; then
    [[ "$paths" == *" $prev "* ]] && COMPREPLY=($(compgen -f -- "$cur")) || COMPREPLY=()
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _kiln ${bins.join(' ')}
`;
}

/** Text inside a zsh single-quoted _arguments spec: quotes, brackets and colons escaped. */
const zq = (s: string) => s.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, `'\\''`);

function zshOption(o: CompletionOption): string {
  const exclusive = o.flags.length > 1 ? `(${o.flags.join(' ')})` : '';
  const names = o.flags.length > 1 ? `{${o.flags.join(',')}}` : o.flags[0]!;
  const value = o.value ? `:${zq(o.value)}:${isPath(o.value) ? '_files' : ' '}` : '';
  const lead = o.repeatable ? '*' : exclusive;
  return `    ${lead ? `'${lead}'` : ''}${names}'[${zq(o.description)}]${value}'`;
}

export function renderZsh(t: CompletionCommand, bins: readonly string[]): string {
  const fn = (path: string[]) => ['_kiln', ...path].join('_').replace(/-/g, '_');
  const bodies = walk(t).map(({ path, cmd }) => {
    const specs = cmd.options.map(zshOption);
    if (cmd.commands.length) {
      const subs = cmd.commands.map((c) => `'${zq(c.name)}:${c.description.replace(/'/g, `'\\''`)}'`).join(' ');
      const branches = cmd.commands.map((c) => `      ${c.name}) ${fn([...path, c.name])} ;;`).join('\n');
      return `${fn(path)}() {
  local curcontext=$curcontext state line
  local -a subs
  subs=(${subs})
  _arguments -C \\
${specs.join(' \\\n')} \\
    '1: :->command' \\
    '*:: :->argument' && return
  case $state in
    command) _describe -t commands '${path.length ? `kiln ${path.join(' ')} command` : 'kiln command'}' subs ;;
    argument)
      case $line[1] in
${branches}
      esac ;;
  esac
}`;
    }
    const args = cmd.args.map((a) => `    '${a.variadic ? '*' : ''}:${zq(a.name)}:${isPath(a.name) ? '_files' : ' '}'`);
    return `${fn(path)}() {
  _arguments -s \\
${[...specs, ...args].join(' \\\n')}
}`;
  });
  return `#compdef ${bins.join(' ')}
# zsh completion for ${bins.join(', ')} (kiln completion zsh): generated from kiln's command tree.
# Save it as _kiln in a directory of $fpath, or load it in ~/.zshrc:  source <(kiln completion zsh)
${bodies.join('\n\n')}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _kiln "$@"
else
  compdef _kiln ${bins.join(' ')}
fi
`;
}
