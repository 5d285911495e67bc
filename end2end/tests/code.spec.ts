import { test, expect, create, createEncrypted, expectAccessible, screenshotPath, unique, visitor } from './fixtures';

// The code view (SPEC §15): highlighting by a lazy part of the WASM, line
// numbers, links to lines that a second browser opens at those lines.

/** A Rust file of `n` lines (a function per ten lines), unique per test. */
function rustSource(label: string, n: number): string {
  const lines = [`// ${unique(label)}`, 'use std::collections::HashMap;', ''];
  for (let i = lines.length; i < n; i++) {
    lines.push(i % 10 === 3 ? `pub fn step_${i}(x: u32) -> u32 {` : i % 10 === 4 ? `    let s = "line ${i}"; x + ${i}` : i % 10 === 5 ? '}' : `// filler line ${i}`);
  }
  return lines.join('\n');
}

test.describe('the code view', () => {
  test('highlights a page, detects its language, links lines, and a second browser opens the link there', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const grammars: string[] = [];
    author.page.on('request', (r) => {
      if (r.url().includes('/assets/grammars')) grammars.push(r.url());
    });
    const text = rustSource('highlighted', 200);
    const hash = await create(author.page, text);
    // Nothing of the highlighter comes before a reader chooses it.
    expect(grammars).toEqual([]);

    await author.page.getByTestId('view-code').click();
    const code = author.page.getByTestId('page-code');
    await expect(code).toHaveAttribute('data-language', 'rs');
    await expect(code).toHaveAttribute('data-detected', 'true');
    await expect(author.page.getByTestId('code-language')).toContainText('Detect (Rust)');
    expect(grammars).toHaveLength(1);
    await expect(author.page).toHaveURL(`/${hash}#code`);
    await expect(author.page.getByTestId('view-code')).toHaveAttribute('aria-pressed', 'true');
    // Every line numbered, its text as written, its tokens coloured.
    await expect(author.page.getByTestId('line-number')).toHaveCount(200);
    const row = author.page.locator('#line-4');
    await expect(row.locator('td.src')).toHaveText('pub fn step_3(x: u32) -> u32 {');
    await expect(row.locator('.hl-storage, .hl-keyword').first()).toBeVisible();
    await expect(author.page.locator('#line-5 .hl-string').first()).toHaveText(/"line 4"/);
    await expect(author.page.locator('#line-1 .hl-comment').first()).toBeVisible();
    const color = await author.page.locator('#line-5 .hl-string').first().evaluate((el) => getComputedStyle(el).color);
    const plain = await author.page.locator('#line-3 td.src').evaluate((el) => getComputedStyle(el).color);
    expect(color).not.toBe(plain);

    // The reader picks another language; the link follows. Then back to Rust.
    await author.page.getByTestId('code-language').selectOption('py');
    await expect(code).toHaveAttribute('data-language', 'py');
    await expect(author.page).toHaveURL(`/${hash}#code-py`);
    await author.page.getByTestId('code-language').selectOption('rs');
    await expect(code).toHaveAttribute('data-detected', 'false');
    await expect(author.page).toHaveURL(`/${hash}#code-rs`);

    // Line 150, then Shift to line 160: a range.
    await author.page.locator('#line-150').getByTestId('line-number').click();
    await expect(author.page).toHaveURL(`/${hash}#code-rs.L150`);
    await author.page.locator('#line-160').getByTestId('line-number').click({ modifiers: ['Shift'] });
    await expect(author.page).toHaveURL(`/${hash}#code-rs.L150-L160`);
    await expect(author.page.locator('tr.linked')).toHaveCount(11);
    await author.page.locator('#line-150').scrollIntoViewIfNeeded();
    await author.page.screenshot({ path: screenshotPath('code-view') });
    await expectAccessible(author.page, 'the code view');

    // A second browser opens the link: the code view, the lines marked and in view.
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}#code-rs.L150-L160`);
    await expect(reader.page.getByTestId('page-code')).toHaveAttribute('data-language', 'rs');
    await expect(reader.page.locator('tr.linked')).toHaveCount(11);
    await expect(reader.page.locator('#line-150')).toHaveClass(/linked/);
    await expect(reader.page.locator('#line-149')).not.toHaveClass(/linked/);
    await expect(reader.page.locator('#line-155')).toBeInViewport();
    await expect(reader.page.locator('#line-1')).not.toBeInViewport();
    await reader.page.screenshot({ path: screenshotPath('code-view-linked-lines') });
    // Text again: the lines stay in the link, the view goes.
    await reader.page.getByTestId('view-text').click();
    await expect(reader.page).toHaveURL(`/${hash}#L150-L160`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    for (const v of [author, reader]) await v.context.close();
  });

  test('an encrypted page’s link keeps its key beside the view and the lines', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const text = '#!/bin/sh\n# a secret script\necho "hello"\nexit 0\n';
    const { hash, key } = await createEncrypted(author.page, text);
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}#${key}.code.L3`);
    const code = reader.page.getByTestId('page-code');
    await expect(code).toHaveAttribute('data-language', 'sh');
    await expect(reader.page.locator('#line-3')).toHaveClass(/linked/);
    await expect(reader.page.locator('#line-3 td.src')).toHaveText('echo "hello"');
    await reader.page.locator('#line-1').getByTestId('line-number').click();
    await expect(reader.page).toHaveURL(`/${hash}#${key}.code.L1`);
    for (const v of [author, reader]) await v.context.close();
  });

  test('plain prose stays plain, numbered, and page text never becomes markup', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const text = `${unique('prose')}\n<img src=x onerror="window.pwned=1"> & <b>not bold</b>`;
    const hash = await create(author.page, text);
    await author.page.goto(`/${hash}#code`);
    const code = author.page.getByTestId('page-code');
    await expect(code).toHaveAttribute('data-language', '');
    await expect(author.page.getByTestId('code-language')).toContainText('Detect (plain text)');
    await expect(author.page.locator('#line-2 td.src')).toHaveText('<img src=x onerror="window.pwned=1"> & <b>not bold</b>');
    await expect(code.locator('img, b')).toHaveCount(0);
    expect(await author.page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // HTML chosen: still text, coloured.
    await author.page.getByTestId('code-language').selectOption('html');
    await expect(code).toHaveAttribute('data-language', 'html');
    await expect(code.locator('img, b')).toHaveCount(0);
    await expect(author.page.locator('#line-2 td.src')).toHaveText('<img src=x onerror="window.pwned=1"> & <b>not bold</b>');
    await author.context.close();
  });
});
