import { defineConfig, devices } from '@playwright/test';

// Every test file gets its servers from the fixtures in tests/fixtures.ts,
// which start the release binary on a free loopback port (no fixed ports,
// and a test can restart its server). Chromium is Debian's: Playwright never
// downloads a browser here.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    // The interface follows Accept-Language (SPEC §15): English unless a
    // test asks for another language, whatever this machine's locale.
    locale: 'en-US',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
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
    },
  ],
});
