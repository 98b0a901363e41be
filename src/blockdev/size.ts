// DIB's size grammar ("550MiB", "8M", "1.5G", "100%", "4096"): decimal units are powers of
// 1000, binary units powers of 1024, a bare number is bytes, and a percentage is of the
// space the partitioner still has free. Results are truncated to whole bytes, as DIB does.

const UNITS: Record<string, number> = {
  TiB: 1024 ** 4, GiB: 1024 ** 3, MiB: 1024 ** 2, KiB: 1024,
  TB: 1000 ** 4, GB: 1000 ** 3, MB: 1000 ** 2, KB: 1000,
  T: 1000 ** 4, G: 1000 ** 3, M: 1000 ** 2, K: 1000,
  B: 1, '': 1,
};

const ABS = /^(\d*(?:\.\d*)?) ?([A-Za-z]*)$/;

export type SizeSpec = { kind: 'absolute'; bytes: number } | { kind: 'percent'; percent: number };

/** Parse a size; throws a plain Error with the reason (callers add node and field). */
export function parseSize(spec: string | number): SizeSpec {
  const text = String(spec).trim();
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      throw new Error(`"${text}" is not a percentage between 0 and 100`);
    }
    return { kind: 'percent', percent };
  }
  return { kind: 'absolute', bytes: parseAbsoluteSize(text) };
}

export function parseAbsoluteSize(spec: string | number): number {
  const text = String(spec).trim();
  const m = ABS.exec(text);
  const factor = m ? UNITS[m[2] ?? ''] : undefined;
  if (!m || factor === undefined || text === '' || m[1] === '.') {
    throw new Error(`"${text}" is not a size (examples: 4096, 512MiB, 8G, 100%)`);
  }
  // DIB reads a missing number as 1 ("MiB" is one MiB).
  const count = m[1] === '' ? 1 : Number(m[1]);
  return Math.trunc(count * factor);
}

/** Bytes a spec stands for when `free` bytes are left. */
export function resolveSize(spec: SizeSpec, free: number): number {
  return spec.kind === 'absolute' ? spec.bytes : Math.trunc((free * spec.percent) / 100);
}
