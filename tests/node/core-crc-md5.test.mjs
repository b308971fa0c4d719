// CRC-64/XZ (x-oss-hash-crc64ecma, oss-spec §5) and MD5 (Content-MD5): the shared vectors, a
// BigInt reference written from the spec's parameters (bitwise CRC and zlib-style GF(2) combine),
// streaming over uneven chunks, continuation from a previous CRC, combine over random splits, and
// MD5 against node:crypto. Both builds; buffers given to the wasm2js build stay small (see the
// memory-growth bug in core-wasm2js.test.mjs).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import { builds, forEachCase, loadVectors, wasm } from './core-helpers.mjs';

// ---- reference, from the oss-spec §5 parameter table ----

const MASK = (1n << 64n) - 1n;
const POLY_REFLECTED = 0xc96c5795d7870f42n;
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let crc = BigInt(i);
  for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  return crc;
});

/** CRC-64/XZ: init all-ones, reflected in and out, xorout all-ones; continues from `previous`. */
function refCrc64(bytes, previous = 0n) {
  let crc = ~previous & MASK;
  for (const b of bytes) crc = TABLE[Number((crc ^ BigInt(b)) & 0xffn)] ^ (crc >> 8n);
  return ~crc & MASK;
}

function gf2Times(matrix, vector) {
  let sum = 0n;
  for (let i = 0; vector; i++, vector >>= 1n) if (vector & 1n) sum ^= matrix[i];
  return sum;
}

const gf2Square = (matrix) => matrix.map((row) => gf2Times(matrix, row));

/** zlib's crc32_combine widened to 64 bits (oss-spec §5 "Combine"). */
function refCombine(crcA, crcB, lengthB) {
  let length = BigInt(lengthB);
  if (length === 0n) return crcA;
  let odd = [POLY_REFLECTED, ...Array.from({ length: 63 }, (_, n) => 1n << BigInt(n))];
  let even = gf2Square(odd); // 2 zero bits
  odd = gf2Square(even); // 4 zero bits
  let crc = crcA;
  for (;;) {
    even = gf2Square(odd);
    if (length & 1n) crc = gf2Times(even, crc);
    length >>= 1n;
    if (length === 0n) break;
    odd = gf2Square(even);
    if (length & 1n) crc = gf2Times(odd, crc);
    length >>= 1n;
    if (length === 0n) break;
  }
  return crc ^ crcB;
}

const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

/** Splits `bytes` at random points into 1..max pieces (some empty). */
function split(r, bytes, max = 8) {
  const cuts = Array.from({ length: r.int(0, max - 1) }, () => r.int(0, bytes.length)).sort((a, b) => a - b);
  const parts = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(from, cut));
    from = cut;
  }
  return parts;
}

// ---- the shared vectors (oss-spec §8) ----

/** The input bytes each crc64 vector describes in words. */
const VECTOR_INPUTS = {
  empty: ['', () => new Uint8Array(0)],
  123456789: ['ASCII 123456789', () => Buffer.from('123456789', 'latin1')],
  a: ['ASCII a', () => Buffer.from('a', 'latin1')],
  fox: [
    'ASCII The quick brown fox jumps over the lazy dog',
    () => Buffer.from('The quick brown fox jumps over the lazy dog', 'latin1'),
  ],
  bytes_0_255: ['bytes 0x00..0xFF once', () => Uint8Array.from({ length: 256 }, (_, i) => i)],
  zeros_1MiB: ['1048576 zero bytes', () => new Uint8Array(1048576)],
  utf8_上传: ['UTF-8 of 上传 (6 bytes)', () => Buffer.from('上传', 'utf8')],
};

test('crc64 vectors (oss-vectors.json) through crc64, createCrc64 and the reference', () => {
  const vectors = loadVectors().filter((v) => v.kind === 'crc64');
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    for (const [name, description] of Object.entries(v.inputs.inputs)) {
      assert.ok(VECTOR_INPUTS[name], `${v.id}: unknown input ${name} (${description}): add it to VECTOR_INPUTS`);
      assert.equal(VECTOR_INPUTS[name][0], description, `${v.id}/${name}: the description changed`);
      const bytes = VECTOR_INPUTS[name][1]();
      const expected = v.expected[name];
      assert.equal(
        BigInt(`0x${expected.hex}`).toString(),
        expected.header_decimal,
        `${v.id}/${name}: hex and decimal agree`,
      );
      if (bytes.length <= 4096)
        assert.equal(refCrc64(bytes).toString(), expected.header_decimal, `${v.id}/${name}: reference`);
      assert.equal(wasm.crc64(bytes), expected.header_decimal, `${v.id}/${name}: crc64`);
      for (const [build, mod] of builds) {
        const stream = mod.createCrc64();
        for (let at = 0; at < bytes.length; at += 16384) stream.update(bytes.subarray(at, at + 16384));
        assert.equal(
          stream.digest(),
          expected.header_decimal,
          `${v.id}/${name}: ${build} createCrc64 in 16 KiB chunks`,
        );
      }
    }
  }
  assert.equal(wasm.crc64('123456789'), '11051210869376104954', 'check value (oss-spec §5)');
  assert.equal(wasm.crc64('上传'), wasm.crc64(Buffer.from('上传', 'utf8')), 'strings are hashed as UTF-8');
});

