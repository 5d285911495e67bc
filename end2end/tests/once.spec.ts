import { test, expect, expectAccessible, hydrated, screenshotPath, unique, visitor } from './fixtures';

// A one-time page (SPEC §15): only its author hosts it; its reader first
// sees "Open this one-time page", so link previews burn nothing; the relay
// passes it to that one reader, the author's tab lets it go, and nobody
// else can open it.

const PAGE_LINK = /\/([0-9a-f]{64})$/;

test.describe('a one-time page', () => {
  test('is read once behind its door, then is gone for its author and for everyone else', async ({ browser, server, request }) => {
    const author = await visitor(browser, server.url);
    await author.page.goto('/');
    await hydrated(author.page);
    const text = unique('read me once');
    await author.page.getByLabel('Page text').fill(text);
    await author.page.getByTestId('one-time').check();
    await expect(author.page.getByTestId('one-time-note')).toBeVisible();
    await author.page.getByRole('button', { name: 'Create page' }).click();
    await expect(author.page).toHaveURL(PAGE_LINK);
    const hash = PAGE_LINK.exec(author.page.url())![1];
    await expect(author.page.getByTestId('page-text')).toHaveText(text);
    await expect(author.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(author.page.getByTestId('keep-copy')).toBeHidden();
    await expect(author.page.getByTestId('raw-link')).toHaveCount(0);

    // A link preview (a plain GET of the link) gets the door, not the text; /raw gets nothing.
    const preview = await request.get(`${server.url}/${hash}`);
    expect(preview.status()).toBe(200);
    const html = await preview.text();
    expect(html).toContain('Open this one-time page');
    expect(html).not.toContain(text);
    const raw = await request.get(`${server.url}/${hash}/raw`);
    expect(raw.status()).toBe(403);
    expect(await raw.text()).not.toContain(text);

    // The reader sees the door first: nothing fetched, the author still hosts it.
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}`);
    await hydrated(reader.page);
    await expect(reader.page.getByTestId('one-time-gate')).toBeVisible();
    await expect(reader.page.getByTestId('page-text')).toHaveCount(0);
    await expect(reader.page.getByTestId('raw-link')).toHaveCount(0);
    await reader.page.waitForTimeout(500);
    await expect(author.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await reader.page.screenshot({ path: screenshotPath('one-time-door'), fullPage: true });
    await expectAccessible(reader.page, 'a one-time page’s door');

    await reader.page.getByTestId('open-one-time').click();
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'read');
    await expect(reader.page.getByTestId('one-time-gate')).toHaveCount(0);
    await reader.page.screenshot({ path: screenshotPath('one-time-read'), fullPage: true });
    await expectAccessible(reader.page, 'a one-time page read');

    // The author's tab lets it go.
    await expect(author.page.getByTestId('status')).toHaveAttribute('data-phase', 'delivered');
    await expect(author.page.getByTestId('page-text')).toHaveCount(0);
    await expect(author.page.getByTestId('status')).toContainText('opened by its reader');

    // A third browser: the door says it may be gone, and opening it brings nothing.
    const third = await visitor(browser, server.url);
    await third.page.goto(`/${hash}`);
    await hydrated(third.page);
    await expect(third.page.getByTestId('one-time-gone')).toBeVisible();
    await third.page.getByTestId('open-one-time').click();
    await third.page.waitForTimeout(2_000);
    await expect(third.page.getByTestId('page-text')).toHaveCount(0);
    await expect(third.page.getByTestId('status')).not.toHaveAttribute('data-phase', 'read');
    for (const v of [author, reader, third]) await v.context.close();
  });
});
