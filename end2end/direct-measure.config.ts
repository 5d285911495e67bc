import { defineConfig } from '@playwright/test';
import direct from './direct.config';

// The direct connections' measurement (BENCHMARKS.md §13), in a network
// namespace of its own like their tests:
//   (cd end2end && ../scripts/netns.sh npx playwright test -c direct-measure.config.ts)
export default defineConfig({ ...direct, testDir: './measure-direct', timeout: 600_000 });
