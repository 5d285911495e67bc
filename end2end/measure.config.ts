import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Measurements, not tests: `npx playwright test -c measure.config.ts`
// (scripts/bench.sh runs it; the suite runs it once). They print their
// figures and write them to target/open-link.md and target/lighthouse.md;
// they assert only that each visit saw the text and each audit scored.
export default defineConfig({
  ...base,
  testDir: './measure',
  timeout: 600_000,
});
