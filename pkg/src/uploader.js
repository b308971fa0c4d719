// The uploader: a queue of files, each signed, posted, retried and checked, with progress and
// cancel. Platform-free: it talks to one transport (transports/*) and one credential source.
import { OssupError, callerError } from './errors.js';
import { createEmitter } from './emitter.js';
import { createCredentials } from './credentials.js';
import { bucketUrl, describeFile, objectUrl } from './files.js';
import { responseError, parseOssError, lowerHeaders, notOssResponse, requireOssHeaders } from './responses.js';
import { chooseTransport } from './platform.js';
import { ready, objectKey, createCrc64, setClockOffset, now } from './core.js';
import { vodDestination } from './vod.js';
import { createSignedRequests, HEADER_SIGNING } from './request-signing.js';
import { uploadMultipart, abortMultipart, readMd5Hex } from './multipart.js';
import { createCheckpointStore, memoryBackend } from './checkpoint.js';

const DEFAULT_RETRY = {
  limit: 3,
  delay: 500,
  backoffLimit: 10000,
  jitter: true,
  statusCodes: [408, 429, 500, 502, 503, 504],
};
const TOKEN_CODES = ['SecurityTokenExpired', 'InvalidSecurityToken', 'InvalidAccessKeyId'];
const CRC_CHUNK = 1024 * 1024;
const MAX_POST_OBJECT = 5 * 1024 * 1024 * 1024;

function retryOptions(value) {
  if (value === false || value === 0) return { ...DEFAULT_RETRY, limit: 0 };
  if (typeof value === 'number') return { ...DEFAULT_RETRY, limit: value };
  return { ...DEFAULT_RETRY, ...(value || {}) };
}

function matchesAccept(accept, file) {
  if (!accept || !accept.length) return true;
  const type = String(file.type).toLowerCase();
  const name = String(file.name).toLowerCase();
  return accept.some((rule) => {
    const r = String(rule).toLowerCase();
    if (r.startsWith('.')) return name.endsWith(r);
    if (r.endsWith('/*')) return type.startsWith(r.slice(0, -1));
    return type === r;
  });
}

// Every part of a file may be waiting out a backoff at once: cancel and halt wake them all.
const sleep = (ms, entry) =>
  new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      entry.wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    entry.wakers.add(wake);
  });

/**
 * The requests in flight across all files and parts: `fixed` (the `concurrency` option), else
 * adaptive up to `max`. One lossy TCP flow carries 3–4 Mbit/s, so it starts at 8 (a 4G uplink's
 * worth), adds a flow while each window's throughput grows by half a flow's share over the
 * last, and drops a quarter after an error or a stall. Waiting parts of started files go before new files.
 */
function createBudget(max, fixed) {
  let size = fixed || Math.min(max, 8);
  let active = 0;
  let bytes = 0;
  let done = 0;
  let since = Date.now();
  let last = 0;
  let slowedAt = 0;
  const waiting = [[], []];
  const next = () => {
    for (let wake; active < size && (wake = waiting[0].shift() || waiting[1].shift()); active++) wake();
  };
  const budget = {
    flows: fixed || max,
    /** A slot, for a part (before new files) or a file; `.cancel()` withdraws or gives it back. */
    acquire(part) {
      const queue = waiting[part ? 0 : 1];
      let wake;
      const slot = new Promise((resolve) => {
        wake = resolve;
        queue.push(resolve);
        next();
      });
      slot.cancel = () => (queue.includes(wake) ? queue.splice(queue.indexOf(wake), 1) : budget.release());
      return slot;
    },
    release() {
      active--;
      next();
    },
    /**
     * A request of `n` body bytes completed (progress runs ahead of the link by the socket's
     * buffer): a window closes after a second and one request per slot.
     */
    sent(n) {
      bytes += n;
      const t = Date.now();
      if (++done < size || t - since < 1000) return;
      const rate = bytes / (t - since);
      const grew = rate > last * (1 + 0.5 / size);
      bytes = done = 0;
      since = t;
      last = rate;
      if (fixed || !grew || size >= max || !(waiting[0].length || waiting[1].length)) return;
      size++;
      next();
    },
    /**
     * `n` files queued go at once when the cap allows: a file left to wait behind the others
     * would run alone on one flow at the end.
     */
    open(n) {
      if (!fixed && n > size) size = Math.min(max, n);
      next();
    },
    /** Bytes per second per flow in the last window, 0 before one. */
    flowRate: () => (last * 1000) / size,
    /** Errors that come together (an outage fails every flow) count once a second. */
    slower() {
      const t = Date.now();
      if (fixed || t - slowedAt < 1000) return;
      slowedAt = t;
      size = Math.max(1, size - Math.ceil(size / 4));
      last = 0;
    },
  };
  return budget;
}

