import type { Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import {
  test,
  expect,
  create,
  createEncrypted,
  hydrated,
  recordFrames,
  screenshotPath,
  unique,
  visitor,
} from './fixtures';

/** The messages a page's chat log shows, as "nick: text", oldest first. */
async function shown(page: Page): Promise<string[]> {
  const items = page.getByTestId('chat-message');
  const n = await items.count();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const item = items.nth(i);
    out.push(`${await item.locator('.chat-nick').innerText()}: ${await item.locator('.chat-text').innerText()}`);
  }
  return out;
}

/** Sets this browser's nickname. */
async function nickname(page: Page, nick: string): Promise<void> {
  const field = page.getByLabel('Nickname');
  await field.fill(nick);
  await field.press('Tab');
}

/** Says something with the keyboard: Enter sends. */
async function sayWithEnter(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** Another host of the page, in Node, that says `texts` (five at most: the
 * relay's rate) with ids made as docs/protocol.md says, then leaves. */
async function nodeHostSays(socketUrl: string, hash: string, nick: string, texts: string[]): Promise<void> {
  const ws = new WebSocket(`${socketUrl}/websocket?vsn=2.0.0`);
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  const replies = new Map<string, (status: string) => void>();
  ws.on('message', (data) => {
    const [, ref, , event, payload] = JSON.parse(String(data));
    if (event === 'phx_reply' && replies.has(ref)) replies.get(ref)!(payload.status);
  });
  const call = (ref: string, event: string, payload: object) =>
    new Promise<string>((resolve) => {
      replies.set(ref, resolve);
      ws.send(JSON.stringify(['1', ref, `have:${hash}`, event, payload]));
    });
  expect(await call('1', 'phx_join', {})).toBe('ok');
  let n = 2;
  for (const text of texts) {
    const at = Date.now();
    const id = createHash('sha256').update(JSON.stringify({ at, nick, text }), 'utf8').digest('hex');
    expect(await call(String(n++), 'chat', { id, at, nick, text })).toBe('ok');
  }
  ws.close();
}

test.describe('chat beside a page', () => {
  test('two visitors chat live, a later one gets the history in the same order, markup stays inert', async ({ page, browser, baseURL }) => {
    const text = unique('a page to talk about');
    const hash = await create(page, text);
    await expect(page.getByTestId('chat-empty')).toBeVisible();
    await nickname(page, 'Ada');

    const b = await visitor(browser, baseURL!);
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await nickname(b.page, 'Bob');

    // Markup is text: an image with an error handler, a script, a link.
    const hostile = 'look <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> <a href="javascript:1">x</a>';
    await sayWithEnter(page, hostile);
    await expect(b.page.getByTestId('chat-log')).toContainText('<img src=x onerror="window.__pwned=1">');
    // Shift+Enter starts a new line; the Send button sends.
    const box = b.page.getByLabel('Message', { exact: true });
    await box.fill('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await expect(box).toHaveValue('line one\nline two');
    await b.page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByTestId('chat-message')).toHaveCount(2);
    await sayWithEnter(page, 'third, from Ada 😀');
    await expect(b.page.getByTestId('chat-message')).toHaveCount(3);

    const seenByA = await shown(page);
    expect(seenByA).toEqual([`Ada: ${hostile}`, 'Bob: line one\nline two', 'Ada: third, from Ada 😀']);
    expect(await shown(b.page)).toEqual(seenByA);
    for (const p of [page, b.page]) {
      expect(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await expect(p.getByTestId('chat-log').locator('img, script, a')).toHaveCount(0);
    }
    await page.screenshot({ path: screenshotPath('chat-desktop'), fullPage: true });

    // Someone arriving later gets the conversation from a host, in the same order.
    const c = await visitor(browser, baseURL!);
    await c.page.goto(`/${hash}`);
    await expect(c.page.getByTestId('chat-message')).toHaveCount(3);
    expect(await shown(c.page)).toEqual(seenByA);
    // And then chats live with the others.
    await sayWithEnter(c.page, 'hello, I am new here');
    await expect(page.getByTestId('chat-message')).toHaveCount(4);
    await expect(b.page.getByTestId('chat-message')).toHaveCount(4);

    // The nickname is remembered in this browser.
    await b.page.reload();
    await hydrated(b.page);
    await expect(b.page.getByLabel('Nickname')).toHaveValue('Bob');
    await b.context.close();
    await c.context.close();
  });

  test('a visitor still waiting sees no chat until it has the page; a new browser gets a random nickname', async ({ browser, baseURL, page }) => {
    const hash = await create(page, unique('waiting for the page'));
    const nick = await page.getByLabel('Nickname').inputValue();
    expect(nick).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d\d$/);
    // A page nobody hosts: no chat panel while waiting.
    const w = await visitor(browser, baseURL!);
    await w.page.goto(`/${'0'.repeat(64)}`);
    await hydrated(w.page);
    await expect(w.page.getByTestId('status')).toHaveAttribute('data-phase', /nobodyhosting|waiting/);
    await expect(w.page.getByTestId('chat')).toHaveCount(0);
    // Once it has the page, it can chat.
    await w.page.goto(`/${hash}`);
    await expect(w.page.getByTestId('chat')).toBeVisible();
    await expect(w.page.getByLabel('Nickname')).not.toHaveValue('');
    await w.context.close();
  });

  test('when the last host leaves, the conversation is gone with the page', async ({ browser, baseURL }) => {
    const text = unique('a short-lived conversation');
    const a = await visitor(browser, baseURL!);
    const hash = await create(a.page, text);
    const b = await visitor(browser, baseURL!);
    await b.page.goto(`/${hash}`);
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await sayWithEnter(a.page, 'soon forgotten');
    await expect(b.page.getByTestId('chat-message')).toHaveCount(1);
    await a.context.close();
    await b.context.close();

    // The same text makes the same page again, with an empty chat.
    const again = await visitor(browser, baseURL!);
    expect(await create(again.page, text)).toBe(hash);
    await expect(again.page.getByTestId('chat-empty')).toBeVisible();
    await expect(again.page.getByTestId('chat-message')).toHaveCount(0);
    const late = await visitor(browser, baseURL!);
    await late.page.goto(`/${hash}`);
    await expect(late.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await expect(late.page.getByTestId('chat-empty')).toBeVisible();
    await again.context.close();
    await late.context.close();
  });

  test('the log follows new messages unless the reader scrolled up to read', async ({ page, server }) => {
    const hash = await create(page, unique('a busy conversation'));
    const log = page.getByTestId('chat-log');
    for (const who of ['Ann', 'Ben', 'Cat', 'Dan']) {
      await nodeHostSays(server.socketUrl, hash, who, [1, 2, 3, 4, 5].map((i) => `${who} says ${i}\nwith a second line`));
    }
    await expect(page.getByTestId('chat-message')).toHaveCount(20);
    const gap = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expect.poll(gap).toBeLessThan(5);
    // Scrolled up to read: a new message does not pull the reader down.
    await log.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await nodeHostSays(server.socketUrl, hash, 'Eve', ['a new message']);
    await expect(page.getByTestId('chat-message')).toHaveCount(21);
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
    // Back at the bottom, it follows again.
    await log.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event('scroll'));
    });
    await nodeHostSays(server.socketUrl, hash, 'Fay', ['and another']);
    await expect(page.getByTestId('chat-message')).toHaveCount(22);
    await expect.poll(gap).toBeLessThan(5);
  });

  test('sending too fast is refused plainly and the message comes back to the box', async ({ page }) => {
    await create(page, unique('a chatty page'));
    for (let i = 1; i <= 5; i++) await sayWithEnter(page, `message ${i}`);
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('one too many');
    await box.press('Enter');
    await expect(page.getByTestId('chat-problem')).toContainText('at most 5 every 10 seconds');
    await expect(box).toHaveValue('one too many');
    await expect(page.getByTestId('chat-message')).toHaveCount(5);
  });

  test('on an encrypted page the chat is encrypted too; without the key there is only a notice', async ({ browser, baseURL, server }) => {
    const frames: string[] = [];
    const a = await visitor(browser, baseURL!);
    recordFrames(a.page, frames);
    const { hash, key } = await createEncrypted(a.page, unique('a secret page'));
    const b = await visitor(browser, baseURL!);
    recordFrames(b.page, frames);
    await b.page.goto(`/${hash}#${key}`);
    await expect(b.page.getByTestId('page-text')).toBeVisible();
    await expect(b.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    await nickname(a.page, 'Secret Agent');
    const said = 'meet at the usual place 🕵️';
    await sayWithEnter(a.page, said);
    await expect(b.page.getByTestId('chat-message')).toHaveCount(1);
    expect(await shown(b.page)).toEqual([`Secret Agent: ${said}`]);
    // Someone without the key (anyone may host the ciphertext) writes in the clear: not shown.
    await nodeHostSays(server.socketUrl, hash, 'Intruder', ['I cannot read this page, but read me']);
    await expect(b.page.getByTestId('chat-hidden')).toHaveText("1 message sent without this page's key is not shown.");
    expect(await shown(b.page)).toEqual([`Secret Agent: ${said}`]);

    const c = await visitor(browser, baseURL!);
    recordFrames(c.page, frames);
    await c.page.goto(`/${hash}`);
    await expect(c.page.getByTestId('locked')).toBeVisible();
    await expect(c.page.getByTestId('chat-locked')).toContainText('There is a conversation here (1 message)');
    await expect(c.page.getByLabel('Message', { exact: true })).toBeHidden();
    await c.page.screenshot({ path: screenshotPath('chat-locked'), fullPage: true });

    const wire = frames.join('\n');
    expect(wire).toContain('"sealed":"ep2p1:');
    expect(wire).not.toContain('usual place');
    expect(wire).not.toContain('Secret Agent');
    for (const v of [a, b, c]) await v.context.close();
  });

  test('on a phone the chat starts collapsed and counts what arrives', async ({ browser, baseURL, page }) => {
    const hash = await create(page, unique('read on a phone'));
    const phone = await visitor(browser, baseURL!, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.page.goto(`/${hash}`);
    await expect(phone.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    const toggle = phone.page.getByTestId('chat-toggle');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await sayWithEnter(page, 'are you there?');
    await sayWithEnter(page, 'hello?');
    await expect(phone.page.getByTestId('chat-unread')).toHaveText('2');
    await phone.page.screenshot({ path: screenshotPath('chat-phone-collapsed'), fullPage: true });
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(phone.page.getByTestId('chat-unread')).toHaveCount(0);
    await expect(phone.page.getByTestId('chat-message')).toHaveCount(2);
    await phone.page.screenshot({ path: screenshotPath('chat-phone-open'), fullPage: true });
    await phone.context.close();
  });
});
