// Ephemeral P2P's service worker (served at /sw.js by src/server.rs, which
// fills in the release's files). It keeps the app shell — the homepage,
// its stylesheet inline, its script, WASM and icons — so the app opens offline, and
// replaces them when a new release brings new file names. Pages themselves
// never pass through here: they come only from their hosts, over the relay.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `ep2p-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("ep2p-shell-") && n !== CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // The homepage from the network when there is one, else as kept.
    if (url.pathname === "/") {
      event.respondWith(fetch(request).catch(() => caches.match("/", { cacheName: CACHE })));
    }
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((kept) => kept || fetch(request)));
  }
});
