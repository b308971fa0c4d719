// The three ways a request names an object (README "Addressing"): virtual-hosted
// (`Host: <bucket>.<host>`, path `/<key>`), path-style (`/<bucket>/<key>` to an IP or
// localhost, what oss2 and alibabacloud-oss-v2 send to such endpoints) and custom domain
// (`/<key>` on any other host; ali-oss with `cname: true`, our uploader). Every style signs
// the same `/<bucket>/<key>` resource, so only the path is read differently.

import { isIP } from 'node:net';

/** The Host header's name without port or IPv6 brackets, lowercase. */
export function hostName(host) {
  const text = String(host ?? '').toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') >>> 0);
  const colon = text.lastIndexOf(':');
  return colon < 0 ? text : text.slice(0, colon);
}

/**
 * → { style, path }: `path` is the part of the request path that names the object
 * (`/` for the bucket itself). Ambiguity rule: on an IP or localhost host, a first segment
 * equal to the bucket name is the bucket, never the start of a key.
 */
export function resolveAddress({ headers, pathname }, bucket) {
  const host = hostName(headers.host);
  if (host.startsWith(`${bucket}.`)) return { style: 'virtual-hosted', path: pathname };
  if (isIP(host) || host === 'localhost') {
    const segmentEnd = pathname.indexOf('/', 1);
    const first = segmentEnd < 0 ? pathname.slice(1) : pathname.slice(1, segmentEnd);
    if (first === bucket) return { style: 'path', path: segmentEnd < 0 ? '/' : pathname.slice(segmentEnd) };
  }
  return { style: 'custom-domain', path: pathname };
}
