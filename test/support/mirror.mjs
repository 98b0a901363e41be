// Whether deb.debian.org's `stable` alias can be used here: this machine's mirror serves the
// alias paths a month old, past their Valid-Until, and apt refuses them whoever builds. Used
// by the upstream e2e and bench/upstream.mjs, which then name the release (trixie) instead.

/** @returns {Promise<boolean>} false only when stable-security's Valid-Until has passed */
export async function stableAliasUsable() {
  try {
    const text = await (await fetch('http://deb.debian.org/debian-security/dists/stable-security/InRelease', { signal: AbortSignal.timeout(30_000) })).text();
    const until = /^Valid-Until: (.+)$/m.exec(text)?.[1];
    return until === undefined || Date.parse(until) > Date.now();
  } catch {
    return true; // the build says what is wrong, better than a guess here
  }
}
