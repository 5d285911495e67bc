import type { Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  test,
  expect,
  createEncrypted,
  ENCRYPTED_LINK,
  hydrated,
  withApp,
  pageHash,
  recordFrames,
  screenshotPath,
  unique,
  visitor,
} from './fixtures';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The known-answer vectors core's tests also check (made by OpenSSL). */
type Vector = { key: string; nonce: string; text: string; wire: string };
const vectors: Vector[] = JSON.parse(readFileSync(path.join(root, 'core', 'vectors', 'sealed.json'), 'utf8'));

/** A fresh page key, as a link's fragment carries it. */
function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Every request URL and body a page makes. */
function recordRequests(page: Page, requests: string[]): void {
  page.on('request', (request) => {
    requests.push(`${request.url()} ${request.postData() ?? ''} ${request.headers()['referer'] ?? ''}`);
  });
}

/** The app's WASM module as the hydration script loaded it (one instance). */
type App = {
  sealPage(text: string, key: string, nonce: string): Promise<string>;
  openPage(wire: string, key: string): Promise<string>;
  sealChunk(bytes: Uint8Array, key: string, file: number, index: number): Promise<Uint8Array>;
  openChunk(bytes: Uint8Array, key: string, file: number, index: number): Promise<Uint8Array>;
};

/** Encrypted file pages' known answers (core's tests check them too; made by Python's `cryptography`). */
type FilesVector = {
  key: string;
  chunk: number;
  files: { size: number; seed: number }[];
  chunk_sha256: string[][];
};
const filesVectors: FilesVector[] = JSON.parse(
  readFileSync(path.join(root, 'core', 'vectors', 'sealed_files.json'), 'utf8'),
);

