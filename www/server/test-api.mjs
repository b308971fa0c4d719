// The HTTP control API under /__ossup_test/ (testMode only): fault rules, the server clock,
// STS credentials and the request log, for tests and demo pages that cannot call the server's
// JavaScript handle directly.

import { drainBody, readBodyText } from './body.mjs';
import { ossError } from './errors.mjs';
import { sendEmpty, sendJson } from './http-context.mjs';

export async function handleTestApi(ctx) {
  const { app, req, pathname } = ctx;
  ctx.skipLog = true;
  if (!app.config.testMode) {
    await drainBody(req);
    throw ossError('TestApiDisabled');
  }
  const text = (await readBodyText(req, 64 * 1024)) ?? '';
  let body = {};
  try {
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return sendJson(ctx, 400, { error: 'the body must be JSON' });
  }
  try {
    switch (`${req.method} ${pathname}`) {
      case 'POST /__ossup_test/faults':
        return sendJson(ctx, 200, { id: app.faults.add(body) });
      case 'GET /__ossup_test/faults':
        return sendJson(ctx, 200, app.faults.list());
      case 'DELETE /__ossup_test/faults':
        app.faults.clear();
        return sendEmpty(ctx, 204);
      case 'POST /__ossup_test/clock':
        app.clock.offsetMs = Number(body.offsetMs) || 0;
        return sendJson(ctx, 200, { offsetMs: app.clock.offsetMs, now: new Date(app.now()).toISOString() });
      case 'POST /__ossup_test/sts':
        return sendJson(
          ctx,
          200,
          app.credentials.issueSts({
            ...(body.ttlSeconds === undefined ? {} : { ttlSeconds: Number(body.ttlSeconds) }),
            ...(body.durationSeconds === undefined ? {} : { durationSeconds: Number(body.durationSeconds) }),
            ...(body.policy === undefined ? {} : { policy: body.policy }),
          }),
        );
      case 'GET /__ossup_test/requests':
        return sendJson(ctx, 200, app.requests);
      case 'DELETE /__ossup_test/requests':
        app.requests.splice(0);
        return sendEmpty(ctx, 204);
      default:
        return sendJson(ctx, 404, { error: `no test API at ${req.method} ${pathname}` });
    }
  } catch (error) {
    if (error instanceof TypeError) return sendJson(ctx, 400, { error: error.message });
    throw error;
  }
}