test('crc64 equals the BigInt reference on random buffers, one-shot and continued', () => {
  forEachCase(
    'crc-ref',
    150,
    (r) => ({
      bytes: r.bytes(r.chance(0.3) ? r.int(0, 16) : r.int(0, 3000)),
      previous: r.chance(0.5) ? BigInt.asUintN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32())) : 0n,
    }),
    ({ bytes, previous }) => {
      const expected = refCrc64(bytes, previous).toString();
      for (const [build, mod] of builds) {
        assert.equal(mod.crc64(bytes, previous.toString()), expected, build);
        if (previous === 0n) assert.equal(mod.crc64(bytes), expected, `${build} without previous`);
      }
    },
  );
});

// The core cuts long inputs into blocks of four interleaved 16 KiB lanes (src/crc64.rs; three
// in wasm until 2026-12-07, hence the 48 KiB edges): sizes around the block edges, random
// bytes, one-shot and continued from a cut inside a block.
test("crc64 equals the BigInt reference across the core's lane blocks (48 and 64 KiB)", () => {
  const KiB = 1024;
  const sizes = [
    48 * KiB - 1,
    48 * KiB,
    48 * KiB + 1,
    64 * KiB - 8,
    64 * KiB,
    64 * KiB + 9,
    96 * KiB + 5,
    192 * KiB + 13,
  ];
  forEachCase(
    'crc-lanes',
    sizes.length,
    (r, i) => ({ bytes: r.bytes(sizes[i]), cut: r.int(1, sizes[i] - 1) }),
    ({ bytes, cut }) => {
      const expected = refCrc64(bytes).toString();
      for (const [build, mod] of builds) {
        assert.equal(mod.crc64(bytes), expected, `${build}: ${bytes.length} bytes`);
        assert.equal(
          mod.crc64(bytes.subarray(cut), mod.crc64(bytes.subarray(0, cut))),
          expected,
          `${build}: cut at ${cut}`,
        );
      }
    },
  );
});

test('streaming over uneven chunks equals one-shot; crc64(b, crc64(a)) === crc64(a‖b)', () => {
  forEachCase(
    'crc-stream',
    150,
    (r) => r.bytes(r.int(0, 6000)),
    (bytes, i, r) => {
      const whole = wasm.crc64(bytes);
      for (const [build, mod] of builds) {
        const parts = split(r, bytes);
        const stream = mod.createCrc64();
        for (const part of parts) assert.equal(stream.update(part), stream, 'update() chains');
        assert.equal(stream.digest(), whole, `${build} stream of ${parts.map((p) => p.length)}`);
        assert.equal(stream.digest(), whole, 'digest() can be read twice');
        const cut = r.int(0, bytes.length);
        const a = bytes.subarray(0, cut);
        const b = bytes.subarray(cut);
        assert.equal(mod.crc64(b, mod.crc64(a)), whole, `${build} continue at ${cut}`);
        const resumed = mod.createCrc64(mod.crc64(a));
        assert.equal(resumed.update(b).digest(), whole, `${build} createCrc64(previous)`);
      }
    },
  );
});

test('crc64Combine over random splits equals the CRC of the concatenation (multipart fold)', () => {
  forEachCase(
    'crc-combine',
    120,
    (r) => r.bytes(r.int(0, 5000)),
    (bytes, i, r) => {
      const whole = wasm.crc64(bytes);
      for (const [build, mod] of builds) {
        const parts = split(r, bytes, 6);
        // oss2 calc_obj_crc_from_parts: fold the parts in order, starting from 0 (oss-spec §5).
        let folded = '0';
        for (const part of parts) folded = mod.crc64Combine(folded, mod.crc64(part), part.length);
        assert.equal(folded, whole, `${build} parts ${parts.map((p) => p.length)}`);
        const [a, b] = [parts[0], concat(...parts.slice(1))];
        assert.equal(mod.crc64Combine(mod.crc64(a), mod.crc64(b), b.length), whole, build);
        assert.equal(mod.crc64Combine(mod.crc64(a), '0', 0), mod.crc64(a), 'combine with an empty B');
      }
    },
  );
});

