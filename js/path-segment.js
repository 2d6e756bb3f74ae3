// One URL path segment, decoded, for code that turns a segment into a name
// (the proxy's ids, the static servers' file names): whatever a caller
// encodes, a segment names one thing and never a path.

/**
 * The segment decoded, or undefined when it cannot name one thing: malformed
 * escapes, or a decoded `.`, `..`, slash, backslash, NUL or other control
 * character.
 */
export function decodedSegment(raw) {
  let segment;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (segment === '.' || segment === '..' || /[/\\\u0000-\u001f\u007f]/.test(segment)) return undefined;
  return segment;
}
