// Ids and image names: one line cut with an ellipsis, the whole value on
// hover (title) and in the DOM (so screen readers and find-in-page get all of
// it; the cut is CSS only), and a copy button beside it.
import { el, announce } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
let count = 0;

function icon(paths) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of paths) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
const copyIcon = () => icon(['M5.5 5.5h7v8h-7z', 'M3.5 10.5v-8h7']);
const doneIcon = () => icon(['M3 8.5l3 3 7-7']);

/**
 * The clipboard API exists only in secure contexts: a page served over plain
 * http from a LAN address has none, so the old selection copy stands in.
 */
async function writeClipboard(text) {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, document not focused): try the fallback.
    }
  }
  const area = el('textarea', { readonly: true, class: 'visually-hidden', 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/**
 * `value` on one line with a copy button. `what` names it for the button
 * ("snapshot id" gives "Copy snapshot id"); `wrap: true` keeps the whole
 * value visible, wrapped, where there is room to read it (the details dialog).
 */
export function copyable(value, what, { wrap = false } = {}) {
  const text = String(value);
  count += 1;
  const shown = el('span', { class: 'value', id: `copy-value-${count}`, title: wrap ? null : text }, text);
  const button = el('button', {
    type: 'button',
    class: 'copy',
    'aria-label': `Copy ${what}`,
    // The name stays short in a list of rows; the value itself is the description.
    'aria-describedby': shown.id,
    title: `Copy ${what}`,
  });
  button.append(copyIcon());
  let timer = 0;
  button.addEventListener('click', async () => {
    if (await writeClipboard(text)) {
      button.dataset.copied = '';
      button.replaceChildren(doneIcon());
      announce(`Copied ${what} ${text}`);
      clearTimeout(timer);
      timer = setTimeout(() => {
        delete button.dataset.copied;
        button.replaceChildren(copyIcon());
      }, 1500);
    } else {
      // Leave the value selected so that the keyboard shortcut can copy it.
      getSelection()?.selectAllChildren(shown);
      announce(`Could not copy the ${what}: it is selected, press Ctrl+C or Command+C`);
    }
  });
  return el('span', { class: wrap ? 'copyable wrap' : 'copyable' }, shown, button);
}
