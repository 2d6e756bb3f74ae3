// The fenced code blocks of a Markdown file, for the tests that run the
// README's and docs/recipes.md's examples as written.

/**
 * Every fenced block: its language, text, first line number and the file
 * name its first line gives (`// app/page.jsx`, `# wrangler.toml`,
 * `<!-- public/index.html -->`). Throws on a block that is never closed.
 */
export function parseBlocks(markdown, source) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\S*)\s*$/);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${source} line ${start + 1}: a code block is never closed`);
    const code = body.join('\n') + '\n';
    const name = body[0]?.match(/^(?:\/\/|#|<!--)\s*((?:[\w.[\]-]+\/)*\.?[\w-]+(?:\.[\w-]+)+):?(?:\s|$)/)?.[1];
    blocks.push({ lang: open[1], code, name, line: start + 1, index: blocks.length });
  }
  return blocks;
}
