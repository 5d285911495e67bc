import { test, expect, expectAccessible, hydrated, pageHash, screenshotPath, unique, visitor } from './fixtures';

// The interface in the reader's language (SPEC §15): chosen from
// Accept-Language when the server renders, switchable at once, remembered.

test.describe('languages', () => {
  test('German from Accept-Language, switched to Japanese without a reload, remembered for the next render', async ({ browser, baseURL }) => {
    const de = await visitor(browser, baseURL!, { locale: 'de-DE' });
    // The server's HTML is German already: nothing waits for the app.
    const first = await de.context.request.get('/', { headers: { 'Accept-Language': 'de-DE,de;q=0.9,en;q=0.8' } });
    expect(first.headers()['vary']).toMatch(/Accept-Language/);
    const html = await first.text();
    expect(html).toContain('<html lang="de"');
    expect(html).toContain('Neue Seite');
    // The head too, which is rendered after the body: a 404's title.
    const missing = await de.context.request.get('/no-such-page', { headers: { 'Accept-Language': 'de' } });
    expect(missing.status()).toBe(404);
    expect(await missing.text()).toContain('<title>Nicht gefunden · Ephemeral P2P</title>');

    await de.page.goto('/');
    await hydrated(de.page);
    await expect(de.page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(de.page.getByRole('link', { name: 'Neue Seite' })).toBeVisible();
    await expect(de.page.getByTestId('language')).toHaveValue('de');
    await expectAccessible(de.page, 'the homepage in German');
    await de.page.screenshot({ path: screenshotPath('home-german'), fullPage: true });

    // A page written in the German interface.
    const text = unique('eine Seite in fünf Sprachen');
    await de.page.getByLabel('Text der Seite').fill(text);
    await de.page.getByRole('button', { name: 'Seite erstellen' }).click();
    await expect(de.page).toHaveURL(`/${pageHash(text)}`);
    await expect(de.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(de.page.getByTestId('status')).toContainText('Du hostest diese Seite.');

    // Japanese: every text changes at once, with no reload (the page stays hosted).
    await de.page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await de.page.getByTestId('language').selectOption('ja');
    await expect(de.page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(de.page.getByRole('link', { name: '新しいページ' })).toBeVisible();
    await expect(de.page.getByTestId('status')).toContainText('このページをホストしています。');
    await expect(de.page.getByRole('button', { name: 'リンクをコピー' })).toBeVisible();
    await expect(de.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    expect(await de.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // A reader in English gets the page, in English; the host counts in Japanese.
    const en = await visitor(browser, baseURL!);
    await en.page.goto(`/${pageHash(text)}`);
    await expect(en.page.getByTestId('page-text')).toHaveText(text);
    await expect(en.page.getByRole('link', { name: 'New page' })).toBeVisible();
    await expect(de.page.getByTestId('health')).toHaveText('ホスト 2');
    await expectAccessible(de.page, 'a page in Japanese');
    await de.page.screenshot({ path: screenshotPath('page-japanese'), fullPage: true });

    // Remembered: the next render is Japanese whatever Accept-Language says.
    const next = await de.context.request.get('/', { headers: { 'Accept-Language': 'de-DE,de;q=0.9' } });
    expect(await next.text()).toContain('<html lang="ja"');
    const again = await de.context.newPage();
    await again.goto('/');
    await hydrated(again);
    await expect(again.getByRole('button', { name: 'ページを作成' })).toBeVisible();
    await expect(again.getByTestId('language')).toHaveValue('ja');
    await en.context.close();
    await de.context.close();
  });

  test('every language renders and hydrates the same, and says its own name', async ({ browser, baseURL }) => {
    for (const [locale, lang, newPage] of [
      ['fr-FR', 'fr', 'Nouvelle page'],
      ['es-ES', 'es', 'Nueva página'],
      ['ja-JP', 'ja', '新しいページ'],
      ['pt-BR', 'en', 'New page'],
    ]) {
      const v = await visitor(browser, baseURL!, { locale });
      await v.page.goto('/');
      await hydrated(v.page);
      await expect(v.page.locator('html')).toHaveAttribute('lang', lang);
      await expect(v.page.getByRole('link', { name: newPage })).toBeVisible();
      await expect(v.page.getByTestId('language').locator('option')).toHaveText(['English', 'Deutsch', 'Français', 'Español', '日本語']);
      await v.context.close();
    }
  });
});
