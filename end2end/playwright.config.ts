import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupToken } from './setup-link';

// Every run starts Tether on a fresh data directory (SQLite, the demo's emulated networks,
// outbox). The workers read it from the environment, to run `tether` commands on it.
const dataDir = (process.env.TETHER_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'tether-e2e-')));
const port = process.env.TETHER_E2E_PORT ?? '3017';
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'off',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser of its own here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: '../target/release/tether serve',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      TETHER_BIND: `127.0.0.1:${port}`,
      TETHER_DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: '../target/site',
      TETHER_LOG: 'info',
      // The emulated networks are served only when asked for; the demo may move the clock.
      TETHER_SANDBOX: 'demo',
      // The demo's Google app is in "Testing" status: consents end after 7 days.
      TETHER_GOOGLE_APP_STATUS: 'testing',
      // Sessions follow the instance's clock, which the demo moves by days.
      TETHER_SESSION_IDLE_MINUTES: '525600',
      TETHER_SESSION_HOURS: '8760',
      // Set-up asks for the link Tether logs; the suite chooses its secret.
      TETHER_SETUP_TOKEN: setupToken,
    },
  },
});
