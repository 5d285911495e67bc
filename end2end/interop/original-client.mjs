// The original Ephemeral P2P app's browser logic, written against the
// official `phoenix` JS client (with `ws` as its WebSocket in Node). The
// Rust integration test `tests/phoenix_js.rs` and the Playwright specs drive
// it to prove that our relay speaks Phoenix Channels as Phoenix does.
//
//   node original-client.mjs host  <endpoint> <text>   host a page
//   node original-client.mjs fetch <endpoint> <hash>   fetch a page, then host it
//
// <endpoint> is the socket mount, e.g. ws://127.0.0.1:3000/ws. Progress is
// printed as one JSON object per line; the process exits when stdin closes.
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { createHash } from 'node:crypto';

const [mode, endpoint, arg] = process.argv.slice(2);
if (!['host', 'fetch'].includes(mode) || !endpoint || arg === undefined) {
  console.error('usage: original-client.mjs host|fetch <endpoint> <text|hash>');
  process.exit(2);
}

const say = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

const socket = new Socket(endpoint, { transport: WebSocket });
socket.onError(() => say('socket_error'));
socket.connect();

// As the original HaveChannel client: answer every content_request.
function host(content, hash) {
  const have = socket.channel(`have:${hash}`, {});
  have.on('content_request', () => {
    have.push('content', { content, hash });
    say('served');
  });
  have.on('visitors_count', ({ count }) => say('count', { count }));
  have.join().receive('ok', () => say('hosting', { hash }));
}

// As the original WantChannel client: ask, and ask again every 2 s until
// verified content arrives; then leave `want` and host.
function fetch(hash) {
  const want = socket.channel(`want:${hash}`, {});
  let retry = null;
  want.on('visitors_count', ({ count }) => say('count', { count }));
  want.on('content', ({ content }) => {
    if (sha256(content) !== hash) {
      say('rejected');
      return;
    }
    clearInterval(retry);
    say('content', { content });
    want.leave();
    host(content, hash);
  });
  want.join().receive('ok', () => {
    const ask = () => want.push('content_request', { hash });
    ask();
    retry = setInterval(ask, 2000);
  });
}

if (mode === 'host') host(arg, sha256(arg));
else fetch(arg);

process.stdin.on('end', () => {
  socket.disconnect(() => process.exit(0));
});
process.stdin.resume();
