// pkg/src/utf8.js: the UTF-8 codec used where TextEncoder/TextDecoder do not exist (mini-program
// runtimes). It must behave exactly like the WHATWG codec Node has: lone surrogates encode as
// U+FFFD, malformed input decodes to U+FFFD per maximal subpart, and encodeInto never splits a
// character when the buffer is too small.

import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachCase } from './core-helpers.mjs';

const utf8 = await import('../../pkg/src/utf8.js');
const { encodePortable, decodePortable, encodeIntoPortable } = utf8;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const BOUNDARY_CODE_POINTS = [
  0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff,
];

/** A string of random code units: ASCII, 2- and 3-byte, astral pairs, lone and reversed surrogates. */
function genString(r, max = 40) {
  let out = '';
  for (let n = r.int(0, max); n > 0; n--) {
    switch (r.int(0, 7)) {
      case 0:
        out += String.fromCharCode(r.int(0, 0x7f));
        break;
      case 1:
        out += String.fromCharCode(r.int(0x80, 0x7ff));
        break;
      case 2:
        out += String.fromCharCode(r.pick([r.int(0x800, 0xd7ff), r.int(0xe000, 0xffff)]));
        break;
      case 3:
        out += String.fromCodePoint(r.int(0x10000, 0x10ffff));
        break;
      case 4:
        out += String.fromCharCode(r.int(0xd800, 0xdfff)); // lone surrogate (high or low)
        break;
      case 5:
        out += String.fromCharCode(r.int(0xdc00, 0xdfff), r.int(0xd800, 0xdbff)); // reversed pair
        break;
      case 6:
        out += String.fromCodePoint(r.pick(BOUNDARY_CODE_POINTS));
        break;
      default:
        out += r.pick(['上传', '😀', 'é', '\u2028', '\ufeff']);
    }
  }
  return out;
}

const SEQUENCES = [
  [0xc0, 0x80], // overlong NUL
  [0xc1, 0xbf], // overlong
  [0xe0, 0x80, 0x80], // overlong 3-byte
  [0xe0, 0x9f, 0xbf], // overlong 3-byte, top
  [0xf0, 0x80, 0x80, 0x80], // overlong 4-byte
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xed, 0xa0, 0x80], // U+D800 encoded
  [0xed, 0xbf, 0xbf], // U+DFFF encoded
  [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], // CESU-8 pair
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0xfe],
  [0x80], // lone continuation
  [0xbf, 0xbf],
  [0xe4, 0xb8], // truncated 3-byte
  [0xf0, 0x9f, 0x98], // truncated 4-byte
  [0xc3], // truncated 2-byte
  [0xe2, 0x28, 0xa1], // bad second byte
  [0xf0, 0x28, 0x8c, 0x28],
  [0xef, 0xbb, 0xbf], // BOM
  [0xf4, 0x8f, 0xbf, 0xbf], // U+10FFFF
  [0xe0, 0xa0, 0x80], // U+0800
];

/** Random bytes: valid UTF-8 of random strings mixed with invalid sequences and random noise. */
function genBytes(r) {
  const parts = [];
  for (let n = r.int(0, 12); n > 0; n--) {
    const kind = r.int(0, 3);
    if (kind === 0) parts.push(...encoder.encode(genString(r, 8)));
    else if (kind === 1) parts.push(...r.pick(SEQUENCES));
    else if (kind === 2) parts.push(...r.bytes(r.int(1, 6)));
    else parts.push(...r.pick(SEQUENCES).slice(0, r.int(1, 3)));
  }
  return Uint8Array.from(parts);
}

test('encodePortable equals TextEncoder.encode, lone surrogates included', () => {
  forEachCase(
    'utf8-encode',
    2000,
    (r) => genString(r),
    (s) => {
      assert.deepEqual(encodePortable(s), encoder.encode(s));
    },
  );
  assert.deepEqual(encodePortable('a\ud800b'), Uint8Array.from([0x61, 0xef, 0xbf, 0xbd, 0x62]));
  assert.deepEqual(encodePortable('\ud83d\ude00'), Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]));
  assert.deepEqual(encodePortable('\ude00\ud83d'), Uint8Array.from([0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]));
  for (const cp of BOUNDARY_CODE_POINTS)
    assert.deepEqual(
      encodePortable(String.fromCodePoint(cp)),
      encoder.encode(String.fromCodePoint(cp)),
      `U+${cp.toString(16)}`,
    );
});

