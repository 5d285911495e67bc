import type { Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect, hydrated, screenshotPath, Server, visitor } from './fixtures';

const FILE_PAGE = /\/([0-9a-f]{64})$/;

/** A folder of this test's own files. */
const folder = mkdtempSync(path.join(tmpdir(), 'ep2p-files-'));

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `bytes` as `name` and returns its path. */
function fileOf(name: string, bytes: Buffer): string {
  const at = path.join(folder, name);
  writeFileSync(at, bytes);
  return at;
}

/** A 2×2 PNG (red, green, blue, white). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

/** Picks `paths` on the homepage, shares them and waits until this tab hosts the page. */
async function shareFiles(page: Page, paths: string[], fresh = true): Promise<string> {
  if (fresh) {
    await page.goto('/');
    await hydrated(page);
  }
  await page.getByTestId('file-input').setInputFiles(paths);
  await expect(page.getByTestId('chosen-files').locator('li')).toHaveCount(paths.length);
  await page.getByRole('button', { name: 'Share files' }).click();
  await expect(page).toHaveURL(FILE_PAGE, { timeout: 30_000 });
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  return FILE_PAGE.exec(page.url())![1];
}

/** Waits until every chunk of the page is here. */
async function complete(page: Page, timeout = 60_000): Promise<void> {
  await expect(page.getByTestId('file-progress')).toHaveAttribute('data-complete', 'true', { timeout });
}

