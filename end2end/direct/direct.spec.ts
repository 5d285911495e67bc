import type { Page } from '@playwright/test';
import { Server, create, expect, screenshotPath, test, unique, visitor } from '../tests/fixtures';
import { metric } from '../tests/files-helpers';

// Direct connections (SPEC §14), in this test run's own network namespace
// (direct.config.ts). The first response carries no text here
// (--first-response-wait 0ms): the text comes from the hosts, directly or
// through the relay, and the page says which.

/** Counts the peer connections a page makes (window.__peerConnections). */
async function countPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Real = window.RTCPeerConnection;
    (window as any).__peerConnections = 0;
    (window as any).RTCPeerConnection = function (...args: any[]) {
      (window as any).__peerConnections += 1;
      return new (Real as any)(...args);
    };
    (window as any).RTCPeerConnection.prototype = Real.prototype;
  });
}

test.describe('direct connections', () => {
  let server: Server;
  test.beforeAll(async () => {
    server = await Server.start(['--direct', 'on', '--first-response-wait', '0ms']);
  });
  test.afterAll(async () => {
    await server.stop();
  });

  test('a page travels browser to browser: the relay carries only the set-up', async ({ browser }) => {
    const author = await visitor(browser, server.url);
    const text = unique('straight from one browser to another');
    const hash = await create(author.page, text);
    const relayedBefore = await metric(server, 'ep2p_bytes_relayed_total');

    const reader = await visitor(browser, server.url);
    await countPeerConnections(reader.page);
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(reader.page.getByTestId('arrival')).toHaveText("Arrived directly from another visitor's browser");
    await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
    expect(await reader.page.evaluate(() => (window as any).__peerConnections)).toBe(1);
    // Not one byte of the page crossed the relay; one pair was set up.
    expect(await metric(server, 'ep2p_bytes_relayed_total')).toBe(relayedBefore);
    expect(await metric(server, 'ep2p_direct_pairs_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(server, 'ep2p_signals_total')).toBeGreaterThanOrEqual(2);
    await expect.poll(() => metric(server, 'ep2p_direct_opened_total')).toBeGreaterThanOrEqual(1);
    await reader.page.screenshot({ path: screenshotPath('direct-arrived'), fullPage: true });
    for (const v of [author, reader]) await v.context.close();
  });

  test('a host without WebRTC: the reader gets the page through the relay at once', async ({ browser }) => {
    const author = await visitor(browser, server.url);
    await author.page.addInitScript(() => {
      delete (window as any).RTCPeerConnection;
    });
    const text = unique('hosted by a browser without WebRTC');
    const hash = await create(author.page, text);
    const relayedBefore = await metric(server, 'ep2p_bytes_relayed_total');

    const reader = await visitor(browser, server.url);
    const started = Date.now();
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(reader.page.getByTestId('arrival')).toHaveText('Arrived through the relay');
    // Declined at once: no waiting out the 1.5 s a silent host would cost.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await metric(server, 'ep2p_bytes_relayed_total')).toBeGreaterThan(relayedBefore);
    for (const v of [author, reader]) await v.context.close();
  });

  test('"relay only" chosen: no peer connection is ever made, and the choice is remembered', async ({ browser }) => {
    const author = await visitor(browser, server.url);
    const text = unique('read through the relay by choice');
    const hash = await create(author.page, text);

    const reader = await visitor(browser, server.url);
    await countPeerConnections(reader.page);
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await reader.page.getByTestId('relay-only').check();
    expect(await reader.page.evaluate(() => localStorage.getItem('ep2p-relay-only'))).toBe('1');
    await expect(reader.page.getByText('a direct connection shows each browser')).toBeVisible();

    // The next page this browser opens goes through the relay only.
    const second = unique('another page, after the choice');
    const secondHash = await create(author.page, second);
    await reader.page.goto(`/${secondHash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(second);
    await expect(reader.page.getByTestId('arrival')).toHaveText('Arrived through the relay (relay only, as chosen)');
    await expect(reader.page.getByTestId('relay-only')).toBeChecked();
    expect(await reader.page.evaluate(() => (window as any).__peerConnections)).toBe(0);
    await reader.page.screenshot({ path: screenshotPath('direct-relay-only'), fullPage: true });
    for (const v of [author, reader]) await v.context.close();
  });
});
