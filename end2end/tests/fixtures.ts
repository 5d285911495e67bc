import { test as base, expect } from '@playwright/test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = path.join(root, 'target', 'release', 'ephemeral_p2p');

/** The SHA-256 of a page's UTF-8 text, as the app computes it. */
export function pageHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A release server on a loopback port, with its output kept for assertions. */
export class Server {
  readonly logs: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly url: string,
    readonly port: number,
    private child: ChildProcess,
    exited: Promise<number | null>,
  ) {
    this.exited = exited;
  }

  /** Starts the server; `port` 0 picks a free one. Direct connections
   * are off unless `args` say `--direct on`: WebRTC is tested only inside
   * a network namespace of its own (direct.config.ts), never on this
   * machine's network. */
  static async start(args: string[] = [], port = 0, env: Record<string, string> = {}): Promise<Server> {
    const direct = args.includes('--direct') ? [] : ['--direct', 'off'];
    const child = spawn(binary, ['--addr', `127.0.0.1:${port}`, ...direct, ...args], {
      cwd: root,
      env: {
        ...process.env,
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_SITE_PKG_DIR: 'pkg',
        LEPTOS_ENV: 'PROD',
        NO_COLOR: '1',
        RUST_LOG: process.env.RUST_LOG ?? 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 20_000);
      const onData = (chunk: Buffer) => {
        logs.push(chunk.toString());
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs.join(''));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      exited.then((code) => reject(new Error(`server exited with ${code}:\n${logs.join('')}`)));
    });
    const server = new Server(url, Number(new URL(url).port), child, exited);
    server.logs.push(...logs);
    child.stdout!.on('data', (chunk: Buffer) => server.logs.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => server.logs.push(chunk.toString()));
    return server;
  }

  /** Stops the server (SIGTERM: graceful) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** The relay's WebSocket endpoint for native clients. */
  get socketUrl(): string {
    return this.url.replace(/^http/, 'ws') + '/ws';
  }
}

/** Uncaught errors of every page a test opened, with the page's address. */
const pageErrors: string[] = [];

/** Collects `page`'s uncaught errors; every test fails if it had any. */
export function watchErrors(page: import('@playwright/test').Page): void {
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
}

type WorkerFixtures = { server: Server };
type TestFixtures = { noPageErrors: void };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    async ({}, use) => {
      const server = await Server.start();
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
  page: async ({ page }, use) => {
    watchErrors(page);
    await use(page);
  },
  noPageErrors: [
    async ({}, use) => {
      pageErrors.length = 0;
      await use();
      expect(pageErrors, 'uncaught errors in the pages').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WASM has hydrated the page. */
export async function hydrated(page: import('@playwright/test').Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

/** Waits until the service worker is installed and controls the page. */
export async function workerInControl(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

/** Where screenshots go (ignored by git). */
export function screenshotPath(name: string): string {
  const dir = path.join(root, 'end2end', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/** A unique page text per call, so tests never share pages. */
export function unique(label: string): string {
  return `${label} — ${Math.random().toString(36).slice(2)}`;
}

/** Opens a new visitor (its own browser context, like another person). */
export async function visitor(browser: Browser, baseURL: string, options = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, ...options });
  const page = await context.newPage();
  watchErrors(page);
  return { context, page };
}

/** Creates a page from the homepage and waits until this tab hosts it.
 * Long texts are pasted (one input event) rather than typed. */
export async function create(page: Page, text: string): Promise<string> {
  await page.goto('/');
  await hydrated(page);
  const input = page.getByLabel('Page text');
  if (text.length > 10_000) {
    await input.evaluate((el, value) => {
      (el as HTMLTextAreaElement).value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
  } else {
    await input.fill(text);
  }
  await page.getByRole('button', { name: 'Create page' }).click();
  const hash = pageHash(text);
  await expect(page).toHaveURL(`/${hash}`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  return hash;
}

/** Every WebSocket frame a page sends or receives, as text. */
export function recordFrames(page: Page, frames: string[]): void {
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => frames.push(String(frame.payload)));
    ws.on('framereceived', (frame) => frames.push(String(frame.payload)));
  });
}

/** Where an encrypted page's link points: `/<64 hex>#<43 base64url>`. */
export const ENCRYPTED_LINK = /\/([0-9a-f]{64})#([A-Za-z0-9_-]{43})$/;

/** Writes `text` on the homepage with Encrypt ticked and creates the page;
 * returns the link's hash and key. */
export async function createEncrypted(page: Page, text: string): Promise<{ hash: string; key: string }> {
  await page.goto('/');
  await hydrated(page);
  await page.getByLabel('Encrypt').check();
  await page.getByLabel('Page text').fill(text);
  await page.getByRole('button', { name: 'Create page' }).click();
  await expect(page).toHaveURL(ENCRYPTED_LINK);
  await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'hosting');
  const [, hash, key] = ENCRYPTED_LINK.exec(page.url())!;
  return { hash, key };
}

/** Runs `fn(app, arg)` in a page of the site, on the app's WASM module as
 * the hydration script loaded it (one instance): its exported functions run
 * the app's own code (Web Crypto through the WASM). The call is sent as
 * source so the dynamic import reaches the browser as written. */
export async function withApp<M, A, T>(page: Page, fn: (app: M, arg: A) => Promise<T>, arg: A): Promise<T> {
  await page.goto('/');
  await hydrated(page);
  // The module's (hashed) name, as the page starts it.
  const module = await page.locator('script[data-app]').getAttribute('data-app');
  expect(module).toMatch(/^\/pkg\/ephemeral_p2p[.\w-]*\.js$/);
  return page.evaluate(`import(${JSON.stringify(module)}).then((app) => (${fn.toString()})(app, ${JSON.stringify(arg)}))`) as Promise<T>;
}

/** axe-core's WCAG 2.x A and AA rules on what the page shows now: no violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(found, `axe-core on ${what}`).toEqual([]);
}
