import { readFileSync } from 'node:fs';
import { test, expect, create, createEncrypted, pageHash, screenshotPath, unique, visitor } from './fixtures';

// What a reader does with a page's text besides reading it (SPEC §15):
// copy it, save it as a file, or write a new page from it.

test.describe('a page’s text', () => {
  test('Copy text puts the exact text on the clipboard, and Download saves it as a .txt or .md file', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const text = `${unique('copied and saved')}\n  indented line ✓\n\n# not a heading in .txt`;
    const hash = await create(author.page, text);

    const reader = await visitor(browser, server.url, { acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] });
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await reader.page.getByTestId('copy-text').click();
    await expect(reader.page.getByTestId('copy-text')).toHaveText('Copied');
    expect(await reader.page.evaluate(() => navigator.clipboard.readText())).toBe(text);

    const [download] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.getByTestId('download-text').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`page-${hash.slice(0, 12)}.txt`);
    expect(readFileSync(await download.path()).toString('utf8')).toBe(text);

    // In the Markdown view it is saved as Markdown.
    await reader.page.getByTestId('view-markdown').click();
    const [markdown] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.getByTestId('download-text').click(),
    ]);
    expect(markdown.suggestedFilename()).toBe(`page-${hash.slice(0, 12)}.md`);
    expect(readFileSync(await markdown.path()).toString('utf8')).toBe(text);
    for (const v of [author, reader]) await v.context.close();
  });

  test('Edit as a new page: the text comes to the homepage, and the new page says what it was written from', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const original = unique('the first version');
    const hash = await create(author.page, original);

    const editor = await visitor(browser, server.url);
    await editor.page.goto(`/${hash}`);
    await expect(editor.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await editor.page.getByTestId('edit-as-new').click();
    await expect(editor.page).toHaveURL(/\/$/);
    const input = editor.page.getByLabel('Page text');
    await expect(input).toHaveValue(original);
    await expect(editor.page.getByTestId('editing-from')).toContainText(`page ${hash.slice(0, 12)}…`);
    const edited = `${original}, and a second version`;
    await input.fill(edited);
    await editor.page.screenshot({ path: screenshotPath('writing-edit-as-new'), fullPage: true });
    await editor.page.getByRole('button', { name: 'Create page' }).click();
    const newHash = pageHash(edited);
    await expect(editor.page).toHaveURL(`/${newHash}#from-${hash}`);
    await expect(editor.page.getByTestId('page-text')).toHaveText(edited);
    const basedOn = editor.page.getByTestId('based-on');
    await expect(basedOn).toContainText(`Written from page ${hash.slice(0, 12)}…`);
    await expect(basedOn.getByRole('link')).toHaveAttribute('href', `/${hash}`);
    await expect(editor.page.getByTestId('page-actions')).toBeVisible();
    await editor.page.screenshot({ path: screenshotPath('writing-based-on'), fullPage: true });

    // A reader of the new link sees it too; the old page is as it was.
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${newHash}#from-${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(edited);
    await expect(reader.page.getByTestId('based-on')).toContainText(hash.slice(0, 12));
    await reader.page.getByTestId('based-on').getByRole('link').click();
    await expect(reader.page).toHaveURL(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(original);
    for (const v of [author, editor, reader]) await v.context.close();
  });

  test('an encrypted page edited as new stays encrypted, with a key of its own', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const original = unique('a secret first version');
    const { hash, key } = await createEncrypted(author.page, original);
    await author.page.getByTestId('edit-as-new').click();
    await expect(author.page.getByLabel('Page text')).toHaveValue(original);
    await expect(author.page.getByTestId('encrypt')).toBeChecked();
    await author.page.getByLabel('Page text').fill(`${original} — revised`);
    await author.page.getByRole('button', { name: 'Create page' }).click();
    await expect(author.page).toHaveURL(new RegExp(`/([0-9a-f]{64})#([A-Za-z0-9_-]{43})\\.from-${hash}$`));
    expect(author.page.url()).not.toContain(key);
    await expect(author.page.getByTestId('page-text')).toHaveText(`${original} — revised`);
    await expect(author.page.getByTestId('based-on')).toBeVisible();
    await author.context.close();
  });
});

test.describe('hosts that stay', () => {
  test('the only host may keep its screen awake; the lock goes when another host comes and comes back after', async ({ browser, server }) => {
    const author = await visitor(browser, server.url, { viewport: { width: 390, height: 844 } });
    // Screen Wake Lock, recorded: headless Chromium has no screen to keep awake.
    await author.page.addInitScript(() => {
      const w = window as any;
      w.__wake = { requested: 0, released: 0 };
      Object.defineProperty(navigator, 'wakeLock', {
        configurable: true,
        value: {
          request: async (type: string) => {
            if (type !== 'screen') throw new Error(`wake lock of type ${type}`);
            w.__wake.requested += 1;
            const sentinel = new EventTarget() as any;
            sentinel.released = false;
            sentinel.release = async () => {
              if (sentinel.released) return;
              sentinel.released = true;
              w.__wake.released += 1;
              sentinel.dispatchEvent(new Event('release'));
            };
            return sentinel;
          },
        },
      });
    });
    const wake = () => author.page.evaluate(() => (window as any).__wake);
    await create(author.page, unique('kept awake on a phone'));
    const hash = new URL(author.page.url()).pathname.slice(1);
    const choice = author.page.getByTestId('stay-awake');
    await expect(choice).toBeVisible();
    await expect(choice).not.toBeChecked();
    expect(await wake()).toEqual({ requested: 0, released: 0 });
    await choice.check();
    await expect.poll(wake).toEqual({ requested: 1, released: 0 });
    await author.page.screenshot({ path: screenshotPath('stay-awake-phone') });

    // Another host: this tab is not the only one, the screen may sleep.
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(author.page.getByTestId('health')).toHaveText('2 hosts');
    await expect.poll(wake).toEqual({ requested: 1, released: 1 });
    await expect(choice).toBeHidden();
    // Alone again: kept awake again, as chosen.
    await reader.context.close();
    await expect(author.page.getByTestId('health')).toHaveText('1 host', { timeout: 15_000 });
    await expect.poll(wake).toEqual({ requested: 2, released: 1 });
    await expect(choice).toBeChecked();
    await author.context.close();
  });
});
