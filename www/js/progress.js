// A live view of one build: each status with the time it was reached and the
// time since the start, a Cancel button that aborts the wait, and the outcome
// (the failure's last_error shown prominently).
import { el, announce } from './ui.js';
import { shortTime, elapsed } from './format.js';
import { copyable } from './copy.js';

export class BuildProgress {
  constructor(title) {
    this.started = Date.now();
    this.title = title;
    this.controller = new AbortController();
    this.list = el('ol', { 'aria-label': 'Statuses reached' });
    this.cancel = el(
      'button',
      { type: 'button', class: 'small danger', onclick: () => this.controller.abort(new DOMException('Cancelled from the page', 'AbortError')) },
      'Cancel',
    );
    this.node = el('article', { class: 'build', 'aria-label': title }, el('header', {}, el('h3', {}, title), this.cancel), this.list);
    document.getElementById('builds').prepend(this.node);
  }

  get signal() {
    return this.controller.signal;
  }

  status(record) {
    const now = Date.now();
    const status = String(record.status).toLowerCase();
    this.list.append(el('li', { dataset: { status } }, el('strong', {}, status), ` at ${shortTime(now)} (+${elapsed(now - this.started)})`));
    announce(`${this.title}: ${status}`);
  }

  #finish(kind, ...content) {
    this.cancel.remove();
    this.node.classList.add(kind);
    this.node.append(el('p', { class: 'outcome' }, ...content));
    this.node.querySelector('header').append(el('button', { type: 'button', class: 'small secondary', onclick: () => this.node.remove() }, 'Dismiss'));
  }

  ready(record) {
    const took = `Ready after ${elapsed(Date.now() - this.started)}`;
    if (record?.id) this.#finish('done', `${took}: `, copyable(record.id, 'snapshot id'));
    else this.#finish('done', `${took}.`);
    announce(`${this.title} is ready`);
  }

  /** A line under the outcome (ensure: reused or built). */
  note(text) {
    this.node.append(el('p', { class: 'outcome-note' }, text));
  }

  failed(lastError) {
    this.#finish('failed', 'The build failed.');
    this.node.append(el('p', { class: 'last-error', role: 'alert' }, lastError || 'No reason was given.'));
    announce(`${this.title} failed: ${lastError}`);
  }

  cancelled() {
    this.#finish('cancelled', 'Cancelled: the page stopped following this build (the build itself goes on).');
    announce(`${this.title}: cancelled`);
  }

  stopped(error) {
    this.#finish('failed', `Stopped following it: ${error?.name ?? 'Error'}: ${error?.message ?? error}`);
  }
}
