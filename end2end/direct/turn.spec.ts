import { Server, create, expect, test, unique, visitor } from '../tests/fixtures';
import { SECRET, startCoturn } from './coturn';

// TURN (SPEC §14): a coturn started here, inside this run's network
// namespace, with a secret only it and the relay know; the relay hands
// browsers time-limited credentials for it (coturn's use-auth-secret) and
// iceTransportPolicy "relay", so the only way from one browser to the
// other is through coturn.

test('TURN only: the page comes through a coturn with the relay\'s credentials', async ({ browser }) => {
  const coturn = await startCoturn();
  const server = await Server.start([
    '--direct', 'on',
    '--first-response-wait', '0ms',
    '--ice-servers', 'turn:198.18.0.1:3478?transport=udp',
    '--turn-secret', SECRET,
    '--ice-transport-policy', 'relay',
  ]);
  try {
    const author = await visitor(browser, server.url);
    const text = unique('through the TURN server, never browser to browser');
    const hash = await create(author.page, text);
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(reader.page.getByTestId('arrival')).toHaveText("Arrived directly from another visitor's browser");
    // Relay candidates only: coturn allocated for both browsers, with the
    // usernames the relay made (expiry:id).
    const allocations = coturn.log.join('').match(/user <\d+:[0-9a-f]{16}>: incoming packet ALLOCATE processed, success/g) ?? [];
    expect(allocations.length).toBeGreaterThanOrEqual(2);
    for (const v of [author, reader]) await v.context.close();
  } finally {
    await server.stop();
    coturn.child.kill();
  }
});

test('a configuration that cannot connect: after the deadline (3 s through TURN only) the page comes through the relay', async ({ browser }) => {
  // A TURN server nobody runs (port 3479), and relay candidates only.
  const server = await Server.start([
    '--direct', 'on',
    '--first-response-wait', '0ms',
    '--ice-servers', 'turn:198.18.0.1:3479?transport=udp',
    '--turn-secret', SECRET,
    '--ice-transport-policy', 'relay',
  ]);
  try {
    const author = await visitor(browser, server.url);
    const text = unique('no way through but the relay');
    const hash = await create(author.page, text);
    const reader = await visitor(browser, server.url);
    await reader.page.goto(`/${hash}`);
    await expect(reader.page.getByTestId('page-text')).toHaveText(text);
    await expect(reader.page.getByTestId('arrival')).toHaveText(
      'Arrived through the relay (no direct connection in time)',
    );
    for (const v of [author, reader]) await v.context.close();
  } finally {
    await server.stop();
  }
});
