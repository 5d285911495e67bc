import type { Browser } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { Server, test, visitor } from '../tests/fixtures';
import { complete, fileOf, metric, shareFiles } from '../tests/files-helpers';
import { SECRET, startCoturn } from '../direct/coturn';

// A 64 MiB file served to ten Chromium visitors, one after another (each
// then hosts it too), with direct connections off, on, and on through a
// TURN server only: the relay's WebSocket bytes per served visitor, each
// visitor's time from navigation to the last chunk stored, its MiB/s, and
// how the pieces came (BENCHMARKS.md §13).

const VISITORS = 10;
const FILE_BYTES = 64 * 1024 * 1024;
const MIB = 1024 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

type Mode = 'off' | 'on' | 'TURN only';

async function serve(browser: Browser, mode: Mode, bytes: Buffer): Promise<string> {
  const coturn = mode === 'TURN only' ? await startCoturn() : null;
  const turn = coturn
    ? ['--ice-servers', 'turn:198.18.0.1:3478?transport=udp', '--turn-secret', SECRET, '--ice-transport-policy', 'relay']
    : [];
  const server = await Server.start([
    '--direct', mode === 'off' ? 'off' : 'on', '--first-response-wait', '0ms', '--asks-per-address', '100000', ...turn,
  ]);
  const contexts = [];
  try {
    const author = await visitor(browser, server.url);
    contexts.push(author.context);
    const hash = await shareFiles(author.page, [fileOf(`measure-${mode.replace(' ', '-')}.bin`, bytes)]);
    await complete(author.page);
    const before = await metric(server, 'ep2p_bytes_out_total');
    const times: number[] = [];
    let [direct, relay] = [0, 0];
    for (let i = 0; i < VISITORS; i += 1) {
      const reader = await visitor(browser, server.url);
      contexts.push(reader.context);
      const started = Date.now();
      await reader.page.goto(`/${hash}`);
      await complete(reader.page, 300_000);
      times.push(Date.now() - started);
      const pieces = (await reader.page.getByTestId('pieces-arrival').textContent()) ?? '';
      const came = (way: RegExp) => Number(pieces.match(way)?.[1] ?? 0);
      direct += came(/(\d+) pieces? came directly/);
      relay += came(/(\d+) (?:pieces? came )?through the relay/);
    }
    const perVisitor = ((await metric(server, 'ep2p_bytes_out_total')) - before) / VISITORS;
    const rate = (ms: number) => (FILE_BYTES / MIB / (ms / 1000)).toFixed(1);
    return `| ${mode} | ${Math.round(perVisitor).toLocaleString('en')} | ${((perVisitor / FILE_BYTES) * 100).toFixed(2)} % | ${(median(times) / 1000).toFixed(1)} | ${rate(median(times))} | ${rate(Math.max(...times))} | ${direct} / ${relay} |`;
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
    coturn?.child.kill();
  }
}

test('a 64 MiB file to ten visitors: direct connections off, on, and through TURN only', async ({ browser }) => {
  test.setTimeout(3_600_000);
  const bytes = randomBytes(FILE_BYTES);
  const rows = [];
  for (const mode of ['off', 'on', 'TURN only'] as Mode[]) rows.push(await serve(browser, mode, bytes));
  console.log(
    [
      `A ${FILE_BYTES / MIB} MiB file (256 KiB chunks), ${VISITORS} Chromium visitors one after another (each then hosts):`,
      '',
      '| direct | relay bytes sent per visitor | of the file | time to the last chunk, median (s) | MiB/s, median | MiB/s, slowest | pieces direct / through the relay (all visitors) |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...rows,
    ].join('\n'),
  );
});
