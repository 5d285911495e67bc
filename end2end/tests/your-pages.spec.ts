import type { Page } from '@playwright/test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { test, expect, create, createEncrypted, hydrated, screenshotPath, unique, visitor, workerInControl } from './fixtures';

/** The homepage's entry for a page, by hash. */
function listed(page: Page, hash: string) {
  return page.locator(`[data-testid="your-page"][data-hash="${hash}"]`);
}

/** Goes to the homepage the way a person would: the "New page" link. */
async function home(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'New page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
}

/** Reads the QR code shown on a page view, from its pixels. */
async function decodeQr(page: Page): Promise<string | null> {
  const png = PNG.sync.read(await page.getByTestId('qr').screenshot());
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return code?.data ?? null;
}

test.describe('your pages', () => {
  test('a created page is listed with its live count, greyed out when its last host leaves', async ({ browser, baseURL }) => {
    const a = await visitor(browser, baseURL!);
    const title = unique('Meeting notes');
    const hash = await create(a.page, `${title}\nsecond line`);
    const b = await visitor(browser, baseURL!);
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');

    // A goes home: its page is listed, titled by its first line, hosted by B.
    await home(a.page);
    const entry = listed(a.page, hash);
    await expect(entry.locator('.your-page-title')).toHaveText(title);
    await expect(entry).toContainText('created');
    await expect(entry.getByTestId('your-page-count')).toHaveText('1 host');
    await expect(entry).not.toHaveClass(/gone/);
    // B's list has it too, as opened.
    await home(b.page);
    await expect(listed(b.page, hash)).toContainText('opened');

    // B leaves the site: nobody hosts the page; A's list shows it greyed out.
    await b.context.close();
    await expect(entry.getByTestId('your-page-count')).toHaveText('no hosts');
    await expect(entry).toHaveClass(/gone/);
    // However many pages are listed, one socket follows them all.
    await create(a.page, unique('another page'));
    const tab = await a.context.newPage();
    const sockets: string[] = [];
    tab.on('websocket', (ws) => sockets.push(ws.url()));
    await tab.goto('/');
    await hydrated(tab);
    // The first tab's keeper hears the counts; this one opens no socket.
    await expect(tab.getByTestId('your-page-count')).toHaveText(['1 host', 'no hosts']);
    expect(sockets, 'the other tab follows the list').toEqual([]);
    // That tab closes: this one takes over, and one socket follows them all.
    await a.page.close();
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(1);
    await expect(tab.getByTestId('your-page-count')).toHaveText(['no hosts', 'no hosts']);
    expect(sockets.length, 'one socket follows the whole list').toBe(1);
    // The list is in this browser only: another browser's homepage has none.
    const c = await visitor(browser, baseURL!);
    await c.page.goto('/');
    await hydrated(c.page);
    await expect(c.page.getByTestId('your-pages')).toHaveCount(0);
    await c.context.close();
    await a.context.close();
  });

  test('a kept page is hosted again when its author opens the site, and Forget removes it and its copy', async ({ browser, baseURL }) => {
    const a = await visitor(browser, baseURL!);
    const text = unique('worth keeping');
    const hash = await create(a.page, text);
    await a.page.getByLabel('Keep a copy in this browser').check();
    await expect(a.page.getByTestId('keep-status')).toBeVisible();
    // The author closes the tab: nobody hosts it any more.
    await a.page.close();
    const b = await visitor(browser, baseURL!);
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'nobodyhosting');

    // The author opens the site again (any page): the kept copy is hosted, and B gets it.
    const again = await a.context.newPage();
    await again.goto('/');
    await hydrated(again);
    await expect(listed(again, hash).getByTestId('kept-badge')).toHaveText('Copy kept');
    await expect(b.page.getByTestId('page-text')).toHaveText(text);
    await expect(listed(again, hash).getByTestId('your-page-count')).toHaveText('2 hosts');
    await again.screenshot({ path: screenshotPath('your-pages-desktop'), fullPage: true });

    // Forget: gone from the list and from IndexedDB; the browser stops hosting it.
    await listed(again, hash).getByRole('button', { name: /^Forget “/ }).click();
    await expect(listed(again, hash)).toHaveCount(0);
    // The copy is deleted in the background, right after the list changes.
    const copy = () =>
      again.evaluate(
        (key) =>
          new Promise((resolve) => {
            const open = indexedDB.open('ep2p');
            open.onsuccess = () => {
              const get = open.result.transaction('pages').objectStore('pages').get(key);
              get.onsuccess = () => resolve(get.result ?? null);
            };
          }),
        hash,
      );
    await expect.poll(copy, { timeout: 5_000 }).toBeNull();
    await expect(b.page.getByTestId('health')).toHaveText('1 host');
    await b.context.close();
    await a.context.close();
  });

  test('two tabs keep one socket: a kept page counts once, and another tab takes over when the keeping one closes', async ({ browser, baseURL }) => {
    const a = await visitor(browser, baseURL!);
    const text = unique('kept by one tab of many');
    const hash = await create(a.page, text);
    await a.page.getByLabel('Keep a copy in this browser').check();
    await expect(a.page.getByTestId('keep-status')).toBeVisible();
    /** Another tab of the same browser, and the relay sockets it opens. */
    const tab = async (path: string) => {
      const page = await a.context.newPage();
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(path);
      await hydrated(page);
      return { page, sockets };
    };
    // The author's tab keeps; a second tab on the homepage opens no socket
    // of its own and shows the count the first one hears.
    const second = await tab('/');
    await expect(listed(second.page, hash).getByTestId('your-page-count')).toHaveText('1 host');
    expect(second.sockets).toEqual([]);

    // The keeping tab closes: the second takes over (its keeper socket)
    // and hosts the kept copy, so a reader still gets it.
    await a.page.close();
    await expect.poll(() => second.sockets.length, { timeout: 10_000 }).toBe(1);
    const b = await visitor(browser, baseURL!);
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('page-text')).toHaveText(text);
    await expect(b.page.getByTestId('health')).toHaveText('2 hosts');

    // A third tab on the homepage adds no host (without sharing it would
    // keep the page too: 3 hosts).
    const third = await tab('/');
    await expect(listed(third.page, hash).getByTestId('your-page-count')).toHaveText('2 hosts');
    expect(third.sockets).toEqual([]);
    // The third tab opens the page: it hosts it itself, and the keeping tab
    // leaves it to that tab, so this browser still counts once.
    await third.page.goto(`/${hash}`);
    await expect(third.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    // Presence settles within milliseconds; two seconds leave no doubt
    // (without the hand-over the count would now stay at 3).
    await third.page.waitForTimeout(2_000);
    await expect(third.page.getByTestId('health')).toHaveText('2 hosts');
    await expect(b.page.getByTestId('health')).toHaveText('2 hosts');
    await b.context.close();
    await a.context.close();
  });

  test('Forget all asks once more, then empties the list', async ({ page }) => {
    const first = await create(page, unique('first'));
    await create(page, unique('second'));
    await home(page);
    await expect(page.getByTestId('your-page')).toHaveCount(2);
    await page.getByTestId('forget-all').click();
    await expect(page.getByTestId('forget-all')).toHaveText('Forget all 2 pages');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(listed(page, first)).toHaveCount(1);
    await page.getByTestId('forget-all').click();
    await page.getByTestId('forget-all').click();
    await expect(page.getByTestId('your-pages')).toHaveCount(0);
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('your-pages')).toHaveCount(0);
  });

  test('the QR code holds the whole link, key included; the share sheet gets the link', async ({ browser, baseURL }) => {
    const a = await visitor(browser, baseURL!);
    await a.page.addInitScript(() => {
      (navigator as unknown as { share: (d: object) => Promise<void> }).share = async (data: object) => {
        (window as unknown as { shared: object }).shared = data;
      };
    });
    const { hash, key } = await createEncrypted(a.page, unique('scan me'));
    await a.page.getByTestId('share').click();
    await expect(a.page.getByRole('img', { name: /QR/ })).toBeVisible();
    expect(await decodeQr(a.page)).toBe(`${baseURL}/${hash}#${key}`);
    await a.page.getByTestId('share-sheet').click();
    const shared = await a.page.evaluate(() => (window as unknown as { shared: { url: string } }).shared);
    expect(shared.url).toBe(`${baseURL}/${hash}#${key}`);
    await a.context.close();

    // Without a share sheet there is no Share… button.
    const b = await visitor(browser, baseURL!);
    await b.page.addInitScript(() => {
      delete (Navigator.prototype as unknown as { share?: unknown }).share;
    });
    const plain = await create(b.page, unique('plain'));
    await b.page.getByTestId('share').click();
    expect(await decodeQr(b.page)).toBe(`${baseURL}/${plain}`);
    await expect(b.page.getByTestId('share-sheet')).toHaveCount(0);
    await b.context.close();
  });

  test('on a phone: the list and the share panel', async ({ browser, baseURL }) => {
    const phone = await visitor(browser, baseURL!, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const hash = await create(phone.page, unique('Shopping list\n- bread\n- tea'));
    await phone.page.getByTestId('share').click();
    await expect(phone.page.getByTestId('qr')).toBeVisible();
    await phone.page.screenshot({ path: screenshotPath('share-phone'), fullPage: true });
    expect(await decodeQr(phone.page)).toBe(`${baseURL}/${hash}`);
    const other = await visitor(browser, baseURL!);
    await other.page.goto(`/${hash}`);
    await expect(other.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await create(phone.page, unique('A second page, nobody else has it'));
    await home(phone.page);
    await expect(listed(phone.page, hash).getByTestId('your-page-count')).toHaveText('1 host');
    await expect(phone.page.locator('.your-page.gone')).toHaveCount(1);
    await phone.page.screenshot({ path: screenshotPath('your-pages-phone'), fullPage: true });
    await other.context.close();
    await phone.context.close();
  });
});

