import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Server, expect, screenshotPath, test, visitor } from '../tests/fixtures';
import { complete, fileOf, metric, sha256, shareFiles } from '../tests/files-helpers';

// File pages over direct connections (SPEC §14), in this run's own network
// namespace (direct.config.ts): the chunks go browser to browser, checked
// by their proofs; a connection that closes mid-file hands the rest to the
// relay, which finishes it.

const CHUNK = 256 * 1024;

test.describe('files over direct connections', () => {
  let server: Server;
  test.beforeAll(async () => {
    server = await Server.start(['--direct', 'on', '--first-response-wait', '0ms']);
  });
  test.afterAll(async () => {
    await server.stop();
  });

  test('a file travels browser to browser: not one chunk crosses the relay', async ({ browser }) => {
    test.setTimeout(120_000);
    const bytes = randomBytes(24 * CHUNK);
    const author = await visitor(browser, server.url);
    const hash = await shareFiles(author.page, [fileOf('direct.bin', bytes)]);
    await complete(author.page);
    const relayedBefore = await metric(server, 'ep2p_bytes_relayed_total');
    const deliveriesBefore = await metric(server, 'ep2p_chunk_deliveries_total');

    const reader = await visitor(browser, server.url, { acceptDownloads: true });
    await reader.page.goto(`/${hash}`);
    await complete(reader.page);
    await expect(reader.page.getByTestId('pieces-arrival')).toHaveText(
      "24 pieces came directly from other visitors' browsers",
    );
    await expect(reader.page.getByTestId('arrival')).toHaveText("Arrived directly from another visitor's browser");
    const [download] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.getByTestId('save').click(),
    ]);
    expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
    // The relay carried neither the manifest nor a chunk: only the set-up.
    expect(await metric(server, 'ep2p_chunk_deliveries_total')).toBe(deliveriesBefore);
    expect(await metric(server, 'ep2p_bytes_relayed_total')).toBe(relayedBefore);
    await expect.poll(() => metric(server, 'ep2p_direct_opened_total')).toBeGreaterThanOrEqual(1);
    await reader.page.screenshot({ path: screenshotPath('direct-file'), fullPage: true });
    for (const v of [author, reader]) await v.context.close();
  });

  test('a direct connection closed mid-file: the relay finishes it, same SHA-256', async ({ browser }) => {
    test.setTimeout(180_000);
    const bytes = randomBytes(48 * CHUNK);
    const author = await visitor(browser, server.url);
    // The author's browser closes its peer connections once it has sent
    // 40 binary parts (2.5 MiB, ten chunks) over them: mid-file.
    await author.page.addInitScript(() => {
      const Real = window.RTCPeerConnection;
      const made: RTCPeerConnection[] = [];
      (window as any).RTCPeerConnection = function (...args: any[]) {
        const pc = new (Real as any)(...args);
        made.push(pc);
        return pc;
      };
      (window as any).RTCPeerConnection.prototype = Real.prototype;
      const send = RTCDataChannel.prototype.send;
      let parts = 0;
      RTCDataChannel.prototype.send = function (data: any) {
        send.call(this, data);
        if (typeof data !== 'string' && ++parts === 40) {
          (window as any).__closedMidFile = true;
          setTimeout(() => made.forEach((pc) => pc.close()), 0);
        }
      };
    });
    const hash = await shareFiles(author.page, [fileOf('broken.bin', bytes)]);
    await complete(author.page);
    const deliveriesBefore = await metric(server, 'ep2p_chunk_deliveries_total');

    const reader = await visitor(browser, server.url, { acceptDownloads: true });
    await reader.page.goto(`/${hash}`);
    await complete(reader.page, 120_000);
    expect(await author.page.evaluate(() => (window as any).__closedMidFile)).toBe(true);
    // Part of it came directly, the rest through the relay.
    await expect(reader.page.getByTestId('pieces-arrival')).toHaveText(
      /^\d+ pieces came directly from other visitors' browsers, \d+ through the relay$/,
    );
    const shown = await reader.page.getByTestId('pieces-arrival').textContent();
    const [direct, relay] = shown!.match(/\d+/g)!.map(Number);
    expect(direct).toBeGreaterThanOrEqual(1);
    expect(direct + relay).toBe(48);
    expect(await metric(server, 'ep2p_chunk_deliveries_total')).toBeGreaterThanOrEqual(deliveriesBefore + relay);
    await expect.poll(() => metric(server, 'ep2p_direct_broken_total')).toBeGreaterThanOrEqual(1);
    const [download] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.getByTestId('save').click(),
    ]);
    expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));
    await reader.page.screenshot({ path: screenshotPath('direct-file-fallback'), fullPage: true });
    for (const v of [author, reader]) await v.context.close();
  });
});
