/**
 * Debian's Chromium for the browser tests (the `chromium` package; .ci/run installs it), driven by
 * playwright-core, which downloads no browser. Without it the browser tests are skipped, unless
 * VOBIZ_REQUIRE_BROWSER is set (CI sets it): then they fail.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Headless, and quiet: no sandbox (containers), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether a browser test skips: no Chromium here, and none required. */
export const noChromium = !existsSync(CHROMIUM) && !process.env['VOBIZ_REQUIRE_BROWSER'];