test.describe('installable', () => {
  test('every page links a valid manifest whose icons load', async ({ page, request }) => {
    const hash = await create(page, unique('with a manifest'));
    for (const path of ['/', `/${hash}`, '/not-a-page']) {
      await page.goto(path);
      await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/assets/manifest.webmanifest');
      await expect(page.locator('meta[name="theme-color"]')).toHaveCount(2);
    }
    const response = await request.get('/assets/manifest.webmanifest');
    expect(response.ok()).toBe(true);
    const manifest = await response.json();
    expect(manifest).toMatchObject({ name: 'Ephemeral P2P', start_url: '/', display: 'standalone' });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
    const sizes = new Set<string>();
    for (const icon of manifest.icons) {
      const file = await request.get(icon.src);
      expect(file.ok(), icon.src).toBe(true);
      expect(file.headers()['content-type']).toBe(icon.type);
      if (icon.type === 'image/png') {
        const png = PNG.sync.read(await file.body());
        expect(`${png.width}x${png.height}`).toBe(icon.sizes);
        sizes.add(icon.sizes);
      }
    }
    expect([...sizes].sort()).toEqual(['192x192', '512x512']);
  });

  test('the service worker registers and serves the app shell offline; pages still need peers', async ({ browser, baseURL }) => {
    const { context, page } = await visitor(browser, baseURL!);
    await page.goto('/');
    await hydrated(page);
    await workerInControl(page);
    const hash = await create(page, unique('written before going offline'));
    await context.setOffline(true);
    await page.goto('/');
    await hydrated(page);
    await expect(page.getByLabel('Page text')).toBeVisible();
    await expect(listed(page, hash)).toHaveCount(1);
    // A page's address is not the shell: offline, it is not served from any cache.
    const offline = await page.goto(`/${hash}`).catch((e: Error) => e);
    expect(offline).toBeInstanceOf(Error);
    await context.setOffline(false);
    await context.close();
  });
});