/**
 * The transport, watched: a request whose upload makes no progress for `stallTimeout` ms is
 * aborted and fails retryably, so the retry goes out on a new connection (a connection silent
 * after an outage otherwise waits out TCP's backed-off timers). Completed requests feed the budget.
 */
function watchTransport(transport, stallTimeout, budget) {
  const watch = (send, silent) => (request) => {
    let timer;
    let stalled = null;
    let total = 0;
    const rearm = () => {
      clearTimeout(timer);
      if (stallTimeout && !silent)
        timer = setTimeout(() => {
          stalled = new OssupError('STALLED', `no upload progress for ${stallTimeout} ms`, { retryable: true });
          sent.abort();
        }, stallTimeout);
    };
    const sent = send({
      ...request,
      onProgress: (done, of) => {
        total = of || done;
        rearm();
        if (request.onProgress) request.onProgress(done, of);
      },
    });
    rearm();
    return {
      promise: sent.promise.then(
        (answer) => {
          clearTimeout(timer);
          budget.sent((request.body && request.body.byteLength) || total);
          return answer;
        },
        (error) => {
          clearTimeout(timer);
          throw stalled || error;
        },
      ),
      abort() {
        clearTimeout(timer);
        sent.abort();
      },
    };
  };
  return {
    ...transport,
    postObject: watch(transport.postObject),
    // Mini-program requests report no upload progress: the platform's timeout watches them.
    request: transport.request && watch(transport.request, transport.requestProgress === false),
  };
}

const aborted = () => new OssupError('ABORTED', 'the upload was canceled');
const SETTLED = ['success', 'error', 'canceled'];

function checkOptions(options) {
  if (!options || typeof options !== 'object')
    throw new OssupError('INVALID_OPTION', 'createUploader expects an options object');
  const signsItself =
    options.signForm === undefined && options.signForms === undefined && options.vodCredentials === undefined;
  if (signsItself && !options.bucket)
    throw new OssupError('MISSING_OPTION', '`bucket` is required (the bucket name, e.g. my-bucket)');
  if (signsItself && !options.region)
    throw new OssupError('MISSING_OPTION', '`region` is required (the Region ID, e.g. cn-hangzhou)');
  for (const name of ['concurrency', 'maxConcurrency']) {
    if (options[name] !== undefined && !(Number.isInteger(options[name]) && options[name] >= 1))
      throw new OssupError('INVALID_OPTION', `\`${name}\` must be a whole number ≥ 1`);
  }
  for (const name of ['maxFileSize', 'minFileSize', 'maxFiles', 'timeout', 'stallTimeout']) {
    if (options[name] !== undefined && !(typeof options[name] === 'number' && options[name] >= 0)) {
      throw new OssupError('INVALID_OPTION', `\`${name}\` must be a non-negative number`);
    }
  }
}

/**
 * `createUploader(options)` → `{ upload(files, uploadOptions) → task, transport, credentialMode }`.
 * See the README for the options.
 */
export function createUploader(options) {
  try {
    return makeUploader(options);
  } catch (error) {
    throw callerError('createUploader: the options', error); // a getter or a Proxy trap threw
  }
}

