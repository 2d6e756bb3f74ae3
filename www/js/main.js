// The demo page: connects to the emulator that served it (or what Settings
// say) through the package's own browser build, and wires the two tabs.
import * as sdk from 'instavm-wasm';
import { showError, clearErrors, initDialogs } from './ui.js';
import { load, initSettings, DEMO_KEY } from './settings.js';
import { initSnapshots } from './snapshots.js';
import { initVms } from './vms.js';

let client = null;
let connection = load();
const status = document.getElementById('connection');

const app = {
  sdk,
  client: () => client,
  connected() {
    const local = connection.baseUrl === location.origin;
    status.textContent = `Connected to ${connection.baseUrl}${local ? ' (local emulator)' : ''}${connection.apiKey === DEMO_KEY ? ', demo key' : ''}`;
  },
  disconnected(error, retry) {
    status.textContent = `Not connected to ${connection.baseUrl}`;
    showError(error, retry);
  },
  readySnapshots: (list) => vms.setReadySnapshots(list),
  refreshSnapshots: () => snapshots.refresh(),
};

const snapshots = initSnapshots(app);
const vms = initVms(app);

function connect(next) {
  connection = next;
  clearErrors();
  try {
    client = new sdk.InstaVM({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
  } catch (e) {
    status.textContent = 'Not connected: check the settings';
    showError(e);
    return;
  }
  snapshots.refresh();
  vms.refresh();
}

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !selected;
    }
    tab.focus();
    if (tab.id === 'tab-vms') vms.refresh();
    else snapshots.refresh();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(tabs[(i + step + tabs.length) % tabs.length]);
    });
  });
}

initDialogs();
initTabs();
initSettings(connect);
sdk.init().then(
  () => connect(connection),
  (e) => {
    status.textContent = 'The client could not load';
    showError(e, () => location.reload());
  },
);
