// The page's origin for the browser tests: tests/browser/uploader.html, the built package, and
// /api/config and /api/sts for the bucket the page uploads to (through `endpoint`, the bucket's
// own URL unless a proxy stands in front of it).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const PAGE_PATH = '/tests/browser/uploader.html';
const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** → { url, stsCalls, close() }. */
export function startSite(bucket, endpoint = bucket.url) {
  let site;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://site');
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    req.resume();
    if (url.pathname === '/api/config') {
      return send(200, 'application/json', JSON.stringify({ bucket: bucket.bucket, region: bucket.region, endpoint }));
    }
    if (url.pathname === '/api/sts' && req.method === 'POST') {
      site.stsCalls++;
      return send(200, 'application/json', JSON.stringify(bucket.issueSts({ ttlSeconds: 3600 })));
    }
    // Only the page and the built package are served.
    const allowed = url.pathname === PAGE_PATH || /^\/pkg\/dist\/[\w.-]+\.(mjs|wasm)$/.test(url.pathname);
    if (!allowed || req.method !== 'GET') return send(404, 'text/plain', 'not here');
    try {
      send(200, TYPES[path.extname(url.pathname)], await readFile(path.join(REPO, url.pathname)));
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      site = {
        url: `http://127.0.0.1:${server.address().port}`,
        stsCalls: 0,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(done);
          }),
      };
      resolve(site);
    }),
  );
}
