// The three ways an upload gets signed, behind one interface:
//   signForm      — your app server signs each form (recommended), or many at once (signForms);
//   credentials   — STS temporary credentials, refreshed before they expire, one refresh at a
//                   time however many uploads need it (ali-oss #1363/#1391 raced here);
//   permanent key — only with `dangerouslyAllowPermanentKey: true`.
import { OssupError, rememberSecrets } from './errors.js';
import { buildPostForm, now } from './core.js';

const PERMANENT_KEY_RISK =
  'a permanent AccessKey in a mini program or web page is readable by anyone who opens the package: ' +
  'it can overwrite, list and delete your bucket and run up your bill. Sign forms on your server ' +
  '(`signForm`) or hand out STS credentials (`credentials`); if you really mean it, pass `dangerouslyAllowPermanentKey: true`';

function expiryMs(expiration) {
  if (expiration === undefined || expiration === null || expiration === '') return Infinity;
  const ms =
    expiration instanceof Date
      ? expiration.getTime()
      : typeof expiration === 'number'
        ? expiration
        : Date.parse(expiration);
  if (!Number.isFinite(ms)) {
    throw new OssupError(
      'INVALID_CREDENTIALS',
      `credentials.expiration ${JSON.stringify(expiration)} is not a date (use ISO-8601, e.g. 2030-01-01T00:00:00Z)`,
    );
  }
  return ms;
}

function checkCredentials(value) {
  if (!value || typeof value !== 'object') {
    throw new OssupError(
      'INVALID_CREDENTIALS',
      '`credentials()` must resolve to { accessKeyId, accessKeySecret, securityToken, expiration }',
    );
  }
  // Accept both our names and the STS API's (AccessKeyId, AccessKeySecret, SecurityToken, Expiration).
  const c = {
    accessKeyId: value.accessKeyId || value.AccessKeyId,
    accessKeySecret: value.accessKeySecret || value.AccessKeySecret,
    securityToken: value.securityToken || value.SecurityToken || value.stsToken,
    expiration: value.expiration || value.Expiration,
  };
  for (const name of ['accessKeyId', 'accessKeySecret', 'securityToken']) {
    if (typeof c[name] !== 'string' || !c[name]) {
      throw new OssupError(
        'INVALID_CREDENTIALS',
        `\`credentials()\` resolved without \`${name}\`: STS credentials have an id, a secret and a security token`,
      );
    }
  }
  c.expiresAt = expiryMs(c.expiration);
  return c;
}

/**
 * Picks the credential mode from the uploader options and returns
 * `{ mode, form(request, attempt), signingCredentials(), refreshAfter(error, used) }`.
 * `hooks.serverClock()` resolves to whether it learned the server's time (setting the signing
 * clock): asked before credentials are called expired by the device's clock alone.
 */
