import type { Browser, BrowserContext, Page } from '@playwright/test';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, Server, hydrated, pageHash } from '../tests/fixtures';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.RUNS ?? 20);

/** Chromium's network emulation for the 4G profile of docs/product.md §10. */
const FOUR_G = { offline: false, latency: 85, downloadThroughput: (9e6 / 8), uploadThroughput: (9e6 / 8) };

/** Records, inside the page, when the page's text is first on screen:
 * performance.now() (from the navigation's start) at the first animation
 * frame after the text element enters the document. */
const RECORD_TEXT_TIME = `
  window.__textAt = null;
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid=page-text]')) {
      observer.disconnect();
      requestAnimationFrame(() => { window.__textAt = performance.now(); });
    }
  }).observe(document, { childList: true, subtree: true });
`;

async function reader(browser: Browser, url: string, network: 'loopback' | '4g'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: url });
  await context.addInitScript(RECORD_TEXT_TIME);
  const page = await context.newPage();
  if (network === '4g') {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', FOUR_G);
  }
  return { context, page };
}

/** One visit: when the text was on screen, and Chromium's own
 * first-contentful-paint, both from the navigation's start. */
async function visit(page: Page, hash: string): Promise<[number, number]> {
  await page.goto(`/${hash}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as { __textAt: number | null }).__textAt !== null, null, { timeout: 30_000 });
  const fcp = await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  const at = await page.evaluate(() => (window as unknown as { __textAt: number }).__textAt);
  await hydrated(page);
  return [at, Number(await fcp.jsonValue())];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function measure(browser: Browser, server: Server, hash: string, network: 'loopback' | '4g', cache: 'cold' | 'warm'): Promise<string> {
  const times: number[] = [];
  const paints: number[] = [];
  if (cache === 'cold') {
    for (let i = 0; i < RUNS; i++) {
      const { context, page } = await reader(browser, server.url, network);
      const [at, fcp] = await visit(page, hash);
      times.push(at);
      paints.push(fcp);
      await context.close();
    }
  } else {
    const { context, page } = await reader(browser, server.url, network);
    await visit(page, hash); // fills the cache
    for (let i = 0; i < RUNS; i++) {
      await page.goto('about:blank');
      const [at, fcp] = await visit(page, hash);
      times.push(at);
      paints.push(fcp);
    }
    await context.close();
  }
  return `${median(times).toFixed(0)} (${median(paints).toFixed(0)})`;
}

test('open a link to its text: median of 20, cold and warm, loopback and 4G', async ({ browser }) => {
  const rows: string[] = [];
  for (const [label, wait] of [
    ['text from the peers only (`--first-response-wait 0ms`, the app before)', '0ms'],
    ['text in the first response (default, 250 ms)', '250ms'],
  ] as const) {
    // Measurements open one page many times from one address: lift its per-address budgets.
    const server = await Server.start(['--first-response-wait', wait, '--raw-per-second', '10000', '--asks-per-address', '100000']);
    const author = await browser.newContext({ baseURL: server.url });
    const a = await author.newPage();
    const text = `A page of notes to open quickly ✓\n${'Some words on a line of a short page.\n'.repeat(25)}`;
    await a.goto('/');
    await hydrated(a);
    await a.getByLabel('Page text').fill(text);
    await a.getByRole('button', { name: 'Create page' }).click();
    const hash = pageHash(text);
    await expect(a.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    const loopCold = await measure(browser, server, hash, 'loopback', 'cold');
    const fourCold = await measure(browser, server, hash, '4g', 'cold');
    const fourWarm = await measure(browser, server, hash, '4g', 'warm');
    rows.push(`| ${label} | ${loopCold} | ${fourCold} | ${fourWarm} |`);
    await author.close();
    await server.stop();
  }

  const pkg = path.join(root, 'target', 'site', 'pkg');
  const sizes = readdirSync(pkg)
    .filter((f) => /\.(wasm|js|css)$/.test(f))
    .map((f) => {
      const bytes = readFileSync(path.join(pkg, f));
      const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      return `| ${f} | ${bytes.length} | ${gzipSync(bytes, { level: 9 }).length} | ${br} |`;
    });
  const report = [
    `Open a link to its text, median of ${RUNS} (ms from the navigation's start, read in the page; in brackets Chromium's first-contentful-paint):`,
    '',
    '| setup | loopback, cold cache | 4G, cold cache | 4G, warm cache |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Static files (bytes): raw, gzip -9, brotli 11:',
    '',
    '| file | raw | gzip | brotli |',
    '|---|---|---|---|',
    ...sizes,
  ].join('\n');
  console.log(report);
  writeFileSync(path.join(root, 'target', 'open-link.md'), report + '\n');
});
