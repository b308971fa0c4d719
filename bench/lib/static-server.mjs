// A tiny static file server for the Chromium runs on 127.0.0.1: a few directories mounted at
// URL prefixes (the run's copy of pkg/, the bench bundles, the bench pages), nothing else.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};
/** `mounts`: { '/url/prefix/': '/directory/' }; nothing else is served. */
export async function startStaticServer(mounts) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const pathname = path.posix.normalize(decodeURIComponent(url.pathname));
    const prefix = Object.keys(mounts).find((p) => pathname.startsWith(p));
    const file = prefix ? path.join(mounts[prefix], pathname.slice(prefix.length)) : null;
    try {
      if (!file || !file.startsWith(mounts[prefix])) throw new Error('not served');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
