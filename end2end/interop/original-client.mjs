// The original Ephemeral P2P app's browser logic, written against the
// official `phoenix` JS client (with `ws` as its WebSocket in Node). The
// Rust integration test `tests/phoenix_js.rs` and the Playwright specs drive
// it to prove that our relay speaks Phoenix Channels as Phoenix does.
//
//   node original-client.mjs host  <endpoint> <text>   host a page
//   node original-client.mjs fetch <endpoint> <hash>   fetch a page, then host it
//   node original-client.mjs chat  <endpoint> <text>   host a page and chat:
//        each line on stdin is said as a message (nick "phoenix.js")
//
// <endpoint> is the socket mount, e.g. ws://127.0.0.1:3000/ws. Progress is
// printed as one JSON object per line; the process exits when stdin closes.
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';

const [mode, endpoint, arg] = process.argv.slice(2);
if (!['host', 'fetch', 'chat'].includes(mode) || !endpoint || arg === undefined) {
  console.error('usage: original-client.mjs host|fetch|chat <endpoint> <text|hash>');
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

// A host that chats, written from the protocol document alone: a message's
// id is the SHA-256 of JSON.stringify({at, nick, text}); it keeps every
// message, answers history asks with them and asks for the history itself.
function chat(content, hash) {
  const have = socket.channel(`have:${hash}`, {});
  const messages = new Map();
  const keep = (m) => messages.set(m.id, m);
  const ordered = () =>
    [...messages.values()].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  have.on('content_request', () => have.push('content', { content, hash }));
  have.on('chat', (message) => {
    keep(message);
    say('chat', { message });
  });
  have.on('chat_history', ({ messages: answer }) => {
    if (answer) {
      answer.forEach(keep);
      say('history', { messages: answer });
    } else {
      have.push('chat_history', { messages: ordered() });
      say('history_asked');
    }
  });
  have.join().receive('ok', () => {
    say('hosting', { hash });
    have.push('chat_history', {});
  });
  return (text) => {
    const at = Date.now();
    const nick = 'phoenix.js';
    const message = { id: sha256(JSON.stringify({ at, nick, text })), at, nick, text };
    have
      .push('chat', message)
      .receive('ok', () => {
        keep(message);
        say('sent', { message });
      })
      .receive('error', ({ reason }) => say('refused', { reason }));
  };
}

const bye = () => socket.disconnect(() => process.exit(0));
if (mode === 'chat') {
  const send = chat(arg, sha256(arg));
  const lines = createInterface({ input: process.stdin });
  lines.on('line', send);
  lines.on('close', bye);
} else {
  if (mode === 'host') host(arg, sha256(arg));
  else fetch(arg);
  process.stdin.on('end', bye);
  process.stdin.resume();
}
