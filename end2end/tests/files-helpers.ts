import type { Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, hydrated, type Server } from './fixtures';

// What the file pages' tests share: files of their own, sharing them,
// waiting for every chunk, and the server's counters.

export const FILE_PAGE = /\/([0-9a-f]{64})$/;

/** A folder of this test run's own files, gone when the run ends. */
const folder = mkdtempSync(path.join(tmpdir(), 'ep2p-files-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `bytes` as `name` and returns its path. */
export function fileOf(name: string, bytes: Buffer): string {
  const at = path.join(folder, name);
  writeFileSync(at, bytes);
  return at;
}

/** Picks `paths` on the homepage, shares them and waits until this tab hosts the page. */
export async function shareFiles(page: Page, paths: string[], fresh = true): Promise<string> {
  if (fresh) {
    await page.goto('/');
    await hydrated(page);
  }
  await page.getByTestId('file-input').setInputFiles(paths);
  await expect(page.getByTestId('chosen-files').locator('li')).toHaveCount(paths.length);
  await page.getByRole('button', { name: 'Share files' }).click();
  await expect(page).toHaveURL(FILE_PAGE, { timeout: 30_000 });
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  return FILE_PAGE.exec(page.url())![1];
}

/** Waits until every chunk of the page is here. */
export async function complete(page: Page, timeout = 60_000): Promise<void> {
  await expect(page.getByTestId('file-progress')).toHaveAttribute('data-complete', 'true', { timeout });
}

/** One sample of a counter or gauge on the server's /metrics. */
export async function metric(server: Server, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(' ')[1]);
}
