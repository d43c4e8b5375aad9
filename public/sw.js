// ECS Playground service worker: after the first visit the playground works with no network.
//
// Install: fetch the page, cache it and every asset it names (the hashed .js, .wasm and .css
// trunk writes), and the presets and lessons that presets.json lists (the app fetches them
// when they are chosen). Fetch: the page and the JSON files network-first (a new build is
// picked up when online, the cached one is served offline or when the network does not answer
// within 3 s, as workshop Wi-Fi often does not); assets cache-first (their names change with
// their content).
const CACHE = "ecs-playground-v1";
const NETWORK_PATIENCE_MS = 3000;

function fetchWithin(request, ms) {
  return Promise.race([
    fetch(request),
    new Promise((_, reject) => setTimeout(() => reject(new Error("no answer")), ms)),
  ]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch("./", { cache: "no-cache" });
      const html = await page.clone().text();
      await cache.put("./", page);
      const assets = [...html.matchAll(/\.\/[\w.-]+\.(?:js|wasm|css)/g)].map((m) => m[0]);
      const index = await (await fetch("./presets.json", { cache: "no-cache" })).json();
      const json = [
        "./presets.json",
        ...index.scenarios.map((stem) => `./scenarios/${stem}.json`),
        ...index.lessons.map((id) => `./lessons/${id}.json`),
      ];
      await cache.addAll([...new Set(assets), ...json]);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = request.mode === "navigate";
      if (page || new URL(request.url).pathname.endsWith(".json")) {
        const key = page ? "./" : request;
        try {
          const fresh = await fetchWithin(request, NETWORK_PATIENCE_MS);
          if (fresh.ok) {
            await cache.put(key, fresh.clone());
          }
          return fresh;
        } catch (offline) {
          return (await cache.match(key)) || Response.error();
        }
      }
      const hit = await cache.match(request);
      if (hit) {
        return hit;
      }
      const fresh = await fetch(request);
      if (fresh.ok) {
        await cache.put(request, fresh.clone());
      }
      return fresh;
    })()
  );
});