function makeUploader(options) {
  checkOptions(options);
  // Where files go and who signs: one destination for the uploader, or one per file in VOD mode.
  const destination = (config, credentials) => ({
    bucket: config.bucket,
    region: config.region,
    baseUrl: config.bucket || config.endpoint ? bucketUrl(config) : null,
    credentials,
    // (never in ossup/post, which has no header signing: one PostObject per file there)
    canSignRequests: HEADER_SIGNING && (credentials.mode !== 'signForm' || typeof options.signRequest === 'function'),
  });
  // ossup/post has no VOD: its vodDestination throws NOT_IN_POST_ENTRY, here rather than per file.
  if (!HEADER_SIGNING && options.vodCredentials !== undefined) vodDestination();
  // The server's time, asked once, when credentials look expired by the device's clock: an
  // unsigned HEAD of the bucket answers (whatever its status) with the server's Date.
  let serverClockAsked = null;
  const serverClock = () => {
    if (!serverClockAsked) serverClockAsked = askServerClock().catch(() => false);
    return serverClockAsked;
  };
  async function askServerClock() {
    const base = defaultDestination && defaultDestination.baseUrl;
    if (!base || !transport.request) return false;
    const answer = await transport.request({ method: 'HEAD', url: `${base}/`, headers: {}, timeout }).promise;
    const server = Date.parse(lowerHeaders(answer.headers).date || '');
    if (!Number.isFinite(server)) return false;
    setClockOffset(server - Date.now());
    return true;
  }
  const defaultDestination =
    options.vodCredentials === undefined ? destination(options, createCredentials(options, { serverClock })) : null;
  if (!defaultDestination && typeof options.vodCredentials !== 'function') {
    throw new OssupError(
      'INVALID_OPTION',
      '`vodCredentials` must be an async function (file) => ({ uploadAddress, uploadAuth, videoId })',
    );
  }
  async function resolveDestination(entry) {
    if (defaultDestination) return defaultDestination;
    const vod = await vodDestination(
      options,
      { name: entry.file.name, size: entry.size, type: entry.file.type, index: entry.index, input: entry.input },
      (getter) => createCredentials({ credentials: getter, refreshBeforeExpiry: options.refreshBeforeExpiry }),
      now,
    );
    entry.videoId = vod.videoId;
    entry.proposedKey = vod.key;
    return destination({ bucket: vod.bucket, region: vod.region, endpoint: vod.endpoint }, vod.credentials);
  }
  const given = options.transport || chooseTransport();
  const retry = retryOptions(options.retry);
  // The platform's cap (WeChat: 10 requests in total, shared with the app) and a default below
  // it (8 there: room for the app's own requests).
  const cap = given.maxConcurrency || 64;
  const maxConcurrency = Math.min(
    cap,
    options.maxConcurrency || options.maxRequests || given.defaultConcurrency || cap,
  );
  const budget = createBudget(maxConcurrency, options.concurrency && Math.min(options.concurrency, cap));
  const stallTimeout = options.stallTimeout !== undefined ? options.stallTimeout : 15000;
  const transport = watchTransport(given, stallTimeout, budget);
  const timeout = options.timeout !== undefined ? options.timeout : transport.defaultTimeout;
  const minFileSize = options.minFileSize !== undefined ? options.minFileSize : 1;
  const integrity = options.integrity !== false;
  // No overwrite by default; VOD addresses are VOD's to manage (RefreshUploadVideo re-uploads
  // a video's source to the same address), so there it defaults to false.
  const forbidOverwrite =
    options.forbidOverwrite !== undefined ? options.forbidOverwrite !== false : options.vodCredentials === undefined;
  const multipartThreshold = options.multipartThreshold !== undefined ? options.multipartThreshold : 8 * 1024 * 1024;
  const store = createCheckpointStore(
    options.checkpointStorage || (transport.storage ? transport.storage(options) : memoryBackend()),
    { maxAgeMs: options.checkpointMaxAge },
  );

  const request = createSignedRequests({ options, transport, timeout });
  const inParts = (entry, dest) =>
    entry.size >= multipartThreshold &&
    transport.request &&
    transport.readRange &&
    dest.canSignRequests &&
    dest.baseUrl;

  function upload(files, uploadOptions = {}) {
    const list =
      files === undefined || files === null
        ? []
        : Array.isArray(files)
          ? files
          : files.tempFiles || files.apFilePaths || files.tempFilePaths || [files];
    const task = createEmitter();
    const entries = [];
    let canceledAll = false;
    let pausedUntil = null; // a promise while paused
    let resumeNow = null;
    const whilePaused = async (entry) => {
      while (pausedUntil && !(entry && (entry.canceled || entry.halted)))
        await Promise.race([pausedUntil, entry ? entry.canceledSignal : pausedUntil]);
    };
    // A settled file stays settled: late work of its own cannot flip it back.
    const setState = (entry, state) => {
      if (SETTLED.includes(entry.state)) return;
      entry.state = state;
      entry.public.state = state;
    };
    // One part failed for good: the file's other requests are aborted and none starts.
    const halt = (entry, error) => {
      if (entry.halted) return;
      entry.halted = error;
      for (const abort of [...entry.aborts]) abort();
      for (const wake of [...entry.wakers]) wake();
      entry.signalCanceled();
    };
    let finished;
    const done = new Promise((resolve, reject) => {
      finished = { resolve, reject };
    });
    done.catch(() => {});

    const totals = () => {
      let loaded = 0;
      let total = 0;
      let speed = 0;
      for (const e of entries) {
        if (e.state === 'error' && !e.size) continue;
        loaded += e.loaded;
        total += e.size || 0;
        if (e.state === 'uploading') speed += e.speed;
      }
      return { loaded, total, percent: total ? Math.min(100, (loaded / total) * 100) : 0, speed };
    };

    const progress = (entry, loaded) => {
      const t = Date.now();
      const dt = (t - entry.lastTime) / 1000;
      if (dt > 0.05) {
        const rate = Math.max(0, loaded - entry.lastLoaded) / dt;
        entry.speed = entry.speed ? entry.speed * 0.7 + rate * 0.3 : rate;
        entry.lastTime = t;
        entry.lastLoaded = loaded;
      }
      entry.loaded = loaded;
      const all = totals();
      task.emit('progress', {
        file: entry.public,
        loaded,
        total: entry.size,
        percent: entry.size ? (loaded / entry.size) * 100 : 100,
        speed: entry.speed,
        totalLoaded: all.loaded,
        totalBytes: all.total,
        totalPercent: all.percent,
        totalSpeed: all.speed,
      });
    };

    const finish = (entry, state, value) => {
      if (SETTLED.includes(entry.state)) return;
      setState(entry, state);
      if (state === 'success') {
        entry.result = value;
        progress(entry, entry.size);
        task.emit('success', entry.public, value);
      } else {
        entry.error = value;
        entry.public.error = value;
        task.emit(state === 'canceled' ? 'cancel' : 'error', entry.public, value);
      }
    };

    async function localCrc(entry) {
      if (!integrity || !transport.readRange) return null;
      if (!entry.crcPromise) {
        entry.crcPromise = (async () => {
          const crc = createCrc64();
          for (let start = 0; start < entry.size; start += CRC_CHUNK) {
            const bytes = await transport.readRange(entry.file, start, Math.min(entry.size, start + CRC_CHUNK));
            if (!bytes) return null;
            crc.update(bytes);
          }
          return crc.digest();
        })().catch(() => null);
      }
      return entry.crcPromise;
    }

    // The response of a lost PostObject may have been a success: with forbid-overwrite the
    // retry then meets 409 FileAlreadyExists. Report success only if what is stored is ours
    // (size and CRC-64; DESIGN-NOTES "A retry after a lost response").
    async function storedIsOurs(entry) {
      const crc = await localCrc(entry);
      if (!crc || !transport.request || !entry.dest.canSignRequests) return false;
      try {
        const head = await request(entry, {
          method: 'HEAD',
          key: entry.key,
          headers: { 'content-type': entry.file.type },
        });
        return Number(head.headers['content-length']) === entry.size && head.headers['x-oss-hash-crc64ecma'] === crc;
      } catch {
        return false;
      }
    }

    // Where the CRC-64 header is hidden (a browser bucket's CORS), the ETag of a PostObject is
    // the MD5 of the stored bytes (upper-case hex; not under SSE-KMS): compare it with the file's.
    async function etagCheck(entry, etag, headers) {
      if (!integrity || !readMd5Hex || !transport.readRange) return 'none';
      if (!/^[0-9a-f]{32}$/i.test(etag || '') || /kms/i.test(headers['x-oss-server-side-encryption'] || ''))
        return 'none';
      const md5 = await readMd5Hex(transport, entry.file, entry.size).catch(() => null);
      if (!md5) return 'none';
      if (md5.toLowerCase() !== etag.toLowerCase()) {
        throw new OssupError(
          'INTEGRITY_MISMATCH',
          `${entry.key}: the stored object's MD5 (ETag ${etag}) differs from the file's (${md5}): the bytes were corrupted on the way; upload it again under a new key`,
          { key: entry.key, serverEtag: etag, localMd5: md5 },
        );
      }
      return 'etag-md5';
    }

    const formRequest = (entry, dest = entry.dest) => ({
      key: entry.key || entry.proposedKey,
      name: entry.file.name,
      size: entry.size,
      contentType: entry.file.type,
      region: dest.region,
      bucket: dest.bucket,
      signatureVersion: options.signatureVersion,
      expiresIn: options.formExpiresIn,
      forbidOverwrite,
      successActionStatus: 200,
      meta: uploadOptions.meta || options.meta,
      headers: uploadOptions.headers || options.headers,
      callback: uploadOptions.callback || options.callback,
      callbackVar: uploadOptions.callbackVar || options.callbackVar,
    });

    // signForms: this file's form and those of the next files not yet asked for, in one request
    // to your server (in this file's slot), so they start without a round trip of their own.
    // A form fetched ahead is used once, within 5 minutes; a failed batch is asked for again.
    async function formFor(entry) {
      const credentials = entry.dest.credentials;
      const ahead = entry.form;
      entry.form = null;
      const early = ahead && Date.now() - ahead.at < 300000 && (await ahead.promise);
      if (early) return early;
      if (!credentials.forms) return credentials.form(formRequest(entry));
      const next = entries.filter(
        (e) =>
          e.form === undefined && e !== entry && !e.invalid && !SETTLED.includes(e.state) && !inParts(e, entry.dest),
      );
      const batch = [entry, ...next.slice(0, 19)];
      const answers = credentials.forms(batch.map((e) => formRequest(e, entry.dest)));
      const at = Date.now();
      batch.forEach((e, i) => {
        if (i) e.form = { at, promise: answers.then((list) => list[i]).catch(() => null) };
      });
      return (await answers)[0];
    }

    async function postOnce(entry) {
      const proposedKey = entry.key || entry.proposedKey;
      const signed = await formFor(entry);
      entry.usedCredentials = signed.used;
      const fields = signed.fields;
      entry.key = fields.key || proposedKey;
      if (!fields.key) fields.key = entry.key;
      const base = signed.url ? String(signed.url).replace(/\/+$/, '') : entry.dest.baseUrl;
      if (!base)
        throw new OssupError(
          'MISSING_OPTION',
          '`signForm` returned no `host` and no `bucket`/`endpoint` is configured',
        );
      entry.url = objectUrl(base, entry.key);
      const crcPromise = localCrc(entry);
      let headers = {};
      const answer = await (async () => {
        const posting = transport.postObject({
          url: `${base}/`,
          fields,
          file: entry.file,
          timeout,
          onProgress: (sent, total) => {
            const share = total ? Math.min(1, sent / total) : 0;
            progress(entry, Math.min(entry.size, Math.round(share * entry.size)));
          },
          onHeaders: (h) => {
            headers = { ...headers, ...h };
          },
        });
        entry.aborts.add(posting.abort);
        try {
          return await posting.promise;
        } finally {
          entry.aborts.delete(posting.abort);
        }
      })();
      headers = { ...headers, ...lowerHeaders(answer.headers) };
      const expected = Number(fields.success_action_status || 204);
      if (answer.status !== expected && answer.status !== 203 && !(answer.status >= 200 && answer.status < 300)) {
        throw responseError(answer.status, answer.body, headers);
      }
      // A 2xx is OSS's only with its headers (203 CallbackFailed is an OSS error body). Where the
      // platform shows no response headers, OSS's answer without a callback is empty (200, 204)
      // or a <PostResponse> (201): a page in its place is a portal's.
      if (answer.headersSeen === false) {
        const ossBody = !answer.body || /<PostResponse[\s>]/.test(answer.body);
        if (answer.status !== 203 && !fields.callback && !ossBody) throw notOssResponse('PostObject', answer.status);
      } else {
        requireOssHeaders(
          'PostObject',
          { status: answer.status, headers },
          answer.status === 203 ? ['x-oss-request-id'] : undefined,
        );
      }
      const crc = headers['x-oss-hash-crc64ecma'];
      const ours = await crcPromise;
      if (crc && ours && crc !== ours) {
        throw new OssupError(
          'CRC64_MISMATCH',
          `the stored object's CRC-64 (${crc}) differs from the file's (${ours}): the bytes were corrupted on the way; upload it again under a new key`,
          { key: entry.key, serverCrc64: crc, localCrc64: ours },
        );
      }
      const etag = headers.etag ? headers.etag.replace(/"/g, '') : undefined;
      const check = crc && ours ? 'crc64' : await etagCheck(entry, etag, headers);
      const result = {
        key: entry.key,
        url: entry.url,
        etag,
        crc64: crc || ours || undefined,
        size: entry.size,
        name: entry.file.name,
        integrity: check === 'none' ? 'unverified' : 'verified',
        check,
      };
      // 203: stored, but the callback failed (oss-spec §1d) — a stored file, not a failure.
      if (answer.status === 203) result.callbackError = parseOssError(answer.body) || { code: 'CallbackFailed' };
      else if (answer.status === 200 && answer.body) result.callbackBody = answer.body;
      return result;
    }

    function learnClock(error) {
      const server = Date.parse(error.serverDate || '') || Date.parse(error.serverTime || '');
      if (!Number.isFinite(server)) return false;
      setClockOffset(server - Date.now());
      return true;
    }

    /**
     * Runs `once` until it succeeds, the error is final, or the file is canceled: backoff with
     * jitter on network errors, timeouts and 5xx; one credential refresh on an expired token;
     * one clock correction on a skew error; attempts interrupted by pause() do not count.
     */
    async function withRetries(entry, once, recover) {
      let refreshed = false;
      let clockFixed = false;
      for (let attempt = 1; ; attempt++) {
        await whilePaused(entry);
        if (entry.canceled) throw aborted();
        if (entry.halted) throw entry.halted;
        try {
          return await once(attempt);
        } catch (error) {
          if (entry.canceled) throw aborted();
          if (entry.halted) throw entry.halted;
          if (pausedUntil) {
            attempt--;
            continue;
          }
          const recovered = recover ? await recover(error, attempt) : undefined;
          if (recovered) return recovered;
          const skewed =
            error.code === 'RequestTimeTooSkewed' ||
            (error.code === 'AccessDenied' && /expired/i.test(error.ossMessage || ''));
          if (skewed && !clockFixed && entry.dest.credentials.mode !== 'signForm' && learnClock(error)) {
            clockFixed = true;
            task.emit('retry', entry.public, { attempt, delay: 0, error, reason: 'clock-skew' });
            continue;
          }
          if (
            TOKEN_CODES.includes(error.code) &&
            !refreshed &&
            (await entry.dest.credentials.refreshAfter(error, entry.usedCredentials))
          ) {
            refreshed = true;
            task.emit('retry', entry.public, { attempt, delay: 0, error, reason: 'credentials-refreshed' });
            continue;
          }
          const retryable =
            error.retryable === true || (error.status !== undefined && retry.statusCodes.includes(error.status));
          const allowed =
            retryable && attempt <= retry.limit && (!retry.shouldRetry || retry.shouldRetry(error, attempt));
          if (!allowed) throw error;
          let delay = Math.min(retry.backoffLimit, retry.delay * 2 ** (attempt - 1));
          if (retry.jitter) delay = Math.round(delay * (0.5 + Math.random() / 2));
          budget.slower();
          setState(entry, 'retrying');
          task.emit('retry', entry.public, { attempt, delay, error });
          await sleep(delay, entry);
          setState(entry, 'uploading');
        }
      }
    }

    // After a lost response, a retry with forbid-overwrite meets FileAlreadyExists: success
    // only if what is stored is ours (DESIGN-NOTES "A retry after a lost response").
    async function recoverExisting(entry, error, attempt) {
      if (error.code !== 'FileAlreadyExists' || attempt < 2 || !(await storedIsOurs(entry))) return undefined;
      return {
        key: entry.key,
        url: entry.url,
        crc64: await localCrc(entry),
        size: entry.size,
        name: entry.file.name,
        integrity: 'verified',
        check: 'crc64',
        recovered: true,
      };
    }

    const multipartContext = {
      transport,
      store,
      options: { ...options, forbidOverwrite },
      request,
      withRetries,
      halt,
      progress: (entry, loaded) => progress(entry, loaded),
      emit: (event, entry, info) => task.emit(event, entry.public, info),
      whilePaused: (entry) => whilePaused(entry),
      budget,
      timeout,
    };

    async function uploadEntry(entry) {
      setState(entry, 'uploading');
      entry.lastTime = Date.now();
      task.emit('start', entry.public);
      entry.dest = await resolveDestination(entry);
      if (entry.videoId !== undefined)
        task.emit('vod', entry.public, { videoId: entry.videoId, key: entry.proposedKey });
      if (!inParts(entry, entry.dest))
        return withRetries(
          entry,
          () => postOnce(entry),
          (error, attempt) => recoverExisting(entry, error, attempt),
        );
      entry.key = entry.proposedKey;
      try {
        const done = await uploadMultipart(multipartContext, entry);
        return { ...done, url: objectUrl(entry.dest.baseUrl, done.key), size: entry.size, name: entry.file.name };
      } catch (error) {
        if (entry.canceled) await abortMultipart(multipartContext, entry);
        throw error;
      }
    }

    async function run() {
      if (!list.length) throw new OssupError('NO_FILES', 'upload() was given no files');
      if (options.maxFiles !== undefined && list.length > options.maxFiles) {
        throw new OssupError(
          'TOO_MANY_FILES',
          `${list.length} files given; at most ${options.maxFiles} are allowed per upload`,
        );
      }
      await ready();
      // Restrictions, before any request (Uppy's model): a file that breaks one fails alone.
      for (const entry of entries) {
        if (entry.invalid) continue;
        try {
          entry.size = await transport.stat(entry.file);
          entry.file.size = entry.size;
          entry.public.size = entry.size;
          const f = entry.file;
          if (entry.size < minFileSize) {
            throw new OssupError(
              entry.size === 0 ? 'FILE_EMPTY' : 'FILE_TOO_SMALL',
              `${f.name} is ${entry.size} bytes; the minimum is ${minFileSize}`,
            );
          }
          if (options.maxFileSize !== undefined && entry.size > options.maxFileSize) {
            throw new OssupError(
              'FILE_TOO_LARGE',
              `${f.name} is ${entry.size} bytes; the maximum is ${options.maxFileSize}`,
            );
          }
          // PostObject takes at most 5 GB (oss-spec §1); bigger files need multipart.
          if (
            entry.size > MAX_POST_OBJECT &&
            !(entry.size >= multipartThreshold && (defaultDestination ? defaultDestination.canSignRequests : true))
          ) {
            throw new OssupError(
              'FILE_TOO_LARGE',
              `${f.name} is over 5 GB, the most one PostObject takes: ${
                HEADER_SIGNING
                  ? 'in server-signed mode pass `signRequest` so it can go up in parts'
                  : 'ossup/post has no multipart; upload it with the full ossup entry'
              }`,
            );
          }
          if (!matchesAccept(options.accept, f)) {
            throw new OssupError(
              'FILE_TYPE_NOT_ALLOWED',
              `${f.name} (${f.type}) is not an allowed type: ${options.accept.join(', ')}`,
            );
          }
          const key = typeof uploadOptions.key === 'function' ? uploadOptions.key(f, entry.index) : undefined;
          // With the type, the key's extension agrees with what the form pins (KEY_TYPE_MISMATCH).
          entry.proposedKey = key || objectKey({ prefix: options.keyPrefix || '', name: f.name, contentType: f.type });
        } catch (error) {
          entry.invalid = error;
        }
      }
      for (const entry of entries) if (entry.invalid) finish(entry, 'error', entry.invalid);

      const queue = entries.filter((e) => !e.invalid);
      budget.open(queue.length);
      // A file starts when the budget has a slot for it, and keeps that slot until it settles.
      const worker = async () => {
        for (;;) {
          await budget.acquire(false);
          const entry = queue.shift();
          try {
            if (!entry) return;
            await whilePaused(entry);
            if (entry.canceled || canceledAll) continue;
            finish(entry, 'success', await uploadEntry(entry));
          } catch (error) {
            finish(entry, entry.canceled ? 'canceled' : 'error', error);
          } finally {
            budget.release();
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(budget.flows, queue.length) }, worker));
      const results = entries.map((e) =>
        e.state === 'success'
          ? { status: 'success', ...e.result }
          : { status: e.state, name: e.public.name, error: e.error },
      );
      const summary = {
        successful: results.filter((r) => r.status === 'success'),
        failed: results.filter((r) => r.status === 'error'),
        canceled: results.filter((r) => r.status === 'canceled'),
        results,
      };
      task.emit('complete', summary);
      return results;
    }

    function cancelEntry(entry) {
      if (entry.state === 'success' || entry.state === 'error' || entry.state === 'canceled') return;
      entry.canceled = true;
      entry.signalCanceled();
      for (const abort of [...entry.aborts]) abort();
      for (const wake of [...entry.wakers]) wake();
      if (entry.state === 'queued') finish(entry, 'canceled', new OssupError('ABORTED', 'the upload was canceled'));
    }

    // Entries exist as soon as upload() returns, so task.files[i].cancel() works at once.
    list.forEach((input, index) => {
      const entry = {
        index,
        state: 'queued',
        loaded: 0,
        speed: 0,
        lastLoaded: 0,
        lastTime: 0,
        aborts: new Set(),
        wakers: new Set(),
      };
      entry.input = input;
      entry.canceledSignal = new Promise((resolve) => {
        entry.signalCanceled = resolve;
      });
      entry.public = { index, name: undefined, size: undefined, state: 'queued', cancel: () => cancelEntry(entry) };
      try {
        entry.file = describeFile(input, index);
        entry.public.name = entry.file.name;
      } catch (error) {
        entry.invalid = error;
      }
      entries.push(entry);
    });
    task.files = entries.map((e) => e.public);
    task.cancel = (which) => {
      if (which === undefined) {
        canceledAll = true;
        entries.forEach(cancelEntry);
        return;
      }
      const entry = typeof which === 'number' ? entries[which] : entries.find((e) => e.public === which);
      if (entry) cancelEntry(entry);
    };
    // Pause: no new parts or files start, in-flight part requests are aborted (their attempts do
    // not count) and resume where they were; a PostObject in flight finishes.
    // Mini programs: a request still open 5 s after the app goes to the background fails
    // ("interrupted", DESIGN-NOTES). Pause with the app and resume with it; an attempt that
    // fails while paused does not count.
    let autoPaused = false;
    const lifecycle = transport.lifecycle
      ? transport.lifecycle({
          hide: () => {
            if (pausedUntil) return;
            autoPaused = true;
            task.pause();
          },
          show: () => {
            if (!autoPaused) return;
            autoPaused = false;
            task.resume();
          },
        })
      : null;
    task.pause = () => {
      if (pausedUntil) return;
      pausedUntil = new Promise((resolve) => {
        resumeNow = resolve;
      });
      for (const entry of entries) {
        if (entry.uploadId) for (const abort of entry.aborts) abort();
      }
      task.emit('pause');
    };
    task.resume = () => {
      if (!pausedUntil) return;
      const resolve = resumeNow;
      pausedUntil = null;
      resumeNow = null;
      resolve();
      task.emit('resume');
    };
    task.then = (a, b) => done.then(a, b);
    task.catch = (b) => done.catch(b);
    task.finally = (f) => done.finally(f);
    // Start after the caller had a chance to attach listeners.
    Promise.resolve()
      .then(run)
      .finally(() => lifecycle && lifecycle.off())
      .then(finished.resolve, (error) => {
        task.emit('error', null, error);
        finished.reject(error);
      });
    return task;
  }

  return { upload, transport, credentialMode: defaultDestination ? defaultDestination.credentials.mode : 'vod' };
}