test('crc64Combine equals the GF(2) reference for large lengths, and is associative', () => {
  forEachCase(
    'crc-combine-large',
    60,
    (r) => ({
      a: BigInt.asUintN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32())),
      b: r.chance(0.1) ? 0n : BigInt.asUintN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32())),
      c: BigInt.asUintN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32())),
      lb: r.pick([0, 1, 8, 100 * 1024, 5 * 1024 ** 3, 48 * 1024 ** 4 + 7, Number.MAX_SAFE_INTEGER, r.int(0, 2 ** 31)]),
      lc: r.int(0, 2 ** 40),
    }),
    ({ a, b, c, lb, lc }) => {
      for (const [build, mod] of builds) {
        const ab = mod.crc64Combine(a.toString(), b.toString(), lb);
        assert.equal(ab, refCombine(a, b, lb).toString(), `${build} combine(a, b, ${lb})`);
        // crc(B) of zero bytes is 0: with any other b, lb = 0 does not describe a concatenation.
        if (lb + lc <= Number.MAX_SAFE_INTEGER && (lb > 0 || b === 0n)) {
          const left = mod.crc64Combine(ab, c.toString(), lc);
          const right = mod.crc64Combine(a.toString(), mod.crc64Combine(b.toString(), c.toString(), lc), lb + lc);
          assert.equal(left, right, `${build} associativity`);
        }
      }
    },
  );
  // zlib semantics: lengthB 0 returns crcA whatever crcB is (oss-spec §5).
  assert.equal(wasm.crc64Combine('123', '456', 0), '123');
  assert.equal(wasm.crc64Combine('18446744073709551615', '0', 1), refCombine(MASK, 0n, 1).toString());
});

test('crc64 and md5 accept every byte view: subarrays, ArrayBuffer, DataView, Buffer, other typed arrays', () => {
  const backing = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
  const view = backing.subarray(5, 45);
  const copy = Uint8Array.from(view);
  const inputs = {
    subarray: view,
    arrayBuffer: copy.buffer,
    dataView: new DataView(backing.buffer, 5, 40),
    buffer: Buffer.from(backing.buffer, 5, 40),
    uint16: new Uint16Array(backing.buffer, 6, 20),
  };
  for (const [build, mod] of builds) {
    for (const [name, input] of Object.entries(inputs)) {
      const bytes = name === 'uint16' ? backing.subarray(6, 46) : copy;
      assert.equal(mod.crc64(input), refCrc64(bytes).toString(), `${build} crc64 ${name}`);
      assert.equal(mod.md5Hex(input), createHash('md5').update(bytes).digest('hex'), `${build} md5Hex ${name}`);
    }
  }
});

test('md5Hex, md5Base64 and createMd5 equal node:crypto on random buffers', () => {
  const sizes = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129];
  forEachCase(
    'md5',
    150,
    (r, i) => r.bytes(i < sizes.length ? sizes[i] : r.int(0, 6000)),
    (bytes, i, r) => {
      const digest = createHash('md5').update(bytes).digest();
      for (const [build, mod] of builds) {
        assert.equal(mod.md5Hex(bytes), digest.toString('hex'), `${build} md5Hex`);
        assert.equal(mod.md5Base64(bytes), digest.toString('base64'), `${build} md5Base64`);
        const parts = split(r, bytes);
        const stream = mod.createMd5();
        for (const part of parts) assert.equal(stream.update(part), stream);
        const encoding = r.pick(['hex', 'base64', undefined]);
        assert.equal(
          stream.digest(encoding),
          digest.toString(encoding ?? 'base64'),
          `${build} createMd5 over ${parts.map((p) => p.length)} (${encoding})`,
        );
        assert.throws(() => stream.digest(), { name: 'OssupError', code: 'INVALID_STATE' });
        assert.throws(() => stream.update(bytes), { name: 'OssupError', code: 'INVALID_STATE' });
      }
    },
  );
  assert.equal(
    wasm.md5Hex('上传'),
    createHash('md5').update('上传', 'utf8').digest('hex'),
    'strings are hashed as UTF-8',
  );
});
