// CRC-64/XZ of the bucket server against the shared vectors (oss-spec §5, oss-vectors.json).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { crc64, crc64Combine, crc64Header, createCrc64 } from '../../www/server/crc64.mjs';
import { loadVectors } from './bucket-helpers.mjs';

const crcVector = loadVectors().find((v) => v.kind === 'crc64');

// The vector file describes inputs in words; these are the bytes the words mean.
const INPUTS = {
  empty: Buffer.alloc(0),
  123456789: Buffer.from('123456789'),
  a: Buffer.from('a'),
  fox: Buffer.from('The quick brown fox jumps over the lazy dog'),
  bytes_0_255: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  zeros_1MiB: Buffer.alloc(1048576),
  utf8_上传: Buffer.from('上传', 'utf8'),
};

test('crc64 vectors cover every input the vector file lists', () => {
  assert.deepEqual(Object.keys(crcVector.expected).sort(), Object.keys(INPUTS).sort());
  assert.equal(INPUTS['utf8_上传'].length, 6);
});

for (const [name, expected] of Object.entries(crcVector.expected)) {
  test(`crc64 vector ${name}`, () => {
    const value = crc64(INPUTS[name]);
    assert.equal(value.toString(16).padStart(16, '0'), expected.hex);
    assert.equal(crc64Header(value), expected.header_decimal);
  });
}

test('streaming over uneven chunks equals one-shot', () => {
  const data = randomBytes(300_001);
  const whole = crc64(data);
  for (const sizes of [[1], [7, 13], [4096], [65_537, 3]]) {
    const stream = createCrc64();
    for (let offset = 0, i = 0; offset < data.length; i++) {
      const size = sizes[i % sizes.length];
      stream.update(data.subarray(offset, offset + size));
      offset += size;
    }
    assert.equal(stream.digest(), whole, `chunk sizes ${sizes}`);
  }
});

test('a previous CRC continues the stream: crc(B, crc(A)) === crc(A‖B) (oss-spec §5)', () => {
  const a = randomBytes(1000);
  const b = randomBytes(777);
  assert.equal(crc64(b, crc64(a)), crc64(Buffer.concat([a, b])));
  assert.equal(crc64(Buffer.alloc(0), crc64(a)), crc64(a));
});

test('crc64Combine joins part CRCs as CompleteMultipartUpload does: crc(A‖B) from crc(A), crc(B), |B|', () => {
  const parts = [randomBytes(102_400), randomBytes(102_400), randomBytes(1), randomBytes(65_537)];
  let joined = 0n;
  for (const part of parts) joined = crc64Combine(joined, crc64(part), part.length);
  assert.equal(joined, crc64(Buffer.concat(parts)));
  // Cached operator reused for the second part of the same length; an empty B leaves A.
  assert.equal(crc64Combine(crc64(parts[0]), 0n, 0), crc64(parts[0]));
  assert.equal(crc64Combine(0n, crc64(parts[3]), parts[3].length), crc64(parts[3]));
  // The shared check value, split at every point of "123456789".
  const text = Buffer.from('123456789');
  for (let cut = 0; cut <= text.length; cut++) {
    const [a, b] = [text.subarray(0, cut), text.subarray(cut)];
    assert.equal(crc64Header(crc64Combine(crc64(a), crc64(b), b.length)), crc64Header(0x995dc9bbdf1939fan));
  }
});
