import type { Browser } from '@playwright/test';
import { Server, create, expect, test, visitor } from '../tests/fixtures';
import { metric } from '../tests/files-helpers';

// A 1 MB text page served to ten Chromium visitors, with direct
// connections on and off: the relay's WebSocket bytes per served visitor,
// each visitor's time from navigation to the text, and how the text came.

const VISITORS = 10;
const PAGE_BYTES = 1_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function serve(browser: Browser, direct: 'on' | 'off'): Promise<string> {
  const server = await Server.start(['--direct', direct, '--first-response-wait', '0ms', '--asks-per-address', '100000']);
  try {
    const author = await visitor(browser, server.url);
    const text = `${direct} `.padEnd(PAGE_BYTES, 'direct connections carry the page, not the relay. ');
    const hash = await create(author.page, text);
    const before = await metric(server, 'ep2p_bytes_out_total');
    const times: number[] = [];
    const arrivals: Record<string, number> = {};
    // One after another: each visitor served becomes a host for the next.
    for (let i = 0; i < VISITORS; i += 1) {
      const reader = await visitor(browser, server.url);
      const started = Date.now();
      await reader.page.goto(`/${hash}`);
      await expect(reader.page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting', { timeout: 60_000 });
      times.push(Date.now() - started);
      const how = (await reader.page.getByTestId('arrival').textContent()) ?? '?';
      arrivals[how] = (arrivals[how] ?? 0) + 1;
      // It stays open (and hosts) until the end.
    }
    const bytes = (await metric(server, 'ep2p_bytes_out_total')) - before;
    const perVisitor = bytes / VISITORS;
    return `| ${direct} | ${Math.round(perVisitor).toLocaleString('en')} | ${((perVisitor / PAGE_BYTES) * 100).toFixed(2)} % | ${median(times)} | ${Math.max(...times)} | ${Object.entries(arrivals).map(([k, n]) => `${n}× ${k}`).join('; ')} |`;
  } finally {
    await server.stop();
  }
}

test('a 1 MB page to ten visitors, direct connections on and off', async ({ browser }) => {
  const rows = [await serve(browser, 'off'), await serve(browser, 'on')];
  console.log(
    [
      `A ${PAGE_BYTES.toLocaleString('en')}-byte page, ${VISITORS} Chromium visitors one after another (each then hosts):`,
      '',
      '| direct | relay bytes sent per visitor | of the page | time to text, median (ms) | slowest (ms) | how it came |',
      '|---|---:|---:|---:|---:|---|',
      ...rows,
    ].join('\n'),
  );
});
