// Debian package index (Packages) files: parse the records kiln needs, write a small one.
import { createHash } from 'node:crypto';

export type ControlRecord = Record<string, string>;

/** Parse deb822 paragraphs (Packages, control files). Continuation lines are kept joined. */
export function parseControl(text: string): ControlRecord[] {
  const out: ControlRecord[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const rec: ControlRecord = {};
    let last = '';
    for (const line of para.split('\n')) {
      if (!line) continue;
      if (/^\s/.test(line) && last) rec[last] += '\n' + line;
      else {
        const i = line.indexOf(':');
        if (i < 0) continue;
        last = line.slice(0, i);
        rec[last] = line.slice(i + 1).trim();
      }
    }
    if (rec.Package) out.push(rec);
  }
  return out;
}

/** Names of the Priority: required packages: debootstrap's minbase set (with apt). */
export function requiredPackages(records: ControlRecord[]): string[] {
  return [...new Set(records.filter((r) => r.Priority === 'required').map((r) => r.Package!))].sort();
}

/** A Packages record for a local repository: the control fields plus where and what the file is. */
export function renderPackagesEntry(control: string, file: { filename: string; size: number; sha256: string; md5: string }): string {
  const body = control.trim().replace(/\n+$/, '');
  return `${body}\nFilename: ${file.filename}\nSize: ${file.size}\nMD5sum: ${file.md5}\nSHA256: ${file.sha256}\n\n`;
}

/** An unsigned Release file listing the one Packages index (the debs were verified by apt on the host). */
export function renderRelease(o: { suite: string; codename: string; component: string; arch: string; packages: Buffer; date: Date }): string {
  const sha256 = createHash('sha256').update(o.packages).digest('hex');
  const md5 = createHash('md5').update(o.packages).digest('hex');
  const path = `${o.component}/binary-${o.arch}/Packages`;
  return [
    `Origin: kiln`,
    `Label: kiln local repository`,
    `Suite: ${o.suite}`,
    `Codename: ${o.codename}`,
    `Date: ${o.date.toUTCString()}`,
    `Architectures: ${o.arch}`,
    `Components: ${o.component}`,
    `MD5Sum:`,
    ` ${md5} ${o.packages.length} ${path}`,
    `SHA256:`,
    ` ${sha256} ${o.packages.length} ${path}`,
    '',
  ].join('\n');
}
