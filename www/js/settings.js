// Where the page connects: by default the origin that served it (through the
// proxy it mounts at /instavm, holding the key, when it has one; else its API
// with a demo key), or a base URL and key the user enters (kept in
// sessionStorage, never in the URL). `apiKey: null` means the page sends no
// key: the server in front of the API adds its own.

const KEY = 'instavm-demo-connection';
export const DEMO_KEY = 'instavm_sk_demo';
/** Where `npm start` mounts instavm-wasm/proxy on the page's origin. */
export const PROXY_PREFIX = '/instavm';

/** The default once the page knows its origin serves the proxy (main.js probes it). */
let fallback = null;

/** The page origin's proxy, as a base URL. */
export function proxyBaseUrl() {
  return `${location.origin}${PROXY_PREFIX}`;
}

/** Whether `baseUrl` is the proxy on this page's origin (a trailing slash or not). */
export function isProxy(baseUrl) {
  try {
    const url = new URL(baseUrl);
    return url.origin === location.origin && url.pathname.replace(/\/+$/, '') === PROXY_PREFIX && !url.search;
  } catch {
    return false;
  }
}

/** Makes the page origin's proxy the default connection: no key in the page. */
export function useProxyByDefault() {
  fallback = { baseUrl: proxyBaseUrl(), apiKey: null };
}

export function defaults() {
  return fallback ?? { baseUrl: location.origin, apiKey: DEMO_KEY };
}

/** The connection Settings saved in this tab, or null. */
export function saved() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (s && typeof s.baseUrl === 'string' && (typeof s.apiKey === 'string' || s.apiKey === null)) return { baseUrl: s.baseUrl, apiKey: s.apiKey };
  } catch {
    // A broken entry falls back to the defaults.
  }
  return null;
}

export function load() {
  return saved() ?? defaults();
}

export function save(connection) {
  sessionStorage.setItem(KEY, JSON.stringify(connection));
}

export function reset() {
  sessionStorage.removeItem(KEY);
}

/**
 * Wires the settings dialog; `onChange(connection)` runs after a save, and
 * `onChange(null)` (the default, which may need a probe) after a reset.
 */
export function initSettings(onChange) {
  const dialog = document.getElementById('settings');
  const url = document.getElementById('setting-base-url');
  const key = document.getElementById('setting-api-key');
  const hint = document.getElementById('setting-api-key-hint');
  /** An empty key field means "no key" where the server in front holds one. */
  const showHint = () => {
    const keyless = isProxy(url.value.trim());
    hint.hidden = !keyless;
    key.placeholder = keyless ? 'none: the server adds its key' : '';
  };
  url.addEventListener('input', showHint);
  document.getElementById('open-settings').addEventListener('click', () => {
    const current = load();
    url.value = current.baseUrl;
    key.value = current.apiKey ?? '';
    showHint();
    dialog.showModal();
  });
  document.getElementById('settings-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('settings-reset').addEventListener('click', () => {
    reset();
    dialog.close();
    onChange(null);
  });
  document.getElementById('settings-form').addEventListener('submit', () => {
    const baseUrl = url.value.trim();
    const typed = key.value.trim();
    const connection = { baseUrl, apiKey: typed === '' && isProxy(baseUrl) ? null : typed };
    save(connection);
    onChange(connection);
  });
}
