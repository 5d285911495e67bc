import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { test, expect, Server, hydrated, pageHash } from '../tests/fixtures';

// Lighthouse (npm, pinned) on Debian's Chromium, with its default mobile
// settings (simulated slow 4G and a 4× slower CPU): the homepage and a
// hosted page. A measurement, not a test of speed: it prints the figures
// and writes them to target/lighthouse.md, and asserts only that both
// audits ran and scored.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type Row = { url: string; scores: Record<string, number>; lcp: number; tbt: number; cls: number; fcp: number };

async function audit(url: string): Promise<Row> {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    });
    const lhr = result!.lhr;
    // The whole report, for a closer look (Lighthouse's own viewer reads it).
    writeFileSync(path.join(root, 'target', `lighthouse-${new URL(url).pathname.length > 1 ? 'page' : 'home'}.json`), JSON.stringify(lhr));
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round((c.score ?? 0) * 100)]));
    const value = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
    return {
      url,
      scores,
      fcp: value('first-contentful-paint'),
      lcp: value('largest-contentful-paint'),
      tbt: value('total-blocking-time'),
      cls: value('cumulative-layout-shift'),
    };
  } finally {
    await chrome.kill();
  }
}

test('Lighthouse mobile: the homepage and a hosted page', async ({ browser }) => {
  const server = await Server.start(['--raw-per-second', '10000', '--asks-per-address', '100000']);
  const author = await browser.newContext({ baseURL: server.url });
  const a = await author.newPage();
  const text = `A page to audit ✓\n${'Some words on a line of a short page.\n'.repeat(25)}`;
  await a.goto('/');
  await hydrated(a);
  await a.getByLabel('Page text').fill(text);
  await a.getByRole('button', { name: 'Create page' }).click();
  await expect(a.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  const rows: Row[] = [];
  for (const url of [`${server.url}/`, `${server.url}/${pageHash(text)}`]) rows.push(await audit(url));
  await author.close();
  await server.stop();

  const report = [
    'Lighthouse 12.2.3, mobile (simulated slow 4G, 4× CPU slowdown), Debian Chromium:',
    '',
    '| page | performance | accessibility | best practices | FCP (ms) | LCP (ms) | TBT (ms) | CLS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r, i) =>
        `| ${i === 0 ? 'homepage' : 'hosted page'} | ${r.scores.performance} | ${r.scores.accessibility} | ${r.scores['best-practices']} | ${r.fcp.toFixed(0)} | ${r.lcp.toFixed(0)} | ${r.tbt.toFixed(0)} | ${r.cls.toFixed(3)} |`,
    ),
  ].join('\n');
  console.log(report);
  writeFileSync(path.join(root, 'target', 'lighthouse.md'), report + '\n');
  for (const r of rows) {
    expect(Object.keys(r.scores).sort(), r.url).toEqual(['accessibility', 'best-practices', 'performance']);
    expect(Number.isFinite(r.lcp), r.url).toBe(true);
  }
});
