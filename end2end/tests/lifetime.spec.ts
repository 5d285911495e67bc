import { test, expect, expectAccessible, hydrated, screenshotPath, Server, unique, visitor } from './fixtures';

// A page with a lifetime (SPEC §15): the end is inside the hashed page,
// every host counts down and lets it go at its end, and afterwards nobody
// can get it. The server offers a 5-second lifetime for this test only
// (EP2P_TEST_LIFETIME_SECS); the relay's own refusal is tested in
// relay/tests/lifetime.rs.

const PAGE_LINK = /\/([0-9a-f]{64})$/;

test.describe('a page with a lifetime', () => {
  test('counts down for every host, ends for all of them at once, and is gone for a later reader', async ({ browser }) => {
    const server = await Server.start([], 0, { EP2P_TEST_LIFETIME_SECS: '6' });
    try {
      const author = await visitor(browser, server.url);
      await author.page.goto('/');
      await hydrated(author.page);
      const text = unique('only for a few seconds');
      await author.page.getByLabel('Page text').fill(text);
      const lifetime = author.page.getByTestId('lifetime');
      // The real choices, and the test's.
      await expect(lifetime.locator('option')).toHaveText([
        'Until the last host leaves', '6 seconds (test)', '5 minutes', '1 hour', '1 day', '1 week',
      ]);
      await lifetime.selectOption('6');
      await expectAccessible(author.page, 'the homepage with a lifetime');
      await author.page.getByRole('button', { name: 'Create page' }).click();
      await expect(author.page).toHaveURL(PAGE_LINK);
      const hash = PAGE_LINK.exec(author.page.url())![1];
      await expect(author.page.getByTestId('page-text')).toHaveText(text);
      await expect(author.page.getByTestId('ends-in')).toContainText('This page ends in');
      // Nothing to keep: it will be gone.
      await expect(author.page.getByTestId('keep-copy')).toBeHidden();

      const reader = await visitor(browser, server.url);
      await reader.page.goto(`/${hash}`);
      await expect(reader.page.getByTestId('page-text')).toHaveText(text);
      await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
      await expect(reader.page.getByTestId('health')).toHaveText('2 hosts');
      await expect(reader.page.getByTestId('ends-in')).toHaveText(/This page ends in [1-6] s/);
      await reader.page.screenshot({ path: screenshotPath('lifetime-counting-down'), fullPage: true });

      // Its end: both let it go.
      for (const v of [author, reader]) {
        await expect(v.page.getByTestId('status')).toHaveAttribute('data-phase', 'ended', { timeout: 10_000 });
        await expect(v.page.getByTestId('ends-in')).toHaveText(/This page has ended/);
        await expect(v.page.getByTestId('page-text')).toHaveCount(0);
      }
      await expect(reader.page.getByTestId('status')).toContainText('This page has ended');
      await reader.page.screenshot({ path: screenshotPath('lifetime-ended'), fullPage: true });
      await expectAccessible(reader.page, 'an ended page');

      // A later reader: nobody has it.
      const late = await visitor(browser, server.url);
      await late.page.goto(`/${hash}`);
      await expect(late.page.getByTestId('status')).toHaveAttribute('data-phase', 'nobodyhosting');
      await expect(late.page.getByTestId('page-text')).toHaveCount(0);
      for (const v of [author, reader, late]) await v.context.close();
    } finally {
      await server.stop();
    }
  });
});