test('decodePortable equals TextDecoder (replacement per maximal subpart) on invalid UTF-8', () => {
  for (const sequence of SEQUENCES) {
    const bytes = Uint8Array.from(sequence);
    assert.equal(decodePortable(bytes), decoder.decode(bytes), `bytes ${Buffer.from(bytes).toString('hex')}`);
  }
  forEachCase('utf8-decode', 3000, genBytes, (bytes) => {
    assert.equal(decodePortable(bytes), decoder.decode(bytes));
  });
  forEachCase(
    'utf8-roundtrip',
    500,
    (r) => genString(r),
    (s) => {
      const bytes = encoder.encode(s);
      assert.equal(decodePortable(bytes), fatal.decode(bytes));
    },
  );
});

test('decodePortable handles long input (several output chunks)', () => {
  forEachCase(
    'utf8-long',
    5,
    (r) => {
      const parts = [];
      while (parts.length < 30000) parts.push(...(r.chance(0.9) ? encoder.encode(genString(r, 4)) : r.pick(SEQUENCES)));
      return Uint8Array.from(parts);
    },
    (bytes) => {
      assert.equal(decodePortable(bytes), decoder.decode(bytes));
    },
  );
});

test('encodeIntoPortable equals TextEncoder.encodeInto for every buffer size, never splitting a character', () => {
  forEachCase(
    'utf8-encode-into',
    600,
    (r) => genString(r, 12),
    (s) => {
      const full = encoder.encode(s).length;
      for (let size = 0; size <= full + 1; size++) {
        const ours = new Uint8Array(size);
        const native = new Uint8Array(size);
        const a = encodeIntoPortable(s, ours);
        const b = encoder.encodeInto(s, native);
        assert.deepEqual(a, b, `size ${size}`);
        assert.deepEqual(ours, native, `bytes, size ${size}`);
        // Whole characters only: what was written decodes strictly, and equals the encoding of what was read.
        assert.deepEqual(ours.subarray(0, a.written), encoder.encode(s.slice(0, a.read)));
        fatal.decode(ours.subarray(0, a.written));
      }
    },
  );
  const view = new Uint8Array(5);
  assert.deepEqual(
    encodeIntoPortable('ab😀', view),
    { read: 2, written: 2 },
    'a 4-byte character that does not fit is left out',
  );
  assert.deepEqual(encodeIntoPortable('上传', new Uint8Array(5)), { read: 1, written: 3 });
});

test('encodeIntoPortable writes into a subarray view at its offset', () => {
  const backing = new Uint8Array(16).fill(0xaa);
  const result = encodeIntoPortable('é😀', backing.subarray(3, 9));
  assert.deepEqual(result, { read: 3, written: 6 });
  assert.deepEqual(
    [...backing],
    [0xaa, 0xaa, 0xaa, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa],
  );
});

test('in Node the module exports the native codec under the short names', () => {
  const s = 'a\ud800上😀';
  assert.deepEqual(utf8.encode(s), encoder.encode(s));
  assert.equal(
    utf8.decode(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41])),
    '\ufeffA',
    'BOM kept (ignoreBOM), as decodePortable does',
  );
  assert.equal(decodePortable(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41])), '\ufeffA');
  assert.deepEqual(utf8.encodeInto(s, new Uint8Array(4)), encodeIntoPortable(s, new Uint8Array(4)));
});

test('decode reads the given range of a larger view, ASCII or not', () => {
  const bytes = encoder.encode('--abc--上传😀--');
  assert.equal(utf8.decode(bytes, 2, 3), 'abc');
  assert.equal(utf8.decode(bytes, 7, 10), '上传😀');
  assert.equal(utf8.decode(bytes, 2), 'abc--上传😀--');
  assert.equal(utf8.decode(bytes, 0, 0), '');
  const long = 'k'.repeat(100);
  assert.equal(utf8.decode(encoder.encode(`_${long}_`), 1, 100), long, 'past the short-ASCII path');
});
