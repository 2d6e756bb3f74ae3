// The VMs tab: running (or all) VMs, starting one (optionally from a ready
// snapshot), and per-VM actions: snapshot (with progress), clone, suspend,
// resume, delete.
import { el, badge, busy, showError, clearErrors, fieldError, clearFieldErrors, confirmDialog, showDetails, announce, refresher } from './ui.js';
import { relativeTime, dateTime } from './format.js';
import { BuildProgress } from './progress.js';
import { copyable } from './copy.js';

const $ = (id) => document.getElementById(id);

export function initVms(app) {
  const form = $('create-vm');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    clearErrors();
    const body = {};
    const num = (id) => ($(id).value.trim() === '' ? undefined : Number($(id).value));
    if ($('vm-snapshot').value) body.snapshot_id = $('vm-snapshot').value;
    if (num('vm-vcpu_count') !== undefined) body.vcpu_count = num('vm-vcpu_count');
    if (num('vm-memory_mb') !== undefined) body.memory_mb = num('vm-memory_mb');
    await busy($('create-vm-button'), async () => {
      try {
        const vm = await app.client().vms.create(body, true);
        announce(`VM ${vm.vm_id} is ${vm.status}`);
      } catch (e) {
        if (e instanceof app.sdk.ValidationError && e.field && fieldError(form, `vm-${e.field}`, e.message)) return;
        showError(e, () => form.requestSubmit());
      }
    });
    refresh();
  });

  /** Runs a VM action from its row button, reporting and refreshing. */
  async function act(button, label, action) {
    clearErrors();
    await busy(button, async () => {
      try {
        const result = await action();
        announce(`${label}: ${result?.status ?? 'done'}`);
      } catch (e) {
        showError(e, () => act(button, label, action));
      }
    });
    refresh();
  }

  async function snapshot(vm, button) {
    const name = await confirmDialog({ title: 'Snapshot this VM', text: `Capture the state of ${vm.vm_id} as a snapshot.`, ok: 'Snapshot', input: { label: 'Snapshot name', value: `${vm.vm_id}-state` } });
    if (name === null) return;
    const progress = new BuildProgress(`Snapshot ${name || 'of ' + vm.vm_id}`);
    await busy(button, async () => {
      try {
        const snap = await app.client().vms.snapshot(vm.vm_id, name ? { name } : {}, { wait: true, signal: progress.signal, onStatus: (s) => progress.status(s) });
        progress.ready(snap);
      } catch (e) {
        if (progress.signal.aborted) progress.cancelled();
        else if (e instanceof app.sdk.SnapshotBuildFailedError) progress.failed(e.lastError);
        else progress.stopped(e);
      }
    });
    app.refreshSnapshots();
  }

  async function remove(vm, button) {
    const ok = await confirmDialog({ title: 'Delete VM?', text: `${vm.vm_id} will be terminated.`, ok: 'Delete' });
    if (ok) await act(button, `Deleted ${vm.vm_id}`, () => app.client().vms.delete(vm.vm_id));
  }

  function actions(vm) {
    const c = app.client();
    const status = String(vm.status).toLowerCase();
    const b = (text, onclick, cls = 'small secondary') => el('button', { type: 'button', class: cls, 'aria-label': `${text} ${vm.vm_id}`, onclick }, text);
    const cell = el('td', { class: 'row-actions' }, b('Details', () => showDetails(`VM ${vm.vm_id}`, vm, 'VM')));
    if (status === 'active' || status === 'running') {
      cell.append(
        b('Snapshot', (e) => snapshot(vm, e.currentTarget)),
        b('Clone', (e) => act(e.currentTarget, `Cloned ${vm.vm_id}`, () => c.vms.clone(vm.vm_id, {}, true))),
        b('Suspend', (e) => act(e.currentTarget, `Suspended ${vm.vm_id}`, () => c.vms.suspend(vm.vm_id, { wait: true }))),
      );
    }
    if (status === 'suspended') cell.append(b('Resume', (e) => act(e.currentTarget, `Resumed ${vm.vm_id}`, () => c.vms.resume(vm.vm_id, true))));
    if (!['terminated', 'deleted', 'killed'].includes(status)) cell.append(b('Delete', (e) => remove(vm, e.currentTarget), 'small danger'));
    return cell;
  }

  function row(vm) {
    return el(
      'tr',
      { dataset: { id: vm.vm_id } },
      el('td', { class: 'id', 'data-label': 'VM' }, copyable(vm.vm_id, 'VM id')),
      el('td', { 'data-label': 'Status' }, badge(vm.status)),
      el('td', { class: 'id', 'data-label': 'From snapshot' }, vm.snapshot_id ? copyable(vm.snapshot_id, 'snapshot id') : '—'),
      el('td', { 'data-label': 'vCPUs / memory' }, `${vm.vcpu_count ?? '?'} / ${vm.memory_mb ?? '?'} MB`),
      el('td', { 'data-label': 'Created' }, el('time', { datetime: vm.created_at ?? '', title: dateTime(vm.created_at) }, relativeTime(vm.created_at))),
      actions(vm),
    );
  }

  // Every record, so that suspended VMs (not "running") stay in reach of
  // their Resume button; terminated ones only on request.
  const refresh = refresher(
    app,
    (client) => client.vms.listAll(),
    (all) => {
      const ended = ['terminated', 'deleted', 'killed'];
      const list = $('show-terminated').checked ? all : all.filter((vm) => !ended.includes(String(vm.status).toLowerCase()));
      $('vm-table').tBodies[0].replaceChildren(...list.map(row));
      $('vm-empty').hidden = list.length > 0;
    },
  );

  /** The "Boot from snapshot" choices: ready snapshots only. */
  function setReadySnapshots(list) {
    const select = $('vm-snapshot');
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, '(base image)'), ...list.map((s) => el('option', { value: s.id }, `${s.name ?? s.id} (${s.id})`)));
    if (list.some((s) => s.id === chosen)) select.value = chosen;
  }

  $('refresh-vms').addEventListener('click', (e) => busy(e.currentTarget, refresh));
  $('show-terminated').addEventListener('change', refresh);
  return { refresh, setReadySnapshots };
}
