// PostObject policy: decode, validate the syntax, evaluate against a form (oss-spec §1a).

import { ossError } from './errors.mjs';

const EXPIRATION_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/; // §1a: ISO 8601 UTC, T and Z
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode the `policy` form field. The signature was already checked over the exact base64
 * string (§1a: no JSON canonicalization), so this only has to understand the JSON.
 * → { expirationMs, conditions: [{ op, field, value, text }] }
 */
export function parsePolicy(policyField) {
  if (!BASE64.test(policyField)) throw ossError('PolicyBadJson', { message: 'Invalid Policy: Invalid Base64 policy.' });
  let document;
  try {
    document = JSON.parse(Buffer.from(policyField, 'base64').toString('utf8'));
  } catch (error) {
    throw ossError('PolicyBadJson', { message: `Invalid Policy: Invalid JSON: ${error.message}` });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw ossError('PolicyBadJson', { message: 'Invalid Policy: Invalid JSON: the policy must be an object.' });
  }
  if (!('expiration' in document)) throw ossError('PolicyNoExpiration');
  if (!('conditions' in document)) throw ossError('PolicyNoConditions');
  const expirationMs = parseExpiration(document.expiration);
  if (!Array.isArray(document.conditions)) {
    throw ossError('PolicyNoConditions', { message: 'Invalid Policy: conditions must be a list.' });
  }
  return { expirationMs, conditions: document.conditions.map(parseCondition) };
}

function parseExpiration(expiration) {
  if (typeof expiration === 'number') throw ossError('PolicyExpirationNumber');
  if (expiration === '') throw ossError('PolicyExpirationEmpty');
  if (typeof expiration !== 'string' || !EXPIRATION_FORMAT.test(expiration)) throw ossError('PolicyExpirationFormat');
  const ms = Date.parse(expiration);
  if (Number.isNaN(ms)) throw ossError('PolicyExpirationFormat');
  return ms;
}

/** Field names are case-insensitive and may carry a `$` prefix (§1, §1a). */
function fieldName(name) {
  return name.replace(/^\$/, '').toLowerCase();
}

/** How a condition is quoted in error messages: `["starts-with", "$key", "user/"]`. */
function conditionText(condition) {
  return Array.isArray(condition) ? `[${condition.map(conditionText).join(', ')}]` : JSON.stringify(condition);
}

function parseCondition(condition) {
  const text = conditionText(condition);
  if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.length !== 1) throw ossError('PolicySimpleCondition');
    const [[name, value]] = entries;
    if (typeof value !== 'string')
      throw ossError('PolicyConditionType', { message: `Invalid Policy: ${text}: the value must be a string.` });
    return { op: 'eq', field: fieldName(name), value, text };
  }
  if (!Array.isArray(condition)) throw ossError('PolicyConditionShape');
  const [op, ...args] = condition;
  if (typeof op !== 'string') throw ossError('PolicyNoOperator');
  const wrongType = (why) => ossError('PolicyConditionType', { message: `Invalid Policy: ${text}: ${why}` });
  switch (op) {
    case 'content-length-range': {
      const [min, max] = args;
      if (args.length !== 2) throw wrongType('content-length-range takes min and max.');
      if (!Number.isSafeInteger(min) || min < 0) throw ossError('PolicyRangeMin');
      if (!Number.isSafeInteger(max) || max < 0) throw ossError('PolicyRangeMax');
      if (max < min) throw ossError('PolicyRangeOrder');
      return { op, field: 'content-length-range', value: [min, max], text };
    }
    case 'eq':
    case 'starts-with': {
      const [name, value] = args;
      if (args.length !== 2 || typeof name !== 'string' || typeof value !== 'string') {
        throw wrongType(`${op} takes a field name and a string.`);
      }
      return { op, field: fieldName(name), value, text };
    }
    case 'in':
    case 'not-in': {
      const [name, list] = args;
      if (
        args.length !== 2 ||
        typeof name !== 'string' ||
        !Array.isArray(list) ||
        !list.every((v) => typeof v === 'string')
      ) {
        throw wrongType(`${op} takes a field name and a list of strings.`);
      }
      return { op, field: fieldName(name), value: list, text };
    }
    default:
      if (/^[$]/.test(op) || op === '') throw ossError('PolicyNoOperator');
      throw ossError('PolicyUnknownOperator', { message: `Invalid Policy: Unknown condition operator "${op}".` });
  }
}

/**
 * Evaluate the policy for a received form: expiry first (judged once the whole request has
 * arrived, §1a), then each condition in order; the first failure decides the answer.
 * `field(name)` reads a form field by lowercase name; `bucket` is this server's bucket.
 */
export function checkPolicy(policy, { field, bucket, size, now }) {
  if (now > policy.expirationMs) throw ossError('PolicyExpired');
  for (const condition of policy.conditions) {
    if (condition.op === 'content-length-range') {
      const [min, max] = condition.value;
      const extra = { MinSizeAllowed: String(min), MaxSizeAllowed: String(max), ProposedSize: String(size) };
      if (size < min) throw ossError('EntityBelowMin', { extra });
      if (size > max) throw ossError('EntityTooLarge', { extra });
      continue;
    }
    const actual = condition.field === 'bucket' ? bucket : field(condition.field);
    // EC 0006-00000226: a field a condition names must be in the form, whatever the operator.
    if (actual === undefined) {
      throw ossError('PolicyFieldNotInForm', {
        message: `Invalid according to Policy: Policy Condition failed: ${condition.text} (the form has no "${condition.field}" field)`,
      });
    }
    if (!conditionHolds(condition, actual)) {
      throw ossError('PolicyConditionFailed', {
        message: `Invalid according to Policy: Policy Condition failed: ${condition.text}`,
      });
    }
  }
}

function conditionHolds({ op, value }, actual) {
  switch (op) {
    case 'eq':
      return actual === value;
    case 'starts-with':
      return actual.startsWith(value);
    case 'in':
      return value.includes(actual);
    case 'not-in':
      return !value.includes(actual);
    default:
      return false;
  }
}

/** Names (lowercase) that have no exact-match condition in the policy. */
export function missingExactConditions(policy, names) {
  return names.filter((name) => !policy.conditions.some((c) => c.op === 'eq' && c.field === name));
}
