import { test, expect, hydrated, pageHash, Server, screenshotPath, watchErrors } from './fixtures';

test.describe('homepage', () => {
  test('is rendered on the server with the limit, then hydrates', async ({ page }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('lives only while people look at it');
    await expect(page.getByTestId('byte-counter')).toHaveText('0 / 1,048,576 bytes');
    await expect(page.getByRole('button', { name: 'Create page' })).toBeVisible();
    await hydrated(page);
    // Typing updates the counter in bytes of UTF-8: only hydrated code can do that.
    await page.getByLabel('Page text').fill('héllo 😀');
    await expect(page.getByTestId('byte-counter')).toHaveText('11 / 1,048,576 bytes');
  });

  test('refuses empty text with a clear message and creates nothing', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.getByRole('button', { name: 'Create page' }).click();
    await expect(page.getByTestId('draft-error')).toHaveText(/Write something first/);
    await page.getByLabel('Page text').fill('   \n  ');
    await page.getByRole('button', { name: 'Create page' }).click();
    await expect(page.getByTestId('draft-error')).toHaveText(/Write something first/);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  test('refuses text over the limit with a clear message and creates nothing', async ({ browser }) => {
    const small = await Server.start(['--content-limit', '16']);
    try {
      const page = await browser.newPage({ baseURL: small.url });
      watchErrors(page);
      await page.goto('/');
      await expect(page.getByTestId('byte-counter')).toHaveText('0 / 16 bytes');
      await hydrated(page);
      await page.getByLabel('Page text').fill('four emoji: 😀😀😀😀');
      await expect(page.getByTestId('byte-counter')).toHaveText('28 / 16 bytes');
      await expect(page.getByTestId('byte-counter')).toHaveClass(/over/);
      await page.getByRole('button', { name: 'Create page' }).click();
      await expect(page.getByTestId('draft-error')).toHaveText(
        'This text is 28 bytes; a page can hold at most 16 bytes. Shorten it by 12 bytes.',
      );
      expect(new URL(page.url()).pathname).toBe('/');
      // Back under the limit, the message goes and the page is created.
      await page.getByLabel('Page text').fill('short');
      await expect(page.getByTestId('draft-error')).toBeEmpty();
      await page.getByRole('button', { name: 'Create page' }).click();
      await expect(page).toHaveURL(`/${pageHash('short')}`);
    } finally {
      await small.stop();
    }
  });

  test('Create page moves to /<sha256> without a reload and shows the text', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.evaluate(() => ((window as any).__noReload = true));
    const text = 'Hello, peers! 👋\nSecond line.';
    await page.getByLabel('Page text').fill(text);
    await page.getByRole('button', { name: 'Create page' }).click();
    await expect(page).toHaveURL(`/${pageHash(text)}`);
    await expect(page.getByTestId('page-text')).toHaveText(text);
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  });

  test('Ctrl+Enter creates the page too', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.getByLabel('Page text').fill('made with the keyboard');
    await page.getByLabel('Page text').press('Control+Enter');
    await expect(page).toHaveURL(`/${pageHash('made with the keyboard')}`);
  });

  test('screenshots, light and dark, desktop and phone', async ({ browser, server }) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const page = await browser.newPage({ baseURL: server.url, colorScheme, viewport });
        watchErrors(page);
        await page.goto('/');
        await hydrated(page);
        await page.getByLabel('Page text').fill('A note for whoever is here right now.');
        await page.screenshot({ path: screenshotPath(`home-${device}-${colorScheme}`), fullPage: true });
        await page.close();
      }
    }
  });
});

test.describe('addresses that are not pages', () => {
  for (const bad of ['/not-a-hash', `/${'A'.repeat(64)}`, `/${'a'.repeat(63)}`, '/a/b']) {
    test(`${bad.slice(0, 20)} shows the 404 page`, async ({ page }) => {
      const response = await page.goto(bad);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
      await expect(page.getByRole('link', { name: 'Write a new page' })).toHaveAttribute('href', '/');
    });
  }

  test('/healthz answers ok', async ({ request }) => {
    const response = await request.get('/healthz');
    expect(response.status()).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });
});
