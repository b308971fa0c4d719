// Fault hooks (testMode only): rules that make the next matching request fail in a chosen way,
// so uploader tests can watch retries, lost responses, expired tokens and corrupt checksums.

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
    if (partNumber !== undefined && !Number.isInteger(partNumber)) throw new TypeError('fault partNumber must be an integer');
    if (!Number.isInteger(times) || times < 1) throw new TypeError('fault times must be a positive integer');
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new TypeError('fault delayMs must be a non-negative number');
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new TypeError('fault status must be an HTTP status');
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