test.describe('files', () => {
  test('a 50 MiB file shared by one browser is saved by another, byte for byte', async ({ browser, server }) => {
    test.setTimeout(180_000);
    const bytes = randomBytes(50 * 1024 * 1024);
    const author = await visitor(browser, server.url);
    const hash = await shareFiles(author.page, [fileOf('video.bin', bytes)]);
    // The author has every chunk at once: it reads them from the file itself.
    await complete(author.page);
    await expect(author.page.getByTestId('file')).toContainText('video.bin');

    const reader = await visitor(browser, server.url, { viewport: { width: 390, height: 844 }, acceptDownloads: true });
    const violations: string[] = [];
    reader.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('files')).toBeVisible();
    await expect(reader.page.getByTestId('file')).toContainText('video.bin');
    await expect(reader.page.getByTestId('file')).toContainText('52.4 MB');
    // Mid-way: the progress bar on a phone.
    await expect(reader.page.getByTestId('progress-text')).toContainText(/of 52\.4 MB/);
    await reader.page.screenshot({ path: screenshotPath('files-phone-progress') });
    await complete(reader.page, 120_000);
    await expect(reader.page.getByTestId('progress-text')).toContainText('52.4 MB of 52.4 MB · 100%');
    // Once it has the file, the reader hosts it too.
    await expect(reader.page.getByTestId('health')).toHaveText('2 hosts');
    await expect(author.page.getByTestId('health')).toHaveText('2 hosts');

    const [download] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.getByTestId('save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('video.bin');
    const saved = readFileSync(await download.path());
    expect(saved.length).toBe(bytes.length);
    expect(sha256(saved)).toBe(sha256(bytes));
    expect(violations).toEqual([]);
    await reader.page.screenshot({ path: screenshotPath('files-phone-complete') });
    await author.context.close();
    await reader.context.close();
  });

  test('an image shows as a preview, and a note written beside files goes with them', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    await author.page.goto('/');
    await hydrated(author.page);
    await author.page.getByLabel('Page text').fill('Holiday pictures, the small one first.');
    const hash = await shareFiles(author.page, [fileOf('tiny.png', PNG)], false);
    const reader = await visitor(browser, server.url);
    const violations: string[] = [];
    reader.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await reader.page.goto(`/${hash}`);
    await complete(reader.page);
    await expect(reader.page.getByTestId('file')).toHaveCount(2);
    await expect(reader.page.getByTestId('file').first()).toContainText('note.txt');
    const preview = reader.page.locator('img[data-testid="preview"]');
    await expect(preview).toHaveAttribute('src', /^blob:/);
    await expect.poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(2);
    expect(violations).toEqual([]);
    await reader.page.screenshot({ path: screenshotPath('files-preview'), fullPage: true });
    await author.context.close();
    await reader.context.close();
  });

  test('files with Encrypt ticked are refused with the way to share them', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.getByLabel('Encrypt').check();
    await page.getByTestId('file-input').setInputFiles([fileOf('secret.png', PNG)]);
    await page.getByRole('button', { name: 'Share files' }).click();
    await expect(page.getByTestId('draft-error')).toContainText('Files cannot be encrypted in the browser yet');
    await expect(page).toHaveURL(/\/$/);
  });

  test.describe('with a slow relay (1 MiB/s per socket)', () => {
    let slow: Server;
    test.beforeAll(async () => {
      slow = await Server.start(['--chunk-bytes-per-second', '1MiB']);
    });
    test.afterAll(async () => {
      await slow.stop();
    });

    /** Binary frames (chunks) a page sends from now on. */
    function chunksSent(page: Page): { count: number } {
      const sent = { count: 0 };
      page.on('websocket', (ws) => ws.on('framesent', (frame) => typeof frame.payload !== 'string' && sent.count++));
      return sent;
    }

    test('three hosts all send chunks to a fourth', async ({ browser }) => {
      test.setTimeout(180_000);
      const bytes = randomBytes(6 * 1024 * 1024);
      const hosts = [];
      const sent = [];
      for (let i = 0; i < 3; i++) {
        const host = await visitor(browser, slow.url);
        sent.push(chunksSent(host.page));
        hosts.push(host);
      }
      const hash = await shareFiles(hosts[0].page, [fileOf('swarm.bin', bytes)]);
      for (const host of hosts.slice(1)) {
        await host.page.goto(`/${hash}`);
        await complete(host.page, 60_000);
      }
      for (const host of hosts) await expect(host.page.getByTestId('health')).toHaveText('3 hosts');
      const before = sent.map((s) => s.count);
      const fourth = await visitor(browser, slow.url, { acceptDownloads: true });
      await fourth.page.goto(`/${hash}`);
      await complete(fourth.page, 60_000);
      const during = sent.map((s, i) => s.count - before[i]);
      for (const [i, n] of during.entries()) expect(n, `host ${i} sent chunks to the fourth`).toBeGreaterThan(0);
      expect(during.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(24);
      const [download] = await Promise.all([fourth.page.waitForEvent('download'), fourth.page.getByTestId('save').click()]);
      expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
      for (const v of [...hosts, fourth]) await v.context.close();
    });

    test('the author leaves mid-way and another host finishes the download', async ({ browser }) => {
      test.setTimeout(180_000);
      const bytes = randomBytes(8 * 1024 * 1024);
      const author = await visitor(browser, slow.url);
      const hash = await shareFiles(author.page, [fileOf('handover.bin', bytes)]);
      const first = await visitor(browser, slow.url);
      await first.page.goto(`/${hash}`);
      await complete(first.page, 60_000);
      const late = await visitor(browser, slow.url, { acceptDownloads: true });
      await late.page.goto(`/${hash}`);
      await expect(late.page.getByTestId('progress-text')).toContainText(/ · [1-9]\d?% /, { timeout: 30_000 });
      await author.context.close();
      await expect(first.page.getByTestId('health')).toHaveText(/2 hosts|1 host/);
      await complete(late.page, 60_000);
      const [download] = await Promise.all([late.page.waitForEvent('download'), late.page.getByTestId('save').click()]);
      expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
      await first.context.close();
      await late.context.close();
    });

    test('a reload mid-way resumes from the chunks already stored', async ({ browser }) => {
      test.setTimeout(180_000);
      const bytes = randomBytes(8 * 1024 * 1024);
      const author = await visitor(browser, slow.url);
      const hash = await shareFiles(author.page, [fileOf('resume.bin', bytes)]);
      const reader = await visitor(browser, slow.url, { acceptDownloads: true });
      await reader.page.goto(`/${hash}`);
      const percent = async () => Number(/ · (\d+)%/.exec((await reader.page.getByTestId('progress-text').textContent()) ?? '')?.[1] ?? 0);
      await expect.poll(percent, { timeout: 30_000 }).toBeGreaterThanOrEqual(30);
      const before = await percent();
      expect(before).toBeLessThan(100);
      // After the reload, which chunks are asked for (again, after a rate refusal, counts once).
      const asked = new Set<number>();
      reader.page.on('websocket', (ws) =>
        ws.on('framesent', (f) => {
          const request = /"chunk_request",\{"file":0,"index":(\d+)\}/.exec(String(f.payload));
          if (request) asked.add(Number(request[1]));
        }),
      );
      await reader.page.reload();
      await expect.poll(percent, { timeout: 15_000 }).toBeGreaterThanOrEqual(before - 10);
      await complete(reader.page, 60_000);
      // Chunks come lowest first: the first ones were stored before the reload.
      expect(asked.size, 'only the chunks still missing are asked for').toBeLessThan(32);
      expect(asked.has(0), 'chunk 0 was stored before the reload').toBe(false);
      const [download] = await Promise.all([reader.page.waitForEvent('download'), reader.page.getByTestId('save').click()]);
      expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
      await author.context.close();
      await reader.context.close();
    });
  });
});
