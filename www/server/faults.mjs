// Fault hooks (testMode only): rules that make the next matching request fail in a chosen way,
// so uploader tests can watch retries, lost responses, expired tokens and corrupt checksums.

import { setTimeout as sleep } from 'node:timers/promises';
import { ossError } from './errors.mjs';
import { record } from './http-context.mjs';

/** Thrown after a fault hook destroyed the socket: there is nobody left to answer. */
export const DROPPED = Symbol('dropped');

export const FAULT_OPS = new Set([
  '*',
  'PostObject',
  'InitiateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'GetObject',
  'HeadObject',
  'GetObjectMeta',
  'PutObject',
  'DeleteObject',
]);

export const FAULT_ACTIONS = new Set(['status', 'drop-before', 'drop-after', 'delay', 'expire-token', 'corrupt']);

export function createFaults({ enabled }) {
  let nextId = 1;
  const rules = [];

  function add(rule = {}) {
    if (!enabled) throw new Error('fault hooks need the server to be started with testMode: true');
    const { op = '*', key, partNumber, action, times = 1, delayMs = 0, status = 500, code, message } = rule;
    if (!FAULT_OPS.has(op)) throw new TypeError(`fault op must be one of ${[...FAULT_OPS].join(', ')}`);
    if (!FAULT_ACTIONS.has(action)) throw new TypeError(`fault action must be one of ${[...FAULT_ACTIONS].join(', ')}`);
    if (key !== undefined && typeof key !== 'string') throw new TypeError('fault key must be a string');
    if (partNumber !== undefined && !Number.isInteger(partNumber))
      throw new TypeError('fault partNumber must be an integer');
    if (!Number.isInteger(times) || times < 1) throw new TypeError('fault times must be a positive integer');
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new TypeError('fault delayMs must be a non-negative number');
    if (!Number.isInteger(status) || status < 100 || status > 599)
      throw new TypeError('fault status must be an HTTP status');
    const stored = { id: String(nextId++), op, key, partNumber, action, times, delayMs, status, code, message };
    rules.push(stored);
    return stored.id;
  }

  /** The first rule matching this request, used up by one; null if none (or not testMode). */
  function take({ op, key, partNumber }) {
    if (!enabled) return null;
    const index = rules.findIndex(
      (rule) =>
        (rule.op === '*' || rule.op === op) &&
        (rule.key === undefined || rule.key === key) &&
        (rule.partNumber === undefined || rule.partNumber === partNumber),
    );
    if (index < 0) return null;
    const rule = rules[index];
    rule.times -= 1;
    if (rule.times <= 0) rules.splice(index, 1);
    return { ...rule };
  }

  return {
    add,
    take,
    clear: () => void rules.splice(0),
    list: () => rules.map((rule) => ({ ...rule })),
  };
}

// ---------------------------------------------------------------- applying a rule to a request

/**
 * The one fault point of a request: after it was validated, before anything is stored.
 * 'status', 'expire-token' and 'drop-before' act here; the rule is returned for the rest.
 */
export function takeFault(ctx, details) {
  const fault = ctx.app.faults.take({ op: ctx.entry.op, ...details });
  if (!fault) return null;
  ctx.entry.fault = fault.action;
  switch (fault.action) {
    case 'status':
      throw ossError('InternalError', {
        status: fault.status,
        code: fault.code,
        message: fault.message ?? `Injected fault (testMode): status ${fault.status}.`,
      });
    case 'expire-token':
      throw ossError('SecurityTokenExpired');
    case 'drop-before':
      dropConnection(ctx);
      break;
  }
  return fault;
}

/**
 * After the work is done (stored; for GET/HEAD, found): the lost response ('drop-after') and
 * the slow one ('delay'). 'corrupt' is applied by the caller to the CRC it answers.
 */
export async function applyLateFault(ctx, fault) {
  if (fault?.action === 'drop-after') dropConnection(ctx);
  // unref: a parked answer must not keep a test process alive after close().
  if (fault?.action === 'delay') await sleep(fault.delayMs, undefined, { ref: false });
}

function dropConnection(ctx) {
  record(ctx, 0);
  ctx.req.socket.destroy();
  throw DROPPED;
}

/** A CRC that is not the stored bytes' CRC (every 64-bit value is some content's CRC). */
export function corruptCrc(crc) {
  return BigInt.asUintN(64, BigInt(crc) ^ 0x5a5a5a5a5a5a5a5an);
}