export function createCredentials(options, hooks = {}) {
  const modes = [];
  if (options.signForm !== undefined || options.signForms !== undefined) modes.push('signForm');
  if (options.credentials !== undefined) modes.push('credentials');
  if (options.accessKeySecret !== undefined || options.accessKeyId !== undefined) modes.push('permanent');
  if (modes.length === 0) {
    throw new OssupError(
      'MISSING_CREDENTIALS',
      'no way to sign uploads: pass `signForm` (your server signs each form; recommended) or `credentials` (STS temporary credentials)',
    );
  }
  if (modes.length > 1) {
    throw new OssupError(
      'INVALID_OPTION',
      `pass one of signForm, credentials or accessKeyId/accessKeySecret, not ${modes.join(' and ')}`,
    );
  }
  const mode = modes[0];
  const refreshMarginMs = options.refreshBeforeExpiry !== undefined ? options.refreshBeforeExpiry : 60000;

  if (mode === 'signForm') {
    const { signForm, signForms } = options;
    if (
      (signForm !== undefined && typeof signForm !== 'function') ||
      (signForms !== undefined && typeof signForms !== 'function')
    )
      throw new OssupError(
        'INVALID_OPTION',
        '`signForm` must be an async function ({ key, name, size, contentType }) => fields, `signForms` one taking and resolving to a list',
      );
    const ask = (request) => ({
      key: request.key,
      name: request.name,
      size: request.size,
      contentType: request.contentType,
    });
    const call = async (sign) => {
      try {
        return await sign();
      } catch (error) {
        // Retry what may pass next time (network, 5xx); a 4xx from your server is an answer.
        const status = error && (error.status || error.statusCode);
        throw new OssupError('SIGN_FORM_FAILED', `signForm failed: ${error && error.message}`, {
          cause: error,
          status: typeof status === 'number' ? status : undefined,
          retryable: !(typeof status === 'number' && status < 500),
        });
      }
    };
    const checked = (answer) => {
      const fields = answer && answer.fields ? answer.fields : answer;
      if (!fields || typeof fields !== 'object' || !fields.policy || !(fields.Signature || fields['x-oss-signature'])) {
        throw new OssupError(
          'SIGN_FORM_FAILED',
          'signForm must resolve to the signed form fields ({ key, policy, x-oss-signature, … }) or { host, fields }',
        );
      }
      rememberSecrets(fields['x-oss-security-token']);
      return { fields: { ...fields }, url: answer.host || answer.url };
    };
    return {
      mode,
      form: async (request) =>
        checked(
          await call(() =>
            signForm ? signForm(ask(request)) : signForms([ask(request)]).then((list) => list && list[0]),
          ),
        ),
      /** With `signForms`: one request to your server for many files, answered in order. */
      forms:
        signForms &&
        (async (requests) => {
          const list = await call(() => signForms(requests.map(ask)));
          if (!Array.isArray(list) || list.length !== requests.length)
            throw new OssupError('SIGN_FORM_FAILED', '`signForms` must resolve to one form per file, in order', {
              retryable: true,
            });
          return list.map(checked);
        }),
      signingCredentials() {
        return Promise.resolve(null);
      },
      refreshAfter() {
        return Promise.resolve(false);
      },
    };
  }

  let getCredentials;
  if (mode === 'permanent') {
    if (options.dangerouslyAllowPermanentKey !== true)
      throw new OssupError('PERMANENT_KEY_REFUSED', PERMANENT_KEY_RISK);
    if (!options.accessKeyId || !options.accessKeySecret)
      throw new OssupError('MISSING_OPTION', 'a permanent key needs both `accessKeyId` and `accessKeySecret`');
    const fixed = { accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret, expiresAt: Infinity };
    rememberSecrets(fixed.accessKeySecret);
    getCredentials = () => Promise.resolve(fixed);
  } else {
    if (typeof options.credentials !== 'function')
      throw new OssupError(
        'INVALID_OPTION',
        '`credentials` must be an async function () => { accessKeyId, accessKeySecret, securityToken, expiration }',
      );
    let cached = null;
    let inflight = null;
    const fetchOnce = () =>
      Promise.resolve()
        .then(() => options.credentials())
        .then(checkCredentials, (error) => {
          throw error instanceof OssupError
            ? error
            : new OssupError('CREDENTIALS_FAILED', `credentials() failed: ${error && error.message}`, {
                cause: error,
                retryable: true,
              });
        })
        .then((fresh) => {
          rememberSecrets(fresh.accessKeySecret, fresh.securityToken);
          return fresh;
        });
    // Expired by the device's clock: that clock may be wrong (by more than the credentials'
    // lifetime), so ask the server's time first; expired by the server's too, ask for
    // credentials once more before failing. A server that cannot tell (its Date hidden from
    // the page) leaves the judgement to OSS (SecurityTokenExpired refreshes once).
    const judgeExpired = async (fresh) => {
      const learned = hooks.serverClock ? await hooks.serverClock() : false;
      if (fresh.expiresAt > now()) return fresh;
      if (!learned) return Object.assign(fresh, { unjudged: true });
      const again = await fetchOnce();
      if (again.expiresAt > now()) return again;
      throw new OssupError(
        'INVALID_CREDENTIALS',
        `credentials() returned credentials that expired at ${again.expiration}, by the server's clock too (it is ${new Date(now()).toISOString()} there): check your STS endpoint`,
        { expiration: again.expiration },
      );
    };
    const fetchFresh = () => {
      if (!inflight) {
        inflight = fetchOnce()
          .then((fresh) => (fresh.expiresAt <= now() ? judgeExpired(fresh) : fresh))
          .then((fresh) => {
            cached = fresh;
            return fresh;
          })
          .finally(() => {
            inflight = null;
          });
      }
      return inflight;
    };
    getCredentials = (stale) => {
      if (cached && cached !== stale && (cached.unjudged || cached.expiresAt - now() > refreshMarginMs))
        return Promise.resolve(cached);
      return fetchFresh();
    };
  }

  let last = null;
  return {
    mode,
    async form(request) {
      const c = await getCredentials();
      last = c;
      const secondsLeft = Math.floor((c.expiresAt - now()) / 1000);
      const expiresIn = Math.max(
        60,
        Math.min(request.expiresIn || 900, Number.isFinite(secondsLeft) ? secondsLeft : 900),
      );
      const form = buildPostForm({
        version: request.signatureVersion,
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        securityToken: c.securityToken,
        region: request.region,
        bucket: request.bucket,
        key: request.key,
        contentType: request.contentType,
        contentLengthRange: [request.size, request.size],
        expiresIn,
        forbidOverwrite: request.forbidOverwrite,
        successActionStatus: request.successActionStatus,
        meta: request.meta,
        headers: request.headers,
        callback: request.callback,
        callbackVar: request.callbackVar,
      });
      return { fields: form.fields, used: c };
    },
    /** Credentials for signing requests (multipart, HEAD): null in signForm mode. */
    signingCredentials() {
      return getCredentials().then((c) => (last = c));
    },
    /**
     * After an expired/invalid-token answer: refresh once (shared by every upload that saw the
     * same stale credentials) and say whether a retry makes sense.
     */
    async refreshAfter(error, used) {
      if (mode !== 'credentials') return false;
      const fresh = await getCredentials(used || last);
      return fresh !== (used || last);
    },
  };
}
