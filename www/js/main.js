// The demo page: connects to the emulator that served it (or what Settings
// say) through the package's own browser build, and wires the two tabs.
// Opened from a host that serves no API (any static file host), it runs the
// emulator in the page instead (`instavm-wasm/testing`); a badge says which.
import * as sdk from 'instavm-wasm';
import { showError, clearErrors, initDialogs } from './ui.js';
import { load, initSettings, DEMO_KEY } from './settings.js';
import { initSnapshots } from './snapshots.js';
import { initVms } from './vms.js';

let client = null;
let connection = load();
const status = document.getElementById('connection');

const badge = document.getElementById('mode-badge');
/** The in-page emulator, once the page found no API where it was served. */
let inPage = null;

const app = {
  sdk,
  client: () => client,
  connected() {
    if (inPage && connection.baseUrl === location.origin) {
      status.textContent = 'Connected to the emulator running in this page: nothing leaves the browser';
      return;
    }
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

/** Whether this page's origin answers as the InstaVM API (the emulator server does). */
async function originServesApi() {
  try {
    const r = await fetch('/v1/snapshots', { headers: { 'X-API-Key': DEMO_KEY } });
    return r.headers.has('x-request-id') && (r.headers.get('content-type') ?? '').includes('json');
  } catch {
    return false;
  }
}

function showMode() {
  const here = connection.baseUrl === location.origin;
  const [text, kind] = inPage && here ? ['In-page emulator', 'in-page'] : here ? ['Emulator server', 'server'] : ['Remote API', 'remote'];
  badge.textContent = text;
  badge.dataset.mode = kind;
  badge.hidden = false;
}

function connect(next) {
  connection = next;
  clearErrors();
  showMode();
  try {
    // The page's own origin, when it serves no API: the in-page emulator.
    const viaPage = inPage && connection.baseUrl === location.origin ? { baseUrl: inPage.baseUrl, fetch: inPage.fetch } : {};
    client = new sdk.InstaVM({ apiKey: connection.apiKey, baseUrl: connection.baseUrl, ...viaPage });
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
Promise.all([sdk.init(), originServesApi()])
  .then(async ([, served]) => {
    if (!served) {
      const { createEmulator } = await import('instavm-wasm/testing');
      inPage = await createEmulator({ buildMs: 3000, bootMs: 500 });
    }
  })
  .then(
    () => connect(connection),
    (e) => {
      status.textContent = 'The client could not load';
      showError(e, () => location.reload());
    },
  );
