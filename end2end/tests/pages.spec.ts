import type { Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { test, expect, create, hydrated, pageHash, Server, screenshotPath, unique, visitor, watchErrors } from './fixtures';

const NOBODY = 'Nobody is hosting this page right now.';

/** Opens a page's link and waits for its text. */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.getByTestId('page-text')).toBeVisible();
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
}

/** The shown text exactly as the DOM holds it (CRLF kept). */
async function shownText(page: Page): Promise<string> {
  return page.getByTestId('page-text').evaluate((el) => el.textContent ?? '');
}

const interop = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'interop', 'original-client.mjs');

/** The original app's browser code on the official phoenix client, in Node. */
function originalClient(server: Server, mode: 'host' | 'fetch', arg: string) {
  const child = spawn(process.execPath, [interop, mode, server.socketUrl, arg], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: any[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
    }
  });
  return {
    events,
    async waitFor(event: string) {
      await expect.poll(() => events.find((e) => e.event === event), { timeout: 10_000 }).toBeTruthy();
      return events.find((e) => e.event === event);
    },
    stop() {
      child.stdin.end();
      return new Promise((resolve) => child.on('exit', resolve));
    },
  };
}

test.describe('sharing a page between visitors', () => {
  test('1. A creates a page; B opens the link, sees the exact text; both show 2 hosts', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    const violations: string[] = [];
    a.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    const text = unique('Hello from A\n  indented line\nlast line');
    const hash = await create(a.page, text);
    await expect(a.page.getByTestId('page-text')).toHaveText(text);
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    expect(await shownText(b.page)).toBe(text);
    await expect(a.page.getByTestId('health')).toHaveText('2 hosts');
    await expect(b.page.getByTestId('health')).toHaveText('2 hosts');
    // The strict policy lets the app do everything it needs.
    expect(violations).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  test('2. A closes; C gets the text from B; the counts follow', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    const text = unique('passed along');
    const hash = await create(a.page, text);
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    await expect(b.page.getByTestId('health')).toHaveText('2 hosts');
    await a.context.close();
    await expect(b.page.getByTestId('health')).toHaveText('1 host');
    const c = await visitor(browser, server.url);
    await open(c.page, hash);
    expect(await shownText(c.page)).toBe(text);
    await expect(b.page.getByTestId('health')).toHaveText('2 hosts');
    await expect(c.page.getByTestId('health')).toHaveText('2 hosts');
    await b.context.close();
    await c.context.close();
  });

  test('3. when everyone has closed, D sees that nobody hosts the page, and keeps waiting', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    const text = unique('soon gone');
    const hash = await create(a.page, text);
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    await a.context.close();
    await b.context.close();
    const d = await visitor(browser, server.url);
    const errors: string[] = [];
    d.page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await d.page.goto(`/${hash}`);
    await expect(d.page.getByTestId('status')).toContainText(NOBODY);
    await expect(d.page.getByTestId('health')).toHaveText('0 hosts');
    // Two retry periods later: still waiting, nothing shown, no errors.
    await d.page.waitForTimeout(4500);
    await expect(d.page.getByTestId('status')).toContainText(NOBODY);
    await expect(d.page.getByTestId('page-text')).toHaveCount(0);
    expect(errors).toEqual([]);
    // If someone who has it comes back, it appears.
    const e = await visitor(browser, server.url);
    await create(e.page, text);
    await expect(d.page.getByTestId('page-text')).toHaveText(text);
    await d.context.close();
    await e.context.close();
  });

  test('4. emoji, CJK, combining marks, CRLF and a page of almost 1 MiB keep their hash', async ({ browser, server }) => {
    // Pasting, hashing and laying out 1 MiB of text twice takes most of a minute on 2 cores.
    test.slow();
    // Typed in the browser (a textarea gives LF line ends).
    const tricky = unique('emoji 😀👩‍👩‍👧 CJK 漢字かなカナ한국어 combining e\u0301 a\u0308 zero-width\u200d tab\t end');
    const a = await visitor(browser, server.url);
    const hash = await create(a.page, tricky);
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    expect(await shownText(b.page)).toBe(tricky);

    // CRLF line ends, hosted by a non-browser client, survive the trip.
    const crlf = unique('line one\r\nline two\r\n\r\nüñíçødé 😀\r\n');
    const js = originalClient(server, 'host', crlf);
    await js.waitFor('hosting');
    const c = await visitor(browser, server.url);
    await open(c.page, pageHash(crlf));
    expect(await shownText(c.page)).toBe(crlf);
    await js.stop();

    // Almost 1 MiB of mixed text, created in one browser and fetched by another.
    const unit = 'héllo wörld 世界 😀 e\u0301\n';
    let big = '';
    while (Buffer.byteLength(big + unit) < 1024 * 1024 - 64) big += unit;
    const bigHash = await create(a.page, big);
    const d = await visitor(browser, server.url);
    await open(d.page, bigHash);
    const received = await shownText(d.page);
    expect(received.length).toBe(big.length);
    expect(pageHash(received)).toBe(bigHash);
    for (const v of [a, b, c, d]) await v.context.close();
  });

  test('5. markup from a peer is shown as text and never runs', async ({ browser, server }) => {
    const text = unique('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>');
    const a = await visitor(browser, server.url);
    const hash = await create(a.page, text);
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    expect(await shownText(b.page)).toBe(text);
    for (const page of [a.page, b.page]) {
      await expect(page.getByTestId('page-text').locator('script, img, b')).toHaveCount(0);
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    }
    await a.context.close();
    await b.context.close();
  });

  test('8. the only host is warned; a second host removes the warning', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    const hash = await create(a.page, unique('last one standing'));
    await expect(a.page.getByTestId('health')).toHaveText('1 host');
    await expect(a.page.getByTestId('last-host-warning')).toBeVisible();
    const b = await visitor(browser, server.url);
    await open(b.page, hash);
    await expect(a.page.getByTestId('last-host-warning')).toHaveCount(0);
    await expect(b.page.getByTestId('last-host-warning')).toHaveCount(0);
    await b.context.close();
    await expect(a.page.getByTestId('last-host-warning')).toBeVisible();
    // The last host also gets the browser's "leave this page?" prompt.
    let prompted = false;
    a.page.on('dialog', async (dialog) => {
      prompted = dialog.type() === 'beforeunload';
      await dialog.accept();
    });
    await a.page.close({ runBeforeUnload: true });
    await expect.poll(() => prompted).toBe(true);
    await a.context.close();
  });

  test('Copy link puts the page address on the clipboard', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const hash = await create(a.page, unique('copy me'));
    await a.page.getByTestId('copy-link').click();
    await expect(a.page.getByTestId('copy-link')).toHaveText('Link copied');
    expect(await a.page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/${hash}`);
    await a.context.close();
  });

  test('the server-rendered page shows the host count before the WASM runs', async ({ browser, server }) => {
    const a = await visitor(browser, server.url);
    const hash = await create(a.page, unique('counted early'));
    const b = await visitor(browser, server.url, { javaScriptEnabled: false });
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('health')).toHaveText('1 host');
    await expect(b.page.getByTestId('status')).toContainText('Connecting');
    await a.context.close();
    await b.context.close();
  });
});

test.describe('resilience and interoperability', () => {
  test('7. the relay restarts while A hosts; A reconnects and keeps hosting; B then gets the text', async ({ browser }) => {
    let relay = await Server.start();
    const port = relay.port;
    const a = await visitor(browser, relay.url);
    const text = unique('survives a restart');
    const hash = await create(a.page, text);
    await relay.stop();
    await expect(a.page.getByTestId('status')).toHaveAttribute('data-phase', 'reconnecting');
    await expect(a.page.getByTestId('status')).toContainText('You keep hosting this page');
    relay = await Server.start([], port);
    try {
      await expect(a.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting', { timeout: 20_000 });
      await expect(a.page.getByTestId('health')).toHaveText('1 host');
      const b = await visitor(browser, relay.url);
      await open(b.page, hash);
      expect(await shownText(b.page)).toBe(text);
      await b.context.close();
    } finally {
      await a.context.close();
      await relay.stop();
    }
  });

  test('9. the official phoenix client and the browser host pages for each other', async ({ browser, server }) => {
    const fromJs = unique('hosted by phoenix.js');
    const js = originalClient(server, 'host', fromJs);
    await js.waitFor('hosting');
    const a = await visitor(browser, server.url);
    await open(a.page, pageHash(fromJs));
    expect(await shownText(a.page)).toBe(fromJs);
    await js.waitFor('served');
    await js.stop();

    const fromBrowser = unique('hosted by a browser');
    const hash = await create(a.page, fromBrowser);
    const fetcher = originalClient(server, 'fetch', hash);
    expect((await fetcher.waitFor('content')).content).toBe(fromBrowser);
    await fetcher.waitFor('hosting');
    await expect(a.page.getByTestId('health')).toHaveText('2 hosts');
    await fetcher.stop();
    await a.context.close();
  });
});

test.describe('what a person sees', () => {
  test('screenshots: hosted, waiting and gone; light and dark; desktop and phone', async ({ browser }) => {
    // A host that never answers keeps visitors waiting only until its
    // deadline (then it no longer counts): give it all the time the
    // screenshots take.
    const server = await Server.start(['--request-timeout', '120s']);
    const hostText = 'Meeting notes — Thursday\n\n• Ship the relay\n• Write the README\n• 🎉 Celebrate';
    const host = await visitor(browser, server.url);
    const hash = await create(host.page, hostText);
    // A host that joins but never answers keeps a visitor in the waiting state.
    const silentText = unique('never answered');
    const silentHash = pageHash(silentText);
    const silent = new WebSocket(`${server.socketUrl}/websocket?vsn=2.0.0`);
    await new Promise((resolve) => silent.on('open', resolve));
    silent.send(JSON.stringify(['1', '1', `have:${silentHash}`, 'phx_join', {}]));
    const goneHash = pageHash(unique('gone'));

    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const v = await visitor(browser, server.url, { colorScheme, viewport });
        await open(v.page, hash);
        await v.page.screenshot({ path: screenshotPath(`hosted-${device}-${colorScheme}`), fullPage: true });
        await v.page.goto(`/${silentHash}`);
        await expect(v.page.getByTestId('status')).toHaveAttribute('data-phase', 'waiting');
        await v.page.screenshot({ path: screenshotPath(`waiting-${device}-${colorScheme}`), fullPage: true });
        await v.page.goto(`/${goneHash}`);
        await expect(v.page.getByTestId('status')).toContainText(NOBODY);
        await v.page.screenshot({ path: screenshotPath(`gone-${device}-${colorScheme}`), fullPage: true });
        await v.context.close();
      }
    }
    const last = await visitor(browser, server.url);
    await create(last.page, unique('only me'));
    await last.page.screenshot({ path: screenshotPath('last-host-desktop-light'), fullPage: true });
    await last.context.close();
    silent.close();
    await host.context.close();
    await server.stop();
  });

  test('time from opening a link to seeing the text (median of 10)', async ({ browser, server }) => {
    const host = await visitor(browser, server.url);
    const hash = await create(host.page, unique('how fast?'));
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const v = await visitor(browser, server.url);
      const started = Date.now();
      await v.page.goto(`/${hash}`);
      await expect(v.page.getByTestId('page-text')).toBeVisible();
      times.push(Date.now() - started);
      await v.context.close();
    }
    times.sort((x, y) => x - y);
    const median = (times[4] + times[5]) / 2;
    console.log(`time to content over 10 visits: median ${median} ms, min ${times[0]} ms, max ${times[9]} ms`);
    test.info().annotations.push({ type: 'time-to-content-median-ms', description: String(median) });
    // A generous bound (about 0.2 s here): a regression to the 2 s retry,
    // or to a missing page, fails it.
    expect(median).toBeLessThan(1000);
    await host.context.close();
  });
});

test.describe('the always-on mirror', () => {
  test('a page kept alive only by the mirror opens in the browser', async ({ browser, server }, testInfo) => {
    const mirrorBinary = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'release', 'ep2p-mirror');
    const dir = testInfo.outputPath('mirror');
    const file = testInfo.outputPath('page.txt');
    const text = unique('Kept by the mirror on a Raspberry Pi 🍓\nwhile the laptop sleeps');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    const mirror = spawn(mirrorBinary, ['--server', server.url, '--dir', dir, 'host', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    mirror.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const hash = pageHash(text);
    await expect.poll(() => out.includes(`${hash} hosting`), { timeout: 15_000 }).toBe(true);
    const v = await visitor(browser, server.url);
    await open(v.page, hash);
    expect(await shownText(v.page)).toBe(text);
    await expect(v.page.getByTestId('health')).toHaveText('2 hosts');
    mirror.kill('SIGINT');
    await new Promise((resolve) => mirror.on('exit', resolve));
    // The visitor is now the only host.
    await expect(v.page.getByTestId('health')).toHaveText('1 host');
    await v.context.close();
  });
});

test.describe('reading without the app', () => {
  test('Raw opens the page as plain text from the server, in a new tab, and the page lives on', async ({ page }) => {
    const text = unique('Plain text for curl ✓\nline two');
    const hash = await create(page, text);
    const [raw] = await Promise.all([page.context().waitForEvent('page'), page.getByTestId('raw-link').click()]);
    await raw.waitForLoadState();
    expect(raw.url()).toMatch(new RegExp(`/${hash}/raw$`));
    await expect(raw.locator('pre')).toHaveText(text, { useInnerText: true });
    // The author's tab still hosts the page.
    await expect(page.getByTestId('health')).toHaveText('1 host');
    await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  });
});
