import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, ENCRYPTED_LINK, expectAccessible, hydrated, recordFrames, screenshotPath, unique, visitor, withApp } from './fixtures';

// A password on top of the link's key (SPEC §15): the page key is
// PBKDF2-SHA256 of the password salted with the link's key, so the link
// alone reads nothing; readers are asked for it.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Password pages' known answers (core's tests check them too; made by Python's hashlib and OpenSSL). */
type Vector = { key: string; password: string; iterations: number; text: string; wire: string };
const vectors: Vector[] = JSON.parse(readFileSync(path.join(root, 'core', 'vectors', 'password.json'), 'utf8'));

type App = { openPasswordPage(wire: string, key: string, password: string): Promise<string> };

test.describe('password pages', () => {
  test('the browser opens the known answers, refuses a wrong password, and the KDF time is reported', async ({ page }) => {
    expect(vectors.some((v) => v.iterations === 600_000)).toBe(true);
    const results = await withApp(page, async (app: App, vectors: Vector[]) => {
      const out = [];
      for (const v of vectors) {
        const t0 = performance.now();
        const opened = await app.openPasswordPage(v.wire, v.key, v.password);
        const ms = performance.now() - t0;
        let wrong = '';
        try {
          await app.openPasswordPage(v.wire, v.key, v.password + '!');
        } catch (e) {
          wrong = String((e as Error).message);
        }
        out.push({ opened, wrong, ms, iterations: v.iterations });
      }
      return out;
    }, vectors);
    results.forEach((r, i) => {
      expect(r.opened, `vector ${i}`).toBe(vectors[i].text);
      expect(r.wrong, `vector ${i}`).toContain('the password does not open this page');
    });
    const current = results.find((r) => r.iterations === 600_000)!;
    const report = `PBKDF2-SHA256, 600,000 iterations, in Web Crypto: ${current.ms.toFixed(0)} ms (with the AES-GCM decryption)`;
    console.log(report);
    test.info().annotations.push({ type: 'kdf-time', description: report });
  });

  test('a reader is asked for the password: missing, wrong, then right; the link alone reads nothing', async ({ browser, server }) => {
    const author = await visitor(browser, server.url);
    const frames: string[] = [];
    recordFrames(author.page, frames);
    const text = unique('behind a password');
    await author.page.goto('/');
    await hydrated(author.page);
    await author.page.getByLabel('Encrypt').check();
    const password = 'correct horse 🐎 battery';
    await author.page.getByLabel('Password (optional)').fill(password);
    await author.page.getByLabel('Page text').fill(text);
    await expectAccessible(author.page, 'the homepage with a password');
    await author.page.getByRole('button', { name: 'Create page' }).click();
    await expect(author.page).toHaveURL(ENCRYPTED_LINK);
    // The author's tab opens its own page with the password it was given.
    await expect(author.page.getByTestId('page-text')).toHaveText(text);
    await expect(author.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    const link = author.page.url();

    const reader = await visitor(browser, server.url);
    await reader.page.goto(link.replace(server.url, ''));
    const locked = reader.page.getByTestId('locked');
    await expect(locked).toHaveAttribute('data-why', 'needspassword');
    await expect(locked).toContainText('protected by a password');
    await expect(reader.page.getByTestId('page-text')).toHaveCount(0);
    // The reader hosts the page, unreadable, all the same.
    await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(reader.page.getByTestId('health')).toHaveText('2 hosts');
    await reader.page.screenshot({ path: screenshotPath('password-prompt'), fullPage: true });
    await expectAccessible(reader.page, 'the password prompt');

    // Missing: the form does not send an empty password.
    await reader.page.getByTestId('open-with-password').click();
    await expect(locked).toHaveAttribute('data-why', 'needspassword');
    // Wrong.
    await reader.page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await reader.page.getByTestId('open-with-password').click();
    await expect(locked).toHaveAttribute('data-why', 'wrongpassword');
    await expect(locked).toContainText('That password does not open this page');
    await expect(reader.page.getByTestId('page-text')).toHaveCount(0);
    await reader.page.screenshot({ path: screenshotPath('password-wrong'), fullPage: true });
    // Right, submitted with Enter.
    await reader.page.getByLabel('Password', { exact: true }).fill(password);
    await reader.page.getByLabel('Password', { exact: true }).press('Enter');
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(locked).toHaveCount(0);

    // The chat is sealed with the key the password made: the author reads it.
    for (const v of [author, reader]) {
      const toggle = v.page.getByTestId('chat-toggle');
      if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    }
    await reader.page.getByLabel('Message', { exact: true }).fill('read it, thanks');
    await reader.page.getByLabel('Message', { exact: true }).press('Enter');
    await expect(author.page.getByTestId('chat-log')).toContainText('read it, thanks');
    await expect(reader.page.getByTestId('chat-log')).toContainText('read it, thanks');

    // Nothing the relay saw holds the text, the password, the message or the link's key.
    const key = ENCRYPTED_LINK.exec(link)![2];
    const sent = frames.join('\n');
    expect(sent).toContain('ep2p1:pbkdf2-sha256:600000:');
    for (const secret of [text, password, key, 'read it, thanks']) expect(sent).not.toContain(secret);
    for (const v of [author, reader]) await v.context.close();
  });
});
