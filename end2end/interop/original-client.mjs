// The original Ephemeral P2P app's browser logic, written against the
// official `phoenix` JS client (with `ws` as its WebSocket in Node). The
// Rust integration test `tests/phoenix_js.rs` and the Playwright specs drive
// it to prove that our relay speaks Phoenix Channels as Phoenix does.
//
//   node original-client.mjs host  <endpoint> <text>   host a page
//   node original-client.mjs fetch <endpoint> <hash>   fetch a page, then host it
//   node original-client.mjs chat  <endpoint> <text>   host a page and chat:
//        each line on stdin is said as a message (nick "phoenix.js")
//   node original-client.mjs filehost <endpoint> <path>  host a file page:
//        chunks sent as binary pushes (an ArrayBuffer payload)
//   node original-client.mjs fileget  <endpoint> <hash>  download a file page:
//        chunks received as binary broadcasts, each checked by its proof
//
// <endpoint> is the socket mount, e.g. ws://127.0.0.1:3000/ws. Progress is
// printed as one JSON object per line; the process exits when stdin closes.
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [mode, endpoint, arg] = process.argv.slice(2);
if (!['host', 'fetch', 'chat', 'filehost', 'fileget'].includes(mode) || !endpoint || arg === undefined) {
  console.error('usage: original-client.mjs host|fetch|chat|filehost|fileget <endpoint> <text|hash|path>');
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

// File pages, written from docs/protocol.md alone: the manifest's Merkle
// roots (RFC 9162: leaf SHA-256(0x00 ‖ chunk), node SHA-256(0x01 ‖ l ‖ r)),
// each chunk's payload (file u32, index u32, proof count u8, proof, bytes).
const CHUNK = 16384;
const digest = (...parts) => {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest();
};
const leaf = (bytes) => digest(Buffer.from([0]), bytes);
const node = (l, r) => digest(Buffer.from([1]), l, r);
const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const mth = (leaves) => {
  if (leaves.length === 0) return digest(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};
const path = (m, leaves) => {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
};
const verify = (root, index, count, leafHash, proof) => {
  if (index >= count) return false;
  let [fn, sn, r] = [index, count - 1, leafHash];
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
};
const pieces = (data) => {
  const out = [];
  for (let at = 0; at < data.length; at += CHUNK) out.push(data.subarray(at, at + CHUNK));
  return out;
};

function fileHost(file) {
  const data = readFileSync(file);
  const chunks = pieces(data);
  const leaves = chunks.map(leaf);
  const entry = { name: basename(file), type: 'application/octet-stream', size: data.length, root: mth(leaves).toString('hex') };
  const manifest = `ep2p-files1:${JSON.stringify({ chunk: CHUNK, files: [entry] })}`;
  const hash = sha256(manifest);
  const have = socket.channel(`have:${hash}`, {});
  have.on('content_request', () => have.push('content', { content: manifest, hash }));
  have.on('chunk_request', ({ file: f, index }) => {
    const proof = path(index, leaves);
    const head = Buffer.alloc(9);
    head.writeUInt32BE(f, 0);
    head.writeUInt32BE(index, 4);
    head.writeUInt8(proof.length, 8);
    const payload = Buffer.concat([head, ...proof, chunks[index]]);
    // The official client sends an ArrayBuffer payload as a binary frame.
    have.push('chunk', payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length));
    say('served_chunk', { index });
  });
  have.join().receive('ok', () => {
    have.push('have_chunks', { all: true }).receive('ok', () => say('hosting', { hash }));
  });
}

function fileGet(hash) {
  const want = socket.channel(`want:${hash}`, {});
  let files = null;
  const got = new Map();
  want.on('content', ({ content }) => {
    if (files || sha256(content) !== hash || !content.startsWith('ep2p-files1:')) return;
    files = JSON.parse(content.slice('ep2p-files1:'.length));
    const count = Math.ceil(files.files[0].size / files.chunk);
    say('manifest', { count });
    for (let index = 0; index < count; index++) want.push('chunk_request', { file: 0, index });
  });
  want.on('chunk', (payload) => {
    const bytes = Buffer.from(payload);
    const [f, index, n] = [bytes.readUInt32BE(0), bytes.readUInt32BE(4), bytes.readUInt8(8)];
    const proof = [];
    for (let i = 0; i < n; i++) proof.push(bytes.subarray(9 + 32 * i, 41 + 32 * i));
    const chunk = bytes.subarray(9 + 32 * n);
    const entry = files.files[f];
    const count = Math.ceil(entry.size / files.chunk);
    if (!verify(Buffer.from(entry.root, 'hex'), index, count, leaf(chunk), proof)) {
      say('rejected', { index });
      return;
    }
    got.set(index, chunk);
    if (got.size === count) {
      const whole = Buffer.concat([...Array(count).keys()].map((i) => got.get(i)));
      say('file', { size: whole.length, sha256: digest(whole).toString('hex') });
    }
  });
  want.join().receive('ok', () => want.push('content_request', { hash }));
}

const bye = () => socket.disconnect(() => process.exit(0));
if (mode === 'chat') {
  const send = chat(arg, sha256(arg));
  const lines = createInterface({ input: process.stdin });
  lines.on('line', send);
  lines.on('close', bye);
} else {
  if (mode === 'host') host(arg, sha256(arg));
  else if (mode === 'filehost') fileHost(arg);
  else if (mode === 'fileget') fileGet(arg);
  else fetch(arg);
  process.stdin.on('end', bye);
  process.stdin.resume();
}
