import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Direct connections (SPEC §14) are tested only inside a network namespace
// of their own: `scripts/netns.sh npx playwright test -c direct.config.ts`
// (scripts/test.sh does it). Inside, the server listens on 127.0.0.1 and
// Chromium gathers WebRTC candidates on the namespace's veth, 198.18.0.1;
// nothing reaches outside. Host candidates are plain addresses, not mDNS
// names nobody here would resolve.
const chromium = base.projects![0];
export default defineConfig({
  ...base,
  testDir: './direct',
  projects: [
    {
      ...chromium,
      use: {
        ...chromium.use,
        launchOptions: {
          ...chromium.use!.launchOptions,
          args: [...chromium.use!.launchOptions!.args!, '--disable-features=WebRtcHideLocalIpsWithMdns'],
        },
      },
    },
  ],
});
