import type { Page, Route } from '@playwright/test';
import { test, expect, hydrated, pageHash, screenshotPath, watchErrors } from './fixtures';

function unique(label: string): string {
  return `${label} — ${Math.random().toString(36).slice(2)}`;
}

/** Creates a page from the homepage in `page` and waits until it hosts it. */
async function create(page: Page, text: string): Promise<string> {
  await page.goto('/');
  await hydrated(page);
  await page.getByLabel('Page text').fill(text);
  await page.getByRole('button', { name: 'Create page' }).click();
  const hash = pageHash(text);
  await expect(page).toHaveURL(`/${hash}`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  return hash;
}

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
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
    expect(held.length).toBeGreaterThan(0);
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
