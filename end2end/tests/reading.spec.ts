import type { Route } from '@playwright/test';
import { test, expect, create, hydrated, pageHash, screenshotPath, unique, watchErrors } from './fixtures';

test.describe('the text in the first response', () => {
  test('a reader without JavaScript sees the text', async ({ browser, server }) => {
    const author = await browser.newContext({ baseURL: server.url });
    const authorPage = await author.newPage();
    watchErrors(authorPage);
    const text = unique('Readable with JavaScript off ✓\nsecond line');
    const hash = await create(authorPage, text);

    const reader = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false });
    const page = await reader.newPage();
    await page.goto(`/${hash}`);
    await expect(page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(page.getByTestId('health')).toHaveText('1 host');
    await page.screenshot({ path: screenshotPath('no-javascript'), fullPage: true });
    await reader.close();
    await author.close();
  });

  test('with JavaScript the text shows before the WASM has loaded, and the reader then hosts it', async ({ browser, server }) => {
    const author = await browser.newContext({ baseURL: server.url });
    const authorPage = await author.newPage();
    watchErrors(authorPage);
    const text = unique('Shown before the app starts');
    const hash = await create(authorPage, text);

    const reader = await browser.newContext({ baseURL: server.url });
    const page = await reader.newPage();
    watchErrors(page);
    // Hold the WASM back until the text has been seen.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: Promise<void>[] = [];
    await page.route(/\.wasm$/, (route: Route) => {
      held.push(released.then(() => route.continue()));
    });
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(String(f.payload))));
    await page.goto(`/${hash}`, { waitUntil: 'commit' });
    await expect(page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    // The WASM is asked for once the first frame (the text) is painted, and held.
    await expect.poll(() => held.length).toBeGreaterThan(0);
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
    release();
    await hydrated(page);
    await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(authorPage.getByTestId('health')).toHaveText('2 hosts');
    // It hosted what the server sent without asking the peers for it.
    expect(frames.some((f) => f.includes('content_request'))).toBe(false);
    expect(frames.some((f) => f.includes(`"have:${hash}","phx_join"`))).toBe(true);
    await expect(page.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await reader.close();
    await author.close();
  });
});

test.describe('Markdown', () => {
  test('a Markdown page shows its formatting, keeps HTML and javascript: links inert, and the reader can switch views', async ({ browser, server }) => {
    const text = unique(
      [
        '# Meeting notes',
        '',
        'We agreed on **three things** and ~~nothing else~~.',
        '',
        '| who | what |',
        '|-----|------|',
        '| Ana | slides |',
        '',
        '- [x] book the room',
        '- [ ] send the invite',
        '',
        'Inline <img src=x onerror="window.__pwned = 1"> and <b>bold?</b>',
        '',
        '[a trap](javascript:window.__pwned=2) and [the agenda](https://example.org/agenda)',
        '',
        '```',
        'a very long line of code '.repeat(20),
        '```',
      ].join('\n'),
    );
    const author = await browser.newContext({ baseURL: server.url });
    const a = await author.newPage();
    watchErrors(a);
    await a.goto('/');
    await hydrated(a);
    await a.getByLabel('Markdown').check();
    await a.getByLabel('Page text').fill(text);
    await a.getByRole('button', { name: 'Create page' }).click();
    const hash = pageHash(text);
    await expect(a).toHaveURL(`/${hash}#md`);
    await expect(a.getByTestId('page-markdown').getByRole('heading', { name: 'Meeting notes' })).toBeVisible();

    const reader = await browser.newContext({ baseURL: server.url });
    const b = await reader.newPage();
    watchErrors(b);
    await b.goto(`/${hash}#md`);
    const md = b.getByTestId('page-markdown');
    await expect(md.getByRole('heading', { level: 1, name: 'Meeting notes' })).toBeVisible();
    await expect(md.locator('strong')).toHaveText('three things');
    await expect(md.locator('del')).toHaveText('nothing else');
    await expect(md.getByRole('cell', { name: 'slides' })).toBeVisible();
    await expect(md.locator('input[type=checkbox]')).toHaveCount(2);
    // Inline HTML is text; nothing from the page ran or was fetched.
    await expect(md).toContainText('<img src=x onerror="window.__pwned = 1">');
    await expect(md.locator('img, b, script')).toHaveCount(0);
    await expect(md.getByRole('link', { name: 'a trap' })).toHaveCount(0);
    await expect(md).toContainText('a trap');
    const agenda = md.getByRole('link', { name: 'the agenda' });
    await expect(agenda).toHaveAttribute('href', 'https://example.org/agenda');
    await expect(agenda).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    // A heading's anchor scrolls without touching the fragment.
    await md.locator('a.anchor').first().click();
    expect(new URL(b.url()).hash).toBe('#md');
    // Long code scrolls inside its block instead of widening the page.
    const widths = await md.locator('pre').evaluate((pre) => ({ scroll: pre.scrollWidth, client: pre.clientWidth }));
    expect(widths.scroll).toBeGreaterThan(widths.client);
    expect(await b.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await b.screenshot({ path: screenshotPath('markdown'), fullPage: true });

    // Switch to the text as written, and back; the link follows the view.
    await b.getByTestId('view-text').click();
    await expect(b.getByTestId('page-text')).toHaveText(text, { useInnerText: true });
    await expect(b.getByTestId('page-markdown')).toHaveCount(0);
    expect(new URL(b.url()).hash).toBe('');
    await b.getByTestId('view-markdown').click();
    await expect(md.getByRole('heading', { name: 'Meeting notes' })).toBeVisible();
    expect(new URL(b.url()).hash).toBe('#md');
    await reader.close();
    await author.close();
  });
});

test.describe('a site that opens fast', () => {
  test('the app is served brotli-compressed under hashed names, cached for a year', async ({ page }) => {
    const responses: import('@playwright/test').Response[] = [];
    page.on('response', (r) => {
      if (/\/pkg\/.+\.(wasm|js|css)$/.test(new URL(r.url()).pathname)) responses.push(r);
    });
    await page.goto('/');
    await hydrated(page);
    const kinds = responses.map((r) => new URL(r.url()).pathname.split('.').pop()).sort();
    // The app's script and WASM, and the loader of the WASM's other parts
    // (the stylesheet is inline: the first paint waits for no request).
    expect(kinds).toEqual(['js', 'js', 'wasm']);
    for (const response of responses) {
      const name = new URL(response.url()).pathname;
      expect(name, 'a hashed name').toMatch(/^\/pkg\/(ephemeral_p2p|__wasm_split)\.[\w-]{16,}\.(wasm|js|css)$/);
      const headers = await response.allHeaders();
      expect(headers['content-encoding'], name).toBe('br');
      expect(headers['cache-control'], name).toBe('public, max-age=31536000, immutable');
    }
  });
});
