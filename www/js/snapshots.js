// The Snapshots tab: the table, the build form (with env rows), live build
// progress, details and delete.
import { el, badge, busy, showError, clearErrors, fieldError, clearFieldErrors, confirmDialog, showDetails, announce, refresher } from './ui.js';
import { humanSize, relativeTime, dateTime } from './format.js';
import { BuildProgress } from './progress.js';
import { copyable } from './copy.js';

const $ = (id) => document.getElementById(id);

export function initSnapshots(app) {
  const form = $('create-snapshot');
  const envRows = $('env-rows');
  let envCount = 0;

  function addEnvRow(name = '', value = '') {
    envCount += 1;
    const n = envCount;
    const nameInput = el('input', { id: `env-name-${n}`, autocomplete: 'off', value: name, placeholder: 'APP_ENV', 'aria-describedby': 'envs-error' });
    const valueInput = el('input', { id: `env-value-${n}`, autocomplete: 'off', value, placeholder: 'prod' });
    const row = el(
      'li',
      { class: 'env-row' },
      el('div', { class: 'field' }, el('label', { for: nameInput.id }, 'Variable name'), nameInput),
      el('div', { class: 'field' }, el('label', { for: valueInput.id }, 'Value'), valueInput),
      el('button', { type: 'button', class: 'small secondary', 'aria-label': `Remove variable ${n}`, onclick: () => { row.remove(); $('add-env').focus(); } }, 'Remove'),
    );
    envRows.append(row);
    nameInput.focus();
  }
  $('add-env').addEventListener('click', () => addEnvRow());

  /** The form as `snapshots.create` params: empty inputs are left out, numbers stay as typed. */
  function params() {
    const v = (id) => $(id).value.trim();
    const num = (id) => (v(id) === '' ? undefined : Number(v(id)));
    const p = { oci_image: v('oci_image'), type: v('type') };
    if (v('name')) p.name = v('name');
    if (num('vcpu_count') !== undefined) p.vcpu_count = num('vcpu_count');
    if (num('memory_mb') !== undefined) p.memory_mb = num('memory_mb');
    const args = {};
    for (const id of ['extra_apt_packages', 'extra_pip_packages', 'extra_npm_packages', 'git_clone_url', 'git_clone_branch', 'post_build_cmd']) {
      if (v(id)) args[id] = v(id);
    }
    if (num('disk_size_gb') !== undefined) args.disk_size_gb = num('disk_size_gb');
    const envs = {};
    for (const row of envRows.children) {
      const [name, value] = row.querySelectorAll('input');
      if (name.value.trim()) envs[name.value.trim()] = value.value;
    }
    if (Object.keys(envs).length) args.envs = envs;
    if (Object.keys(args).length) p.build_args = args;
    return p;
  }

  /** `build_args.extra_pip_packages[0]` -> the id of the element showing its error. */
  function errorTarget(field) {
    const base = field.replace(/^build_args\./, '').replace(/\[\d+\]$/, '').split('.')[0];
    return base === 'envs' ? 'envs' : base;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    clearErrors();
    /** A ValidationError shown beside its field; false for anything else. */
    const besideField = (e) => {
      if (!(e instanceof app.sdk.ValidationError && e.field && fieldError(form, errorTarget(e.field), e.message))) return false;
      announce(`Not sent: ${e.message}`);
      return true;
    };
    if ($('reuse-identical').checked) {
      await busy($('create-snapshot-button'), () => ensure(params(), besideField));
      return;
    }
    await busy($('create-snapshot-button'), async () => {
      let created;
      try {
        created = await app.client().snapshots.create(params());
      } catch (e) {
        if (besideField(e)) return;
        showError(e, () => form.requestSubmit());
        return;
      }
      announce(`Build of ${created.name ?? created.id} started`);
      follow(created);
      refresh();
    });
  });

  /**
   * `snapshots.ensure`: the ready snapshot of exactly this spec, reused when
   * one exists, built (and followed in a card) otherwise. The card's outcome
   * says which; the name carries the spec's fingerprint.
   */
  async function ensure(p, besideField) {
    const { name, ...spec } = p;
    const progress = new BuildProgress(`Ensure ${name ?? 'image'}`);
    try {
      const s = await app.client().snapshots.ensure(spec, {
        name,
        signal: progress.signal,
        onStatus: (record) => {
          progress.status(record);
          refresh();
        },
      });
      progress.ready(s);
      progress.note(s.reused ? `Reused ${s.name}: an identical snapshot was already there, nothing was built.` : `Built ${s.name}: no identical snapshot existed.`);
      announce(s.reused ? `Reused ${s.name}` : `Built ${s.name}`);
    } catch (e) {
      if (e instanceof app.sdk.SnapshotBuildFailedError) progress.failed(e.lastError ?? e.message);
      else if (progress.signal.aborted) progress.cancelled();
      else {
        progress.node.remove();
        if (!besideField(e)) showError(e, () => form.requestSubmit());
      }
    }
    refresh();
  }

  /** Follows a build to its end in a progress card. */
  async function follow(snapshot) {
    const progress = new BuildProgress(`Build ${snapshot.name ?? snapshot.id}`);
    let last = snapshot;
    try {
      for await (const s of app.client().snapshots.watch(snapshot.id, { signal: progress.signal })) {
        last = s;
        progress.status(s);
        refresh();
      }
      if (String(last.status).toLowerCase() === 'ready') progress.ready(last);
      else progress.failed(last.last_error ?? last.error ?? last.message);
    } catch (e) {
      if (progress.signal.aborted) progress.cancelled();
      else progress.stopped(e);
    }
    refresh();
  }

  function row(s) {
    const actions = el(
      'td',
      { class: 'row-actions' },
      el('button', { type: 'button', class: 'small secondary', 'aria-label': `Details of ${s.name ?? s.id}`, onclick: () => showDetails(`Snapshot ${s.name ?? s.id}`, s, 'snapshot') }, 'Details'),
      el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${s.name ?? s.id}`, onclick: (e) => remove(s, e.currentTarget) }, 'Delete'),
    );
    return el(
      'tr',
      { dataset: { id: s.id } },
      el('td', { 'data-label': 'Name' }, s.name ?? '—'),
      el('td', { class: 'id', 'data-label': 'ID' }, copyable(s.id, 'snapshot id')),
      el('td', { 'data-label': 'Status' }, badge(s.status)),
      el('td', { 'data-label': 'Type' }, s.type ?? ''),
      el('td', { class: 'image', 'data-label': 'OCI image' }, s.oci_image ? copyable(s.oci_image, 'OCI image') : ''),
      el('td', { 'data-label': 'Size' }, humanSize(s.size_bytes)),
      el('td', { 'data-label': 'Created' }, el('time', { datetime: s.created_at ?? '', title: dateTime(s.created_at) }, relativeTime(s.created_at))),
      actions,
    );
  }

  async function remove(s, button) {
    const ok = await confirmDialog({ title: 'Delete snapshot?', text: `${s.name ?? s.id} (${s.id}) will be deleted. VMs cannot boot from it afterwards.`, ok: 'Delete' });
    if (!ok) return;
    await busy(button, async () => {
      try {
        await app.client().snapshots.delete(s.id);
        announce(`Deleted ${s.name ?? s.id}`);
      } catch (e) {
        showError(e, () => remove(s, button));
      }
    });
    refresh();
  }

  /** Reloads the table; overlapping calls to the same client share one request. */
  const refresh = refresher(
    app,
    (client) => {
      const filter = $('snapshot-filter').value;
      return client.snapshots.list(filter ? { type: filter } : undefined);
    },
    (list) => {
      $('snapshot-table').tBodies[0].replaceChildren(...list.map(row));
      $('snapshot-empty').hidden = list.length > 0;
      app.connected();
      app.readySnapshots(list.filter((s) => String(s.status).toLowerCase() === 'ready'));
    },
  );

  $('refresh-snapshots').addEventListener('click', (e) => busy(e.currentTarget, refresh));
  $('snapshot-filter').addEventListener('change', refresh);
  return { refresh, follow };
}
