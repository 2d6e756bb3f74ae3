// Where the page connects: the emulator that served it by default, or a base
// URL and key the user enters (kept in sessionStorage, never in the URL).

const KEY = 'instavm-demo-connection';
export const DEMO_KEY = 'instavm_sk_demo';

export function defaults() {
  return { baseUrl: location.origin, apiKey: DEMO_KEY };
}

export function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (saved && typeof saved.baseUrl === 'string' && typeof saved.apiKey === 'string') return saved;
  } catch {
    // A broken entry falls back to the defaults.
  }
  return defaults();
}

export function save(connection) {
  sessionStorage.setItem(KEY, JSON.stringify(connection));
}

export function reset() {
  sessionStorage.removeItem(KEY);
}

/** Wires the settings dialog; `onChange(connection)` runs after a save or reset. */
export function initSettings(onChange) {
  const dialog = document.getElementById('settings');
  const url = document.getElementById('setting-base-url');
  const key = document.getElementById('setting-api-key');
  document.getElementById('open-settings').addEventListener('click', () => {
    const current = load();
    url.value = current.baseUrl;
    key.value = current.apiKey;
    dialog.showModal();
  });
  document.getElementById('settings-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('settings-reset').addEventListener('click', () => {
    reset();
    dialog.close();
    onChange(load());
  });
  document.getElementById('settings-form').addEventListener('submit', () => {
    const connection = { baseUrl: url.value.trim(), apiKey: key.value.trim() };
    save(connection);
    onChange(connection);
  });
}
