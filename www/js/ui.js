// Shared page behaviour: announcements, error cards with retry, busy buttons,
// field errors, and the confirm and details dialogs.

import { copyable } from './copy.js';
import { announce, el } from './dom.js';

// The building blocks live in dom.js, which copy.js uses too: re-exported
// here so the pages' modules take everything from one place.
export { announce, el };

const $ = (id) => document.getElementById(id);

/**
 * A refresh of a list from the page's current client. Overlapping calls for
 * the same client share one request; a call whose client Settings replaced
 * meanwhile neither shows its list nor reports its failure (the old
 * connection's answer must not overwrite the new one's status).
 * `load(client)` fetches the list, `show(list)` renders it.
 */
export function refresher(app, load, show) {
  let inFlight = null;
  const refresh = () => {
    const client = app.client();
    if (inFlight?.client === client) return inFlight.promise;
    // Set before the call starts, so that a call that ends at once clears it.
    const entry = { client, promise: null };
    inFlight = entry;
    entry.promise = (async () => {
      try {
        const list = await load(client);
        if (app.client() === client) show(list);
      } catch (e) {
        if (app.client() === client) app.disconnected(e, refresh);
      } finally {
        if (inFlight === entry) inFlight = null;
      }
    })();
    return entry.promise;
  };
  return refresh;
}

export function badge(status) {
  const s = String(status ?? 'unknown').toLowerCase();
  return el('span', { class: `badge ${s.replace(/[^a-z-]/g, '')}` }, s);
}

/**
 * Shows an error as a readable card: its class, its text and the request id.
 * Network failures (and server errors) offer a retry of the failed action.
 */
export function showError(error, retry) {
  const box = $('errors');
  const kind = error?.name ?? 'Error';
  const card = el(
    'div',
    { class: 'error-card' },
    el('p', {}, el('span', { class: 'kind' }, `${kind}: `), error?.message ?? String(error)),
    error?.requestId ? el('p', { class: 'request-id' }, 'request id ', copyable(error.requestId, 'request id')) : null,
  );
  const actions = el('div', { class: 'actions' });
  if (retry && ['NetworkError', 'ServerError', 'TimeoutError', 'RateLimitError'].includes(kind)) {
    actions.append(el('button', { type: 'button', class: 'small', onclick: () => { card.remove(); retry(); } }, 'Retry'));
  }
  actions.append(el('button', { type: 'button', class: 'small secondary', onclick: () => card.remove() }, 'Dismiss'));
  card.append(actions);
  box.replaceChildren(card);
}

export function clearErrors() {
  $('errors').replaceChildren();
}

/** Runs `action` with `button` marked busy; the button is always released. */
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Puts `message` beside the input whose error element is `${prefix}${field}-error`. */
export function fieldError(form, id, message) {
  const target = document.getElementById(`${id}-error`);
  if (!target) return false;
  target.textContent = message;
  const input = form.querySelector(`[aria-describedby~="${id}-error"]`);
  input?.setAttribute('aria-invalid', 'true');
  input?.focus();
  return true;
}

export function clearFieldErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

/** A modal question; resolves with true/false, or the typed text when `input` is given. */
export function confirmDialog({ title, text, ok = 'Confirm', input }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = ok;
  $('confirm-input-field').hidden = !input;
  if (input) {
    $('confirm-input-label').textContent = input.label;
    $('confirm-input').value = input.value ?? '';
  }
  dialog.returnValue = '';
  dialog.showModal();
  if (input) $('confirm-input').select();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const confirmed = dialog.returnValue === 'ok';
        resolve(input ? (confirmed ? $('confirm-input').value : null) : confirmed);
      },
      { once: true },
    );
  });
}

const NAMES = { vm_id: 'VM id', snapshot_id: 'snapshot id', oci_image: 'OCI image' };

/** Every field of a record, nested values as JSON; `noun` ("snapshot", "VM") names its id. */
export function showDetails(title, record, noun = 'record') {
  $('details-title').textContent = title;
  const body = $('details-body');
  body.replaceChildren();
  for (const [key, value] of Object.entries(record)) {
    const shown = value !== null && typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value ?? '—');
    // Ids and the image get a copy button; the dialog has room for their whole text.
    const copy = typeof value === 'string' && value && (key === 'id' || key.endsWith('_id') || key === 'oci_image');
    body.append(el('dt', {}, key), el('dd', {}, copy ? copyable(value, key === 'id' ? `${noun} id` : NAMES[key] ?? key.replace(/_/g, ' '), { wrap: true }) : shown));
  }
  $('details').showModal();
}

export function initDialogs() {
  $('details-close').addEventListener('click', () => $('details').close());
}