test.describe('encrypted pages', () => {
  test('the browser holds Web Crypto to the same known answers as the native code', async ({ page }) => {
    expect(vectors.length).toBeGreaterThanOrEqual(4);
    const results = await withApp(page, async (app: App, vectors: Vector[]) => {
      const out = [];
      for (const v of vectors) {
        const sealed = await app.sealPage(v.text, v.key, v.nonce);
        const opened = await app.openPage(v.wire, v.key);
        let wrongKey = '';
        try {
          await app.openPage(v.wire, 'A'.repeat(42) + 'E');
        } catch (e) {
          wrongKey = String((e as Error).message);
        }
        let tampered = '';
        try {
          const flipped = v.wire.slice(0, -2) + (v.wire.at(-2) === 'A' ? 'B' : 'A') + v.wire.at(-1);
          await app.openPage(flipped, v.key);
        } catch (e) {
          tampered = String((e as Error).message);
        }
        out.push({ sealed, opened, wrongKey, tampered });
      }
      return out;
    }, vectors);
    results.forEach((r, i) => {
      expect(r.sealed, `vector ${i}`).toBe(vectors[i].wire);
      expect(r.opened, `vector ${i}`).toBe(vectors[i].text);
      expect(r.wrongKey, `vector ${i}`).toContain('does not open this page');
      expect(r.tampered, `vector ${i}`).toMatch(/does not open this page|not one/);
    });
  });

  test('the browser seals and opens file chunks to the same known answers as the native code', async ({ page }) => {
    expect(filesVectors.length).toBeGreaterThanOrEqual(2);
    const results = await withApp(page, async (app: App, vectors: FilesVector[]) => {
      const hex = async (bytes: Uint8Array) =>
        Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      const out: { hashes: string[][]; opened: boolean; misplaced: string }[] = [];
      for (const v of vectors) {
        const piece = v.chunk - 16;
        const hashes: string[][] = [];
        let opened = true;
        let misplaced = '';
        for (const [f, file] of v.files.entries()) {
          // The vectors' bytes: byte i is (i * 7 + seed) % 251.
          const data = Uint8Array.from({ length: file.size }, (_, i) => (i * 7 + file.seed) % 251);
          const mine: string[] = [];
          for (let i = 0; i * piece < file.size; i++) {
            const plain = data.subarray(i * piece, (i + 1) * piece);
            const sealed = await app.sealChunk(plain, v.key, f, i);
            mine.push(await hex(sealed));
            const back = await app.openChunk(sealed, v.key, f, i);
            opened &&= back.length === plain.length && back.every((b, at) => b === plain[at]);
            if (!misplaced) {
              try {
                await app.openChunk(sealed, v.key, f, i + 1);
                misplaced = 'opened in the wrong place';
              } catch (e) {
                misplaced = String((e as Error).message);
              }
            }
          }
          hashes.push(mine);
        }
        out.push({ hashes, opened, misplaced });
      }
      return out;
    }, filesVectors);
    results.forEach((r, i) => {
      expect(r.hashes, `vector ${i}`).toEqual(filesVectors[i].chunk_sha256);
      expect(r.opened, `vector ${i}`).toBe(true);
      expect(r.misplaced, `vector ${i}`).toContain('does not open this page');
    });
  });

  test('a 1 MiB page encrypts and decrypts in the browser (time reported)', async ({ page }) => {
    const timing = await withApp(page, async (app: App) => {
      const line = 'Ünïcödé and ASCII, a line of a long page 😀\n';
      const text = line.repeat(Math.ceil((1 << 20) / new TextEncoder().encode(line).length));
      const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
        .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const nonce = 'AAAAAAAAAAAAAAAA';
      const t0 = performance.now();
      const wire = await app.sealPage(text, key, nonce);
      const t1 = performance.now();
      const opened = await app.openPage(wire, key);
      const t2 = performance.now();
      return { same: opened === text, bytes: new TextEncoder().encode(text).length, wire: wire.length, seal: t1 - t0, open: t2 - t1 };
    }, null);
    expect(timing.same).toBe(true);
    expect(timing.bytes).toBeGreaterThan(1_000_000);
    expect(timing.wire).toBe(6 + Math.ceil(((12 + timing.bytes + 16) * 4) / 3));
    const report = `1 MiB page (${timing.bytes} bytes, wire ${timing.wire}): encrypt ${timing.seal.toFixed(1)} ms, decrypt ${timing.open.toFixed(1)} ms`;
    console.log(report);
    test.info().annotations.push({ type: 'encryption-1mib', description: report });
  });

  test('Encrypt is remembered, and the byte counter weighs the encrypted page', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    const encrypt = page.getByLabel('Encrypt');
    await expect(encrypt).not.toBeChecked();
    await page.getByLabel('Page text').fill('abc');
    await expect(page.getByTestId('byte-counter')).toHaveText('3 / 1,048,576 bytes');
    await encrypt.check();
    // ep2p1: + base64url of a 12-byte nonce, 3 bytes and a 16-byte tag.
    await expect(page.getByTestId('byte-counter')).toHaveText('48 / 1,048,576 bytes encrypted');
    await page.screenshot({ path: screenshotPath('encrypt-checked'), fullPage: true });
    await page.reload();
    await hydrated(page);
    await expect(page.getByLabel('Encrypt')).toBeChecked();
    await page.getByLabel('Encrypt').uncheck();
    await page.reload();
    await hydrated(page);
    await expect(page.getByLabel('Encrypt')).not.toBeChecked();
  });

  test('read with the link, explained without its key, never in the clear on the wire', async ({ browser, server }) => {
    const frames: string[] = [];
    const requests: string[] = [];
    const text = unique('The launch is on Thursday 🚀\nTell nobody but the team.');
    const secretWords = ['launch is on Thursday', 'Tell nobody'];

    const a = await visitor(browser, server.url);
    await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    recordFrames(a.page, frames);
    recordRequests(a.page, requests);
    const { hash, key } = await createEncrypted(a.page, text);
    await expect(a.page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(a.page.getByTestId('encrypted')).toBeVisible();
    await a.page.getByTestId('copy-link').click();
    expect(await a.page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/${hash}#${key}`);

    // B has the whole link: reads it.
    const b = await visitor(browser, server.url);
    recordFrames(b.page, frames);
    recordRequests(b.page, requests);
    await b.page.goto(`/${hash}#${key}`);
    await expect(b.page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(b.page.getByTestId('encrypted')).toBeVisible();
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');

    // C has the link without its key: told so, shown nothing, and hosts.
    const c = await visitor(browser, server.url);
    recordFrames(c.page, frames);
    recordRequests(c.page, requests);
    await c.page.goto(`/${hash}`);
    await expect(c.page.getByTestId('locked')).toHaveAttribute('data-why', 'nokey');
    await expect(c.page.getByTestId('locked')).toContainText('This page is encrypted, and the link you opened has no key');
    await expect(c.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(c.page.getByTestId('page-text')).toHaveCount(0);
    await expect(c.page.getByTestId('health')).toHaveText('3 hosts');
    await c.page.screenshot({ path: screenshotPath('encrypted-no-key'), fullPage: true });

    // D has another key: told so, and hosts too.
    const d = await visitor(browser, server.url);
    recordFrames(d.page, frames);
    recordRequests(d.page, requests);
    await d.page.goto(`/${hash}#${randomKey()}`);
    await expect(d.page.getByTestId('locked')).toHaveAttribute('data-why', 'wrongkey');
    await expect(d.page.getByTestId('locked')).toContainText('the link you opened has a different key');
    await expect(d.page.getByTestId('page-text')).toHaveCount(0);
    await expect(d.page.getByTestId('health')).toHaveText('4 hosts');
    // Pasting the right key into the address reads the page, no reload.
    await d.page.evaluate((key) => (location.hash = key), key);
    await expect(d.page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(d.page.getByTestId('locked')).toHaveCount(0);

    // The author leaves; the page lives on in the others, and a newcomer with the link reads it.
    await a.context.close();
    await expect(b.page.getByTestId('health')).toHaveText('3 hosts');
    const e = await visitor(browser, server.url);
    recordFrames(e.page, frames);
    recordRequests(e.page, requests);
    await e.page.goto(`/${hash}#${key}`);
    await expect(e.page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await e.page.screenshot({ path: screenshotPath('encrypted-read'), fullPage: true });

    // Nothing readable crossed the wire, nor reached the server.
    expect(frames.length).toBeGreaterThan(20);
    expect(frames.some((f) => f.includes('ep2p1:'))).toBe(true);
    for (const frame of frames) {
      expect(frame).not.toContain(key);
      for (const words of secretWords) expect(frame).not.toContain(words);
    }
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request).not.toContain(key);
      for (const words of secretWords) expect(request).not.toContain(words);
    }
    const logs = server.logs.join('');
    expect(logs).not.toContain(key);
    for (const words of secretWords) expect(logs).not.toContain(words);
    const page = await (await fetch(`${server.url}/${hash}`)).text();
    for (const words of secretWords) expect(page).not.toContain(words);

    for (const v of [b, c, d, e]) await v.context.close();
  });

  test('the mirror hosts an encrypted file whose printed link opens in Chromium', async ({ browser, server }, testInfo) => {
    const mirrorBinary = path.join(root, 'target', 'release', 'ep2p-mirror');
    const dir = testInfo.outputPath('mirror');
    const file = testInfo.outputPath('secret.txt');
    const text = unique('Encrypted by the mirror 🔐\nonly the link opens it');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    const mirror = spawn(mirrorBinary, ['--server', server.url, '--dir', dir, 'host', '--encrypt', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    mirror.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await expect.poll(() => /link [0-9a-f]{64} (\S+)/.test(out), { timeout: 15_000 }).toBe(true);
    const link = /link [0-9a-f]{64} (\S+)/.exec(out)![1];
    const [, hash] = ENCRYPTED_LINK.exec(link)!;
    expect(hash).not.toBe(pageHash(text));
    await expect.poll(() => out.includes(`${hash} hosting`), { timeout: 15_000 }).toBe(true);

    const v = await visitor(browser, server.url);
    await v.page.goto(link);
    await expect(v.page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(v.page.getByTestId('health')).toHaveText('2 hosts');
    mirror.kill('SIGINT');
    await new Promise((resolve) => mirror.on('exit', resolve));
    await expect(v.page.getByTestId('health')).toHaveText('1 host');
    await v.context.close();
  });
});
