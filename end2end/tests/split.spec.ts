import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, hydrated, visitor, create, createEncrypted, unique, pageHash, workerInControl } from './fixtures';

// The WASM is split (`cargo leptos build --split`, src/lazy.rs): a first
// visit loads the app's script, its first WASM part and the parts' loader;
// each feature's part comes when it is first used.

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'site', 'pkg');

/** Every lazy part's file of this build (its parts and the chunks they share). */
function partFiles(): string[] {
  return readdirSync(pkg)
    .filter((f) => /^(split|chunk)_.+\.wasm$/.test(f))
    .map((f) => `/pkg/${f}`);
}

/** The parts a page fetched, by the function each one is (`split_<name>_<n>`). */
function fetchedParts(page: Page): () => string[] {
  const parts: string[] = [];
  page.on('request', (request) => {
    const name = /\/pkg\/split_([a-z_]+?)_\d+\./.exec(new URL(request.url()).pathname)?.[1];
    if (name && !parts.includes(name)) parts.push(name);
  });
  return () => [...parts].sort();
}

test.describe('the WASM in parts', () => {
  test('a first view loads only the first part; each feature loads its own part when first used, and works', async ({ browser, baseURL }) => {
    expect(partFiles().length, 'the build is split').toBeGreaterThan(4);
    // Without the service worker, so that every file the page needs is a request of its own.
    const { context, page } = await visitor(browser, baseURL!, { serviceWorkers: 'block' });
    const pkgRequests: string[] = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (p.startsWith('/pkg/')) pkgRequests.push(p);
    });
    const parts = fetchedParts(page);
    await page.goto('/');
    await hydrated(page);
    // The homepage: the script, the first WASM part and the parts' loader;
    // its stylesheet is inline, and styles it (the light theme's background).
    const kinds = pkgRequests.map((p) => p.replace(/\.[\w-]{16,}\./, '.').replace(/^\/pkg\//, '')).sort();
    expect(kinds).toEqual(['__wasm_split.js', 'ephemeral_p2p.js', 'ephemeral_p2p.wasm']);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(247, 247, 245)');

    // A page: its text and hosting need no part; the chat beside it is one.
    const text = `# ${unique('Parts')}\n\n* one\n* two\n`;
    const hash = await create(page, text);
    await expect(page.locator('section.chat')).toBeVisible();
    expect(parts()).toEqual(['chat_panel']);

    // Markdown: preloaded when the pointer reaches its button, shown on the click.
    await page.getByTestId('view-markdown').hover();
    await expect.poll(parts).toContain('markdown_html');
    await page.getByTestId('view-markdown').click();
    await expect(page.getByTestId('page-markdown').getByRole('heading', { level: 1 })).toHaveText(/Parts/);

    // The code view: the highlighter's part on the pointer, its grammars from the server on the click.
    expect(parts()).not.toContain('code_lines');
    await page.getByTestId('view-code').hover();
    await expect.poll(parts).toContain('code_lines');
    await page.getByTestId('view-code').click();
    await expect(page.getByTestId('line-number')).toHaveCount(4);
    await page.getByTestId('view-text').click();

    // The QR code.
    await page.getByTestId('share').click();
    await expect(page.getByTestId('qr').locator('svg')).toBeVisible();
    expect(parts()).toContain('qr_code');

    // Keeping a copy: IndexedDB.
    await page.getByTestId('keep-copy').check();
    await expect(page.getByTestId('keep-status')).toBeVisible();
    await expect.poll(parts).toContain('keep_copy');
    expect(parts()).not.toContain('seal_with');

    // Encryption: the author seals, a reader opens.
    const { hash: sealed, key } = await createEncrypted(page, unique('sealed in a part'));
    expect(parts()).toContain('seal_with');
    const reader = await visitor(browser, baseURL!, { serviceWorkers: 'block' });
    const readerParts = fetchedParts(reader.page);
    await reader.page.goto(`/${sealed}#${key}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(/sealed in a part/);
    // The page's text is opened by the part that also takes a password.
    expect(readerParts()).toContain('open_with_password');
    expect(readerParts()).not.toContain('markdown_html');
    expect(hash).toBe(pageHash(text));
    await reader.context.close();
    await context.close();
  });

  test('the service worker keeps every part, so each feature works offline the first time it is used', async ({ browser, baseURL }) => {
    const { context, page } = await visitor(browser, baseURL!);
    await page.goto('/');
    await hydrated(page);
    await workerInControl(page);
    const cached = await page.evaluate(async () => {
      const paths: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
      }
      return paths;
    });
    for (const file of partFiles()) expect(cached, file).toContain(file);

    const hash = await create(page, `# ${unique('Offline parts')}\n\ntext`);
    const parts = fetchedParts(page);
    await context.setOffline(true);
    await page.getByTestId('view-markdown').click();
    await expect(page.getByTestId('page-markdown').getByRole('heading', { level: 1 })).toHaveText(/Offline parts/);
    await page.getByTestId('share').click();
    await expect(page.getByTestId('qr').locator('svg')).toBeVisible();
    await page.getByTestId('keep-copy').check();
    await expect(page.getByTestId('keep-status')).toBeVisible();
    // They came from the worker's cache, not from memory: each was fetched now.
    await expect.poll(parts).toEqual(expect.arrayContaining(['keep_copy', 'markdown_html', 'qr_code']));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await context.setOffline(false);
    await context.close();
  });
});
