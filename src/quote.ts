// POSIX shell quoting for words kiln puts into guest command lines.
export function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A bash double-quoted word ("..."): for text that must stay inside double quotes (declare -x, echo in a function body). */
export function doubleQuote(s: string): string {
  return `"${s.replace(/["$`\\]/g, '\\$&')}"`;
}
