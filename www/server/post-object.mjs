// PostObject (oss-spec §1): receive the form, verify the V1/V4 signature and the policy, apply
// the key rules, store atomically, answer per success_action_status or through the callback.

import { rm } from 'node:fs/promises';
import { answerWithCallback, parseCallback } from './callback.mjs';
import { crc64Header } from './crc64.mjs';
import { ossError } from './errors.mjs';
import { applyLateFault, corruptCrc, takeFault } from './faults.mjs';
import { receiveForm } from './form.mjs';
import { sendEmpty, sendXml } from './http-context.mjs';
import {
  encryptionHeader,
  MAX_OBJECT_BYTES,
  objectHeadersFrom,
  objectStateFrom,
  userMetaFrom,
  valueOf,
} from './object-meta.mjs';
import { pathFromKey, validateObjectKey } from './object-key.mjs';
import { verifyPostV1, verifyPostV4 } from './oss-auth.mjs';
import { checkPolicy, missingExactConditions, parsePolicy } from './policy.mjs';
import { authorizePostObject } from './ram-policy.mjs';

export async function handlePostObject(ctx) {
  const tmpFile = ctx.app.storage.tmpPath();
  try {
    // The policy fields precede `file` (oss-spec §1): the signature and the credentials'
    // permissions are checked before a byte is stored.
    const authenticate = (field, { filename } = {}) => {
      const policy = authenticatePost(ctx, field);
      authorize(ctx, field, expandKey(field, filename));
      return policy;
    };
    const form = await receiveForm(ctx.req, { tmpFile, maxFileBytes: MAX_OBJECT_BYTES, authenticate });
    if (form.aborted) {
      ctx.aborted = true;
      return;
    }
    await postObject(ctx, form);
  } finally {
    await rm(tmpFile, { force: true }); // already renamed away when the object was stored
  }
}

async function postObject(ctx, form) {
  const { app } = ctx;
  const { bucket } = app.config;
  ctx.entry.key = form.fields.get('key') ?? null;
  if (form.error) throw form.error;
  if (form.partAfterFile) {
    throw ossError('MalformedPOSTRequest', {
      message:
        'The body of your POST request is not well-formed multipart/form-data: the file field must be the last field.',
    });
  }
  const { file } = form;
  if (!file) {
    throw ossError('MalformedPOSTRequest', {
      message: 'The body of your POST request is not well-formed multipart/form-data: the file field is missing.',
    });
  }
  const field = (name) => form.fields.get(name);
  ctx.entry.bytes = file.size;

  const policy = form.auth; // authenticatePost, run by receiveForm when `file` started
  // oss-spec §1a: conditions see the unexpanded key; expiry is judged now that the body is in.
  checkPolicy(policy, { field, bucket, size: file.size, now: app.now() });
  if (file.overLimit) throw ossError('EntityTooLarge');

  const key = validateObjectKey(expandKey(field, file.filename));
  ctx.entry.key = key;
  const successStatus = { 200: 200, 201: 201, 204: 204 }[field('success_action_status')] ?? 204; // §1 table
  const callback = field('callback') === undefined ? null : parseCallback(field('callback'));
  const state = objectStateFrom(field);

  const etag = file.md5.toString('hex').toUpperCase();
  const meta = {
    key,
    size: file.size,
    etag,
    crc64: crc64Header(file.crc64),
    // oss-spec §1 table: x-oss-content-type, then the Content-Type field, then the part's type.
    contentType:
      valueOf(field('x-oss-content-type')) ??
      valueOf(field('content-type')) ??
      file.mimeType ??
      'application/octet-stream',
    ...objectHeadersFrom(field),
    userMeta: userMetaFrom(form.fields),
    ...state,
    objectType: 'Normal',
    lastModified: app.now(),
  };

  const fault = takeFault(ctx, { key });
  await app.storage.commitObject(key, file.path, meta, {
    forbidOverwrite: field('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
  });
  await applyLateFault(ctx, fault);

  const crc = fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64;
  const headers = { ETag: `"${etag}"`, 'x-oss-hash-crc64ecma': crc, ...encryptionHeader(state) };
  if (callback) return answerWithCallback(ctx, callback, { meta, headers, field });
  if (successStatus === 201) {
    return sendXml(
      ctx,
      201,
      'PostResponse',
      [
        ['Bucket', bucket],
        ['Location', `${app.url}${pathFromKey(key)}`],
        ['Key', key],
        ['ETag', `"${etag}"`],
      ],
      headers,
    );
  }
  sendEmpty(ctx, successStatus, headers);
}

const expandKey = (field, filename) => (field('key') ?? '').replaceAll('${filename}', filename ?? '');

function authorize(ctx, field, key) {
  const { config, credentials } = ctx.app;
  authorizePostObject({
    credentials,
    field,
    bucket: config.bucket,
    region: config.region,
    key,
    sourceIp: ctx.req.socket.remoteAddress,
    now: ctx.receivedAt,
  });
}

/**
 * Which signature the form carries, verified; returns the parsed policy.
 * oss-spec §1 table: V1 needs all of OSSAccessKeyId, policy, Signature or none of them (none
 * means anonymous, which this public-read bucket refuses); V4 is recognised by its fields.
 */
function authenticatePost(ctx, field) {
  const { credentials, config } = ctx.app;
  const now = () => ctx.receivedAt;
  if (['x-oss-signature-version', 'x-oss-credential', 'x-oss-signature'].some((name) => field(name) !== undefined)) {
    verifyPostV4({ field, credentials, region: config.region, now, maxSkewMs: config.maxSkewMs });
    const policy = parsePolicy(field('policy'));
    // oss-spec §1c "Policy contents": the V4 fields are pinned by exact-match conditions.
    const pinned = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'];
    if (field('x-oss-security-token') !== undefined) pinned.push('x-oss-security-token');
    const missing = missingExactConditions(policy, pinned);
    if (missing.length > 0) {
      throw ossError('PolicyConditionFailed', {
        message: `Invalid according to Policy: Policy Condition failed: a V4 policy must contain {"${missing[0]}": …} (oss-spec §1c).`,
      });
    }
    return policy;
  }
  const present = ['ossaccesskeyid', 'policy', 'signature'].filter((name) => field(name) !== undefined);
  if (present.length === 0) throw ossError('AnonymousWriteDenied');
  if (field('ossaccesskeyid') === undefined) throw ossError('AccessKeyFieldMissing');
  if (field('policy') === undefined) throw ossError('PolicyFieldMissing');
  if (field('signature') === undefined) throw ossError('SignatureFieldMissing');
  if (field('ossaccesskeyid') === '') throw ossError('AccessKeyFieldEmpty');
  if (field('signature') === '') throw ossError('SignatureFieldEmpty');
  verifyPostV1({ field, credentials, now });
  return parsePolicy(field('policy'));
}
