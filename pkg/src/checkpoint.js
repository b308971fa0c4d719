// Resumable-upload checkpoints: which parts of which multipart upload are done, kept in the
// platform's storage (wx/tt/uni/my storage, localStorage, a folder in Node) under a fingerprint
// of the file, so a crashed or closed app resumes on the next upload() of the same file.
import { md5Hex } from './core.js';

const PREFIX = 'ossup:cp:';
const INDEX = 'ossup:cp-index';
export const CHECKPOINT_VERSION = 1;

/**
 * A storage over `{ get(key), set(key, value), remove(key) }` with JSON values and an index
 * (`id → { at, file }`) for expiry and for finding the other checkpoints of one file.
 */
export function createCheckpointStore(backend, { maxAgeMs = 7 * 24 * 3600 * 1000 } = {}) {
  const safe = (fn, fallback) => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  const readIndex = () => safe(() => JSON.parse(backend.get(INDEX) || '{}'), {});
  const writeIndex = (index) => safe(() => backend.set(INDEX, JSON.stringify(index)));
  // Indexes written before `file` was recorded hold the creation time alone.
  const createdAt = (item) => (typeof item === 'number' ? item : item && item.at);
  const store = {
    /** Removes checkpoints older than `maxAgeMs`. */
    expire(now = Date.now()) {
      const index = readIndex();
      let changed = false;
      for (const id of Object.keys(index)) {
        if (now - createdAt(index[id]) > maxAgeMs) {
          safe(() => backend.remove(PREFIX + id));
          delete index[id];
          changed = true;
        }
      }
      if (changed) writeIndex(index);
    },
    load(id) {
      store.expire();
      const value = safe(() => JSON.parse(backend.get(PREFIX + id) || 'null'), null);
      return value && value.version === CHECKPOINT_VERSION ? value : null;
    },
    save(id, checkpoint) {
      safe(() => backend.set(PREFIX + id, JSON.stringify({ ...checkpoint, version: CHECKPOINT_VERSION })));
      const index = readIndex();
      if (!index[id] || index[id].file !== checkpoint.fileId) {
        index[id] = { at: createdAt(index[id]) || checkpoint.createdAt || Date.now(), file: checkpoint.fileId };
        writeIndex(index);
      }
    },
    remove(id) {
      safe(() => backend.remove(PREFIX + id));
      const index = readIndex();
      if (index[id]) {
        delete index[id];
        writeIndex(index);
      }
    },
    /** Ids of the other checkpoints kept for the same file (`fileId`): stale ones to discard. */
    others(fileId, id) {
      const index = readIndex();
      return Object.keys(index).filter((other) => other !== id && index[other] && index[other].file === fileId);
    },
  };
  return store;
}

/** A storage backend kept in memory (the default where a platform has none). */
export function memoryBackend() {
  const map = new Map();
  return { get: (k) => (map.has(k) ? map.get(k) : null), set: (k, v) => map.set(k, v), remove: (k) => map.delete(k) };
}

/**
 * Which file a checkpoint belongs to, loosely (bucket, name, size): a newer checkpoint with the
 * same `fileId` replaces the older ones, whose uploads are then aborted rather than orphaned.
 */
export function fileSlot({ bucket, name, size }) {
  return md5Hex([bucket, name, size].join('|'));
}

/**
 * The fingerprint of a file for resuming: its slot, key prefix, modification time where the
 * platform has one, part size, and the CRC-64 of its first and last part — enough that a
 * different file with the same name and size does not resume into someone else's upload.
 * The parts in between are read again before they are trusted (multipart.js).
 */
export function fingerprint({ fileId, keyPrefix, lastModified, partSize, firstCrc, lastCrc }) {
  return md5Hex([fileId, keyPrefix || '', lastModified || '', partSize, firstCrc, lastCrc].join('|'));
}
