// Who is asking: every object request is checked the way OSS checks it, by the Authorization
// header (V1/V4) or a presigned URL (V1/V4). A request that sends no signature is anonymous,
// and only the caller knows whether the bucket/object ACL lets it through; a signature that
// is sent and wrong is refused even where anonymous access would have been allowed.

import { ossError } from './errors.mjs';
import { signatureKind, verifyHeaderAuth, verifyQueryV1, verifyQueryV4 } from './oss-auth.mjs';

export const BUCKET_ACLS = new Set(['private', 'public-read', 'public-read-write']);
export const OBJECT_ACLS = new Set(['default', ...BUCKET_ACLS]);

/** → { accessKeyId, version, presigned? } or { anonymous: true } when `anonymous` allows it. */
export function authenticate(ctx, key, { anonymous = false } = {}) {
  const { app } = ctx;
  const request = {
    method: ctx.req.method,
    headers: ctx.headers,
    key,
    query: ctx.queryList,
    queryBytes: ctx.queryBytes,
    bucket: app.config.bucket,
    region: app.config.region,
    sourceIp: ctx.req.socket.remoteAddress, // acs:SourceIp in STS session policies
  };
  // A presigned URL is held to the same session/RAM-user policy as a header-signed request.
  const authorized = (verified, tokenParam) => {
    const param = (name) => request.query.find(([queryName]) => queryName === name)?.[1];
    app.credentials.authorize(verified.accessKeyId, param(tokenParam), {
      ...request,
      has: (name) => request.query.some(([queryName]) => queryName === name),
      header: (name) => ctx.headers[name.toLowerCase()],
      now: ctx.receivedAt,
    });
    return verified;
  };
  const options = { credentials: app.credentials, now: () => ctx.receivedAt, maxSkewMs: app.config.maxSkewMs };
  switch (signatureKind(request)) {
    case 'header':
      return verifyHeaderAuth(request, options);
    case 'query-v1':
      return authorized(verifyQueryV1(request, options), 'security-token');
    case 'query-v4':
      return authorized(verifyQueryV4(request, options), 'x-oss-security-token');
  }
  if (anonymous) return { anonymous: true };
  throw ossError('MissingAuthorization');
}

/** The ACL in force for an object: its own, or the bucket's when it has `default`. */
export function effectiveAcl(app, objectAcl) {
  return objectAcl && objectAcl !== 'default' ? objectAcl : app.config.bucketAcl;
}

/** Anonymous reads need public-read or public-read-write; anonymous writes need public-read-write. */
export function assertAnonymousAllowed(app, { write, objectAcl }) {
  const acl = effectiveAcl(app, objectAcl);
  const allowed = write ? acl === 'public-read-write' : acl === 'public-read' || acl === 'public-read-write';
  if (!allowed) throw ossError('AnonymousAccessDenied');
}
