import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test, expect, ENCRYPTED_LINK, hydrated, screenshotPath, Server, visitor } from './fixtures';
import { complete, fileOf, sha256, shareFiles } from './files-helpers';

/** A 2×2 PNG (red, green, blue, white). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

/** The smallest PDF a viewer opens: one blank page. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** Every WebSocket frame a page sends or receives, as bytes (text frames as UTF-8). */
function recordBytes(page: Page, frames: Buffer[]): void {
  const keep = (payload: string | Buffer) => frames.push(typeof payload === 'string' ? Buffer.from(payload) : payload);
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => keep(frame.payload));
    ws.on('framereceived', (frame) => keep(frame.payload));
  });
}

/** Saves each file the `click` downloads (`count` of them); their names and bytes. */
async function saved(page: Page, count: number, click: () => Promise<void>): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const all = new Promise<void>((resolve) => {
    page.on('download', async (download) => {
      files.set(download.suggestedFilename(), readFileSync(await download.path()));
      if (files.size === count) resolve();
    });
  });
  await click();
  await all;
  return files;
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
    const readme = 'Read me first.\n<script>alert(1)</script> stays text.';
    const hash = await shareFiles(
      author.page,
      [fileOf('tiny.png', PNG), fileOf('readme.txt', Buffer.from(readme)), fileOf('plan.pdf', PDF)],
      false,
    );
    const reader = await visitor(browser, server.url, { acceptDownloads: true });
    const violations: string[] = [];
    reader.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await reader.page.goto(`/${hash}`);
    await complete(reader.page);
    await expect(reader.page.getByTestId('file')).toHaveCount(4);
    await expect(reader.page.getByTestId('file').first()).toContainText('note.txt');
    const preview = reader.page.locator('img[data-testid="preview"]');
    await expect(preview).toHaveAttribute('src', /^blob:/);
    await expect.poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(2);
    // A text file as text (its markup never parsed), a PDF in the browser's viewer from a blob.
    await expect(reader.page.locator('pre[data-testid="preview"]').last()).toHaveText(readme);
    await expect(reader.page.locator('pre[data-testid="preview"] script')).toHaveCount(0);
    await expect(reader.page.locator('iframe[data-testid="preview"]')).toHaveAttribute('src', /^blob:/);
    const files = await saved(reader.page, 4, () => reader.page.getByTestId('save-all').click());
    expect([...files.keys()].sort()).toEqual(['note.txt', 'plan.pdf', 'readme.txt', 'tiny.png']);
    expect(files.get('plan.pdf')!.equals(PDF)).toBe(true);
    expect(files.get('note.txt')!.toString()).toBe('Holiday pictures, the small one first.');
    expect(violations).toEqual([]);
    await reader.page.screenshot({ path: screenshotPath('files-preview'), fullPage: true });
    await author.context.close();
    await reader.context.close();
  });

  test('encrypted files: opened with the link, and no file name or byte of them on any WebSocket frame', async ({ browser, server }) => {
    test.setTimeout(120_000);
    const recipe = Buffer.concat([Buffer.from('Grandma\'s recipe, page 1. '), randomBytes(3 * 1024 * 1024)]);
    const note = 'Use the small pan. Never tell anyone.';
    const names = ['grandmas-recipe.bin', 'secret-map.png', 'secret-note.txt'];
    const frames: Buffer[] = [];
    const author = await visitor(browser, server.url);
    recordBytes(author.page, frames);
    await author.page.goto('/');
    await hydrated(author.page);
    await author.page.getByLabel('Encrypt').check();
    await author.page
      .getByTestId('file-input')
      .setInputFiles([fileOf(names[0], recipe), fileOf(names[1], PNG), fileOf(names[2], Buffer.from(note))]);
    await author.page.getByRole('button', { name: 'Share files' }).click();
    await expect(author.page).toHaveURL(ENCRYPTED_LINK, { timeout: 30_000 });
    await expect(author.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    const [, hash, key] = ENCRYPTED_LINK.exec(author.page.url())!;
    await expect(author.page.getByTestId('encrypted')).toBeVisible();
    await expect(author.page.getByTestId('file')).toHaveCount(3);
    await expect(author.page.getByTestId('file').first()).toContainText(names[0]);

    const reader = await visitor(browser, server.url, { acceptDownloads: true });
    recordBytes(reader.page, frames);
    const violations: string[] = [];
    reader.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await reader.page.goto(`/${hash}#${key}`);
    await complete(reader.page);
    await expect(reader.page.getByTestId('file')).toHaveCount(3);
    await expect(reader.page.getByTestId('file').nth(1)).toContainText(names[1]);
    // Previews are opened on this side of the socket.
    const image = reader.page.locator('img[data-testid="preview"]');
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(2);
    await expect(reader.page.locator('pre[data-testid="preview"]')).toHaveText(note);
    await reader.page.screenshot({ path: screenshotPath('files-encrypted'), fullPage: true });
    const files = await saved(reader.page, 1, () => reader.page.getByTestId('save').first().click());
    expect(sha256(files.get(names[0])!)).toBe(sha256(recipe));
    expect(violations).toEqual([]);

    // Without the key: that it is locked, and no name.
    const stranger = await visitor(browser, server.url);
    await stranger.page.goto(`/${hash}`);
    await expect(stranger.page.getByTestId('locked')).toContainText('has no key');
    await expect(stranger.page.getByTestId('file')).toHaveCount(0);
    await expect(stranger.page.getByTestId('files')).not.toContainText('secret');

    // Everything that crossed a socket: binary chunks and JSON, and none of it in the clear.
    expect(frames.filter((f) => f.length > 200_000).length, 'the chunks were recorded').toBeGreaterThanOrEqual(12);
    const secrets = [
      ...names.map((n) => Buffer.from(n.split('.')[0])),
      Buffer.from(note.slice(0, 20)),
      PNG.subarray(PNG.length - 40),
      ...[0, 1, 5, 11].map((chunk) => recipe.subarray(chunk * 256 * 1024 + 100, chunk * 256 * 1024 + 148)),
    ];
    for (const secret of secrets) {
      expect(secret.length, 'a secret worth looking for').toBeGreaterThan(8);
      const found = frames.findIndex((f) => f.includes(secret));
      expect(found, `${secret.toString('latin1').slice(0, 20)}… on a frame`).toBe(-1);
    }
    for (const v of [author, reader, stranger]) await v.context.close();
  });

  test('a kept file page is hosted again from storage once its tab is gone, by its author too', async ({ browser, server }) => {
    test.setTimeout(120_000);
    const bytes = randomBytes(2 * 1024 * 1024 + 1234);
    const author = await visitor(browser, server.url);
    const hash = await shareFiles(author.page, [fileOf('kept.bin', bytes)]);
    await author.page.getByLabel('Keep a copy in this browser').check();
    // The author's chunks are copied from the file to the browser's storage.
    await expect(author.page.getByTestId('keep-status')).toBeVisible({ timeout: 30_000 });
    // A new document: the picked file is gone from memory; only storage is left.
    await author.page.goto('/');
    await hydrated(author.page);
    const reader = await visitor(browser, server.url, { acceptDownloads: true });
    await reader.page.goto(`/${hash}`);
    await complete(reader.page);
    await expect(reader.page.getByTestId('health')).toHaveText('2 hosts');
    const files = await saved(reader.page, 1, () => reader.page.getByTestId('save').click());
    expect(sha256(files.get('kept.bin')!)).toBe(sha256(bytes));
    // Forget: the copy and its chunks are gone, and so is the host.
    await author.page.getByTestId('forget').first().click();
    await expect(reader.page.getByTestId('health')).toHaveText('1 host');
    // Deleted in the background, once the copy is.
    const left = () =>
      author.page.evaluate(async (page) => {
        const root = await navigator.storage.getDirectory();
        const app = await root.getDirectoryHandle('ep2p', { create: true });
        try {
          await app.getDirectoryHandle(page);
          return true;
        } catch {
          return false;
        }
      }, hash);
    await expect.poll(left, { message: 'the chunks were deleted', timeout: 5_000 }).toBe(false);
    await author.context.close();
    await reader.context.close();
  });

  test('without OPFS a reader keeps chunks in IndexedDB, and hosts from there', async ({ browser, server }) => {
    test.setTimeout(120_000);
    const bytes = randomBytes(3 * 1024 * 1024);
    const author = await visitor(browser, server.url);
    const hash = await shareFiles(author.page, [fileOf('no-opfs.bin', bytes)]);
    const reader = await visitor(browser, server.url);
    await reader.context.addInitScript(() => {
      delete (StorageManager.prototype as { getDirectory?: unknown }).getDirectory;
    });
    await reader.page.goto(`/${hash}`);
    await complete(reader.page);
    const stored = await reader.page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('ep2p-chunks');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction('chunks').objectStore('chunks').count();
            count.onsuccess = () => resolve(count.result);
          };
        }),
    );
    expect(stored).toBe(12);
    // The author leaves: a third browser gets every chunk from the reader's IndexedDB.
    await author.context.close();
    const third = await visitor(browser, server.url, { acceptDownloads: true });
    await third.page.goto(`/${hash}`);
    await complete(third.page);
    const files = await saved(third.page, 1, () => third.page.getByTestId('save').click());
    expect(sha256(files.get('no-opfs.bin')!)).toBe(sha256(bytes));
    await reader.context.close();
    await third.context.close();
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
