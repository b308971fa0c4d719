// Static files for the demo: the page (www/) and the package build (/pkg/dist/), GET/HEAD only,
// with the MIME types browsers insist on (module scripts, application/wasm for streaming).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * `mounts`: `[[urlPrefix, directory, { exclude? }]]`, longest prefix first. Resolves to false
 * when no mount holds the path (the caller answers 404).
 */
export function createStaticHandler(mounts, { htmlHeaders = {} } = {}) {
  return async function serveStatic(req, res) {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return false;
    }
    if (pathname.includes('\0')) return false;
    for (const [prefix, directory, { exclude = [] } = {}] of mounts) {
      if (!pathname.startsWith(prefix)) continue;
      let relative = pathname.slice(prefix.length);
      if (relative === '' || relative.endsWith('/')) relative += 'index.html';
      const file = path.resolve(directory, `.${path.posix.sep}${relative}`);
      if (!file.startsWith(directory + path.sep)) return false;
      if (exclude.some((dir) => file.startsWith(path.join(directory, dir) + path.sep))) return false;
      const info = await stat(file).catch(() => null);
      if (!info || !info.isFile()) continue;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return true;
      }
      const type = MIME[path.extname(file)] || 'application/octet-stream';
      res.writeHead(200, {
        ...(type.startsWith('text/html') ? htmlHeaders : {}),
        'Content-Type': type,
        'Content-Length': info.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return true;
    }
    return false;
  };
}
