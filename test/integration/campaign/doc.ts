// docs/reliability.md, written from the campaign's own results (campaign.test.ts with
// KILN_WRITE_RELIABILITY_DOC=1): the table is the case list as it ran, the totals are counted.
export interface CaseResult {
  id: string;
  area: string;
  what: string;
  status: number | null;
  /** The first line of the message (or, for a warning case, the line naming the culprit). */
  line: string;
  named: boolean;
  trace: boolean;
  hang: boolean;
  leak: boolean;
  vm: boolean;
  seconds: number;
  problems: string[];
  stderr: string;
}

// eslint-disable-next-line no-control-regex
const cell = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\|/g, '\\|').replace(/`/g, "'");

export function renderReliabilityDoc(results: readonly CaseResult[], skipped: readonly string[], seconds: number): string {
  const n = results.length;
  const named = results.filter((r) => r.named).length;
  const traces = results.filter((r) => r.trace).length;
  const hangs = results.filter((r) => r.hang).length;
  const leaks = results.filter((r) => r.leak).length;
  const failing = results.filter((r) => r.problems.length > 0);
  const vm = results.filter((r) => r.vm).length;
  const rows = results.map((r) => `| ${r.area} | ${cell(r.what)} | ${r.status ?? 'killed'} | \`${cell(r.line)}\` |`);
  return `# Reliability: nothing lost, nothing hidden

kiln is meant to fail the way a build tool a CI trusts fails: with one message that names
what was wrong (the option, the file, the element) and what to do, a true exit status, and
nothing else changed — no stack trace, no hang, no QEMU or \`qemu-img\` left running, no temp
dir, no half-written output, not one of the user's files touched, the cache as it was.

Exit statuses (decided in one place, \`src/cli.ts\`): **0** ok, **1** the build or command
failed, **2** bad usage (an option, an argument, a path kiln was given), **70** a bug in kiln,
**130/143/129** interrupted by SIGINT/SIGTERM/SIGHUP.

## The bad-input campaign

\`test/integration/campaign/\` runs each case below as the built CLI (\`node dist/bin.js\`), as
an unprivileged user where permissions matter, in directories of its own (elements, output,
\`TMPDIR\`, \`HOME\`) and with a cache of its own holding only the appliance. For every case it
asserts the exit status, a message naming the culprit, no stack trace, no hang, no process
left whose command line names the case's directories, the case's directories exactly as the
setup left them (so no temp dir, no \`.kiln-build-*\`, no output, the user's files byte for
byte) and the cache unchanged. ${vm} cases start QEMU; the rest are refused before any VM.
In the table, CASE stands for the case's own directory and KILN for kiln's checkout.

This file is written by the campaign itself:
\`KILN_WRITE_RELIABILITY_DOC=1 npx vitest run test/integration/campaign\` (after \`npm run build\`).

**${n} cases, ${named} named errors, ${traces} stack traces, ${hangs} hangs, ${leaks} leaks**${failing.length ? ` (${failing.length} cases did not pass: ${failing.map((r) => r.id).join(', ')})` : ''}; the run took ${seconds.toFixed(0)} s.${skipped.length ? ` Skipped on this host: ${skipped.join(', ')}.` : ''}

| area | case | exit | first line of the message |
|---|---|---|---|
${rows.join('\n')}

## The kill campaign

\`test/e2e/kill.test.ts\` SIGKILLs kiln at five points of a build of the tiny fixture OS with
the \`slow-bulk\` element (appliance boot, root.d, install.d, making the file systems, and the
outputs step with its \`qemu-img convert\` of ~150 MB of random bytes caught half way), each
point found from the \`--machine-readable\` events on stderr. After each kill, within 5 s: no
QEMU and no \`qemu-img\` process (both die with kiln: \`setpriv --pdeathsig\`), no temp dir (the
VM's watchdog removes it), no \`.kiln-build-*\` work dir (the flock holder of its lock removes
it when kiln dies holding it) and no output; the helper drive passes \`qemu-img check\` and
\`e2fsck -n -f\` of its ext4. A SIGINT and a SIGTERM during install.d end the build within 5 s
with 130 and 143, no error message and nothing left, and the next build succeeds. The whole
file takes about two minutes.
`;
}
