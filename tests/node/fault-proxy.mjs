// A small HTTP proxy on 127.0.0.1 in front of the local bucket, for the integrity tests: it
// logs when each request arrived, can answer like a captive portal (200 with an HTML page),
// flip one byte of a request body on the way, and hide headers of the answers (deleted, or
// only left out of Access-Control-Expose-Headers, as a bucket's CORS rule would), stall a
// request mid-body, and read each request body at a per-connection rate (so throughput grows
// with parallel connections, as with lossy TCP flows).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const PORTAL_PAGE = '<!doctype html><html><body><h1>Wi-Fi login</h1><p>Please sign in.</p></body></html>';

/**
 * `rules`: `portal(req) → boolean` (answer 200 HTML here); `corrupt(req) → offset | undefined`
 * (flip that byte of the body); `remove` (header names deleted from answers); `unexpose`
 * (header names left out of Access-Control-Expose-Headers); `stall(req) → bytes | undefined`
 * (forward that many body bytes, then nothing more and never answer); `rate` (body bytes per
 * second read per request). The rules can be changed later through `proxy.rules`. `proxy.peak` is
 * the most requests seen in flight at once. Closed after the test `t`.
 */
export async function startProxy(t, target, rules = {}) {
  const log = [];
  const proxy = { log, rules, url: '', active: 0, peak: 0 };
  const server = http.createServer((req, res) => {
    const entry = {
      method: req.method,
      url: req.url,
      at: performance.now(),
      corrupted: false,
      port: req.socket.remotePort,
    };
    log.push(entry);
    proxy.peak = Math.max(proxy.peak, ++proxy.active);
    res.on('close', () => proxy.active--);
    const current = proxy.rules;
    const stallAfter = current.stall ? current.stall(req) : undefined;
    if (stallAfter !== undefined) entry.stalled = true;
    if (current.portal && current.portal(req)) {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'access-control-allow-origin': '*' });
        res.end(PORTAL_PAGE);
      });
      return;
    }
    const flipAt = current.corrupt ? current.corrupt(req) : undefined;
    const started = performance.now();
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      for (const name of current.remove || []) delete headers[name];
      const exposed = headers['access-control-expose-headers'];
      if (exposed && current.unexpose) {
        headers['access-control-expose-headers'] = exposed
          .split(',')
          .map((name) => name.trim())
          .filter((name) => !current.unexpose.includes(name.toLowerCase()))
          .join(', ');
      }
      res.writeHead(answer.statusCode, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    let offset = 0;
    req.on('data', (chunk) => {
      if (stallAfter !== undefined && offset + chunk.length > stallAfter) {
        upstream.write(chunk.subarray(0, Math.max(0, stallAfter - offset)));
        offset = stallAfter;
        return;
      }
      if (flipAt !== undefined && flipAt >= offset && flipAt < offset + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[flipAt - offset] ^= 0x20;
        entry.corrupted = true;
      }
      offset += chunk.length;
      // Read no faster than `rate`: the sender's buffers fill and its progress slows, as on a link.
      const ahead = current.rate ? (offset / current.rate) * 1000 - (performance.now() - started) : 0;
      if (ahead > 0) {
        req.pause();
        setTimeout(() => req.resume(), ahead);
      }
      upstream.write(chunk);
    });
    req.on('end', () => stallAfter === undefined && upstream.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  t.after(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return proxy;
}
