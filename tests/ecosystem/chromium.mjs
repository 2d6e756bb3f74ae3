// Debian's Chromium through playwright-core, launched one way for every
// browser suite (the ecosystem harness, the demo tests). Without the
// background-networking flags, this machine's closed network refuses
// Chromium's own connections, many at a time, and the logs fill with them.
import { chromium } from 'playwright-core';

/** A headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
