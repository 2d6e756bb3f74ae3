// "Did you mean ...?" for the package's JavaScript parts (the proxy's
// options and operations, the emulator bin's flags). The client's own typo
// suggestions are the wasm's (src/core/keys.rs).

/** Edit distance between two strings. */
function distance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The closest of `names` to `word`, when it is close enough to be a typo
 * (within a third of its length, at least two edits). Case is ignored, and a
 * name that `word` begins (`--latency` for `--latency-ms`) counts as close.
 */
export function nearest(word, names) {
  const w = word.toLowerCase();
  let best;
  let bestDistance = Infinity;
  for (const name of names) {
    const n = name.toLowerCase();
    const d = n.startsWith(w) && w.length >= 3 ? 1 : distance(w, n);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
