// The page's DOM building blocks: elements from a tag and props, and the
// announcements a screen reader reads. Their own module, so that copy.js and
// ui.js both use them without importing each other.

const $ = (id) => document.getElementById(id);

/** Tells screen-reader users what changed (the aria-live region). */
export function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  // A fresh text node each time, so the same message is announced again.
  requestAnimationFrame(() => (region.textContent = text));
}

/** An element with its attributes (`class`, `dataset`, `on<event>` listeners) and children; null ones are skipped. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

