// The demo page: connects to the server that served it (or what Settings
// say) through the package's own browser build, and wires the two tabs.
// By default, when the page's origin mounts instavm-wasm/proxy at /instavm
// (`npm start`), the page goes through it with no key at all: the server holds
// it. Otherwise the origin itself is used with the demo key: the emulator
// server's API, or, when the origin serves no API (any static file host), the
// emulator run in the page (`instavm-wasm/testing`). A badge says which.
// Pointed anywhere else, the emulator's module and wasm are never downloaded.
import * as sdk from 'instavm-wasm';
import { showError, clearErrors, initDialogs } from './ui.js';
import { load, saved, defaults, initSettings, useProxyByDefault, isProxy, DEMO_KEY, PROXY_PREFIX } from './settings.js';
import { initSnapshots } from './snapshots.js';
import { initVms } from './vms.js';

let client = null;
let connection = load();
const status = document.getElementById('connection');

const badge = document.getElementById('mode-badge');
/** The in-page emulator, once the page's origin was in use and found to serve no API. */
let inPage = null;

/** Whether `baseUrl` is this page's origin (a trailing slash or not). */
function atPageOrigin(baseUrl) {
  try {
    const url = new URL(baseUrl);
    return url.origin === location.origin && url.pathname === '/' && !url.search;
  } catch {
    return false;
  }
}

const app = {
  sdk,
  client: () => client,
  connected() {
    if (inPage && atPageOrigin(connection.baseUrl)) {
      status.textContent = 'Connected to the emulator running in this page: nothing leaves the browser';
      return;
    }
    // The key is never shown: only whose it is.
    if (connection.apiKey === null) {
      status.textContent = `Connected to ${connection.baseUrl}${isProxy(connection.baseUrl) ? " (this page's proxy)" : ', no key in the page'}`;
      return;
    }
    const local = atPageOrigin(connection.baseUrl);
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

let probe = null;
/**
 * Whether this page's origin answers as the InstaVM API (the emulator server
 * does). Asked once, and only when the origin is in use.
 */
function originServesApi() {
  probe ??= fetch('/v1/snapshots', { headers: { 'X-API-Key': DEMO_KEY } }).then(
    (r) => r.headers.has('x-request-id') && (r.headers.get('content-type') ?? '').includes('json'),
    () => false,
  );
  return probe;
}

let proxyProbe = null;
/**
 * Whether this page's origin mounts instavm-wasm/proxy at /instavm: asked
 * once, with no key, and only to choose the default connection. The proxy
 * answers `snapshots.list` as the API does (JSON, a request id); anything
 * else (a 404 page, the emulator's JSON 404) means no.
 */
function originServesProxy() {
  proxyProbe ??= fetch(`${PROXY_PREFIX}/v1/snapshots`, { headers: { accept: 'application/json' } }).then(
    (r) => r.ok && r.headers.has('x-request-id') && (r.headers.get('content-type') ?? '').includes('json'),
    () => false,
  );
  return proxyProbe;
}

let starting = null;
/** Downloads and starts the in-page emulator; a failed start may be tried again. */
function startInPage() {
  starting ??= import('instavm-wasm/testing')
    .then(({ createEmulator }) => createEmulator({ buildMs: 3000, bootMs: 500 }))
    .then(
      (emulator) => (inPage = emulator),
      (e) => {
        starting = null;
        throw e;
      },
    );
  return starting;
}

function showMode() {
  const here = atPageOrigin(connection.baseUrl);
  const [text, kind] =
    inPage && here ? ['In-page emulator', 'in-page']
    : connection.apiKey === null ? ['Key held by the server', 'proxy']
    : here ? ['Emulator server', 'server']
    : ['Remote API', 'remote'];
  badge.textContent = text;
  badge.dataset.mode = kind;
  badge.hidden = false;
}

let connecting = 0;
/** Connects to `next`, or with null to the default (which may need the proxy probe first). */
async function connect(next) {
  const attempt = ++connecting;
  clearErrors();
  if (!next) {
    badge.hidden = true;
    status.textContent = 'Connecting…';
    if (await originServesProxy()) useProxyByDefault();
    if (attempt !== connecting) return;
    next = defaults();
  }
  connection = next;
  if (!inPage && atPageOrigin(connection.baseUrl)) {
    badge.hidden = true;
    status.textContent = 'Connecting…';
    try {
      if (!(await originServesApi())) await startInPage();
    } catch (e) {
      if (attempt !== connecting) return;
      status.textContent = 'The in-page emulator could not start';
      showError(e, () => connect(connection));
      return;
    }
    // Settings changed while the emulator loaded: the later connect wins.
    if (attempt !== connecting) return;
  }
  showMode();
  try {
    // The page's own origin, when it serves no API: the in-page emulator.
    const viaPage = inPage && atPageOrigin(connection.baseUrl) ? { baseUrl: inPage.baseUrl, fetch: inPage.fetch } : {};
    // A key in this page is the emulator's demo key, or one typed into Settings under its warning.
    client = new sdk.InstaVM({ apiKey: connection.apiKey, baseUrl: connection.baseUrl, ...viaPage, ...(connection.apiKey ? { dangerouslyAllowBrowser: true } : {}) });
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
const chosen = saved();
// No saved connection: the probe runs while the wasm loads.
if (!chosen) originServesProxy();
sdk.init().then(
  () => connect(chosen),
  (e) => {
    status.textContent = 'The client could not load';
    showError(e, () => location.reload());
  },
);
