// CRC-64/XZ and MD5 throughput over 64 MiB fed in 1 MiB chunks (how the uploader feeds a
// file), in Node and Chromium. Every contender's digest is compared with ours; a CRC contender
// must also give the CRC-64/XZ check value for "123456789" (995dc9bbdf1939fa), else it is
// reported as not comparable and left out of the ratios.
import { HASH_TOTAL, hashChunks } from './data.js';
import { throughput } from './measure.js';

export const CRC64_XZ_CHECK = '995dc9bbdf1939fa';
const hexToDecimal = (hex) => BigInt(`0x${hex}`).toString();
const checkInput = () => new TextEncoder().encode('123456789');
const decimalCheck = (crc64) => () => BigInt(crc64(checkInput())).toString(16).padStart(16, '0');

/** The native ceiling, timed in its own process between these repetitions (native-passes.mjs). */
function nativeContender(libs, metric) {
  return {
    id: 'native',
    name: 'native Rust, same core (opt-level 3: the ceiling), one pass between each round of these',
    version: 'host',
    selfTimed: true,
    run: () => libs.nativePass(metric),
  };
}

function crcContenders(libs) {
  const v = libs.versions;
  const list = [
    {
      id: 'ours',
      name: 'ossup (wasm) `crc64(chunk, previous)`',
      version: v.ossup,
      run: (chunks) => {
        let crc;
        for (const chunk of chunks) crc = libs.ours.crc64(chunk, crc);
        return crc;
      },
      check: decimalCheck(libs.ours.crc64),
    },
    {
      id: 'ours-stream',
      name: 'ossup (wasm) `createCrc64()`',
      version: v.ossup,
      run: (chunks) => {
        const crc = libs.ours.createCrc64();
        for (const chunk of chunks) crc.update(chunk);
        return crc.digest();
      },
    },
  ];
  if (libs.wasm2js) {
    const mod = libs.wasm2js.crc64;
    list.push({
      id: 'ours-wasm2js',
      name: 'ossup (wasm2js build) `crc64(chunk, previous)`',
      version: v.ossup,
      run: (chunks) => {
        let crc;
        for (const chunk of chunks) crc = mod.crc64(chunk, crc);
        return crc;
      },
      check: decimalCheck(mod.crc64),
    });
  }
  const hw = libs.hashWasmInstances.crc64;
  list.push({
    id: 'hash-wasm',
    name: 'hash-wasm `createCRC64()` (one instance reused)',
    version: v['hash-wasm'],
    run: (chunks) => {
      hw.init();
      for (const chunk of chunks) hw.update(chunk);
      return hexToDecimal(hw.digest('hex'));
    },
    check: () => {
      hw.init();
      hw.update(checkInput());
      return hw.digest('hex');
    },
  });
  if (libs.crc64Ecma182) {
    const lib = libs.crc64Ecma182;
    list.push({
      id: 'crc64-ecma182',
      name: 'crc64-ecma182.js `crc64(buffer, previous)`',
      version: v['crc64-ecma182.js'],
      run: (chunks) => {
        let crc = '0';
        for (const chunk of chunks) crc = lib.crc64(libs.toBuffer(chunk), crc);
        return crc;
      },
      check: () =>
        BigInt(lib.crc64(libs.toBuffer(checkInput())))
          .toString(16)
          .padStart(16, '0'),
    });
  }
  list.push({
    id: 'js-reference',
    name: 'plain JS, two 32-bit halves (www/server/crc64.mjs; not a package)',
    version: '—',
    run: (chunks) => {
      const crc = libs.jsCrc64();
      for (const chunk of chunks) crc.update(chunk);
      return crc.digest().toString();
    },
    check: () => libs.jsCrc64().update(checkInput()).digest().toString(16).padStart(16, '0'),
  });
  if (libs.glue) {
    list.push({
      id: 'ours-object',
      name: 'diagnostic: our wasm `Crc64` object from the glue (no decimal string per chunk)',
      version: v.ossup,
      diagnostic: true,
      run: (chunks) => {
        const crc = new libs.glue.Crc64();
        for (const chunk of chunks) crc.update(chunk);
        const out = crc.digest();
        crc.free();
        return out;
      },
    });
  }
  if (libs.nativePass) list.push(nativeContender(libs, 'crc64'));
  if (libs.glueO3) {
    list.push({
      id: 'ours-o3',
      name: 'diagnostic: our `crc64` with the core built at opt-level 3 (not shipped)',
      version: v.ossup,
      diagnostic: true,
      run: (chunks) => {
        let crc;
        for (const chunk of chunks) crc = libs.glueO3.crc64(chunk, crc);
        return crc;
      },
    });
  }
  return list;
}

function md5Contenders(libs) {
  const v = libs.versions;
  const oursRun = (mod) => (chunks) => {
    const md5 = mod.createMd5();
    for (const chunk of chunks) md5.update(chunk);
    return md5.digest('hex');
  };
  const list = [{ id: 'ours', name: 'ossup (wasm) `createMd5()`', version: v.ossup, run: oursRun(libs.ours) }];
  if (libs.wasm2js) {
    list.push({
      id: 'ours-wasm2js',
      name: 'ossup (wasm2js build) `createMd5()`',
      version: v.ossup,
      run: oursRun(libs.wasm2js.md5),
    });
  }
  const hw = libs.hashWasmInstances.md5;
  list.push({
    id: 'hash-wasm',
    name: 'hash-wasm `createMD5()` (one instance reused)',
    version: v['hash-wasm'],
    run: (chunks) => {
      hw.init();
      for (const chunk of chunks) hw.update(chunk);
      return hw.digest('hex');
    },
  });
  list.push({
    id: 'spark-md5',
    name: 'spark-md5 `SparkMD5.ArrayBuffer`',
    version: v['spark-md5'],
    run: (chunks) => {
      const md5 = new libs.SparkMD5.ArrayBuffer();
      for (const chunk of chunks) md5.append(chunk.buffer);
      return md5.end();
    },
  });
  const C = libs.CryptoJS;
  list.push({
    id: 'crypto-js',
    name: 'crypto-js `algo.MD5` (WordArray per chunk)',
    version: v['crypto-js'],
    run: (chunks) => {
      const md5 = C.algo.MD5.create();
      for (const chunk of chunks) md5.update(C.lib.WordArray.create(chunk));
      return md5.finalize().toString(C.enc.Hex);
    },
  });
  if (libs.nodeCrypto) {
    list.push({
      id: 'node-crypto',
      name: 'node:crypto `createHash("md5")`',
      version: v.node,
      run: (chunks) => {
        const md5 = libs.nodeCrypto.createHash('md5');
        for (const chunk of chunks) md5.update(chunk);
        return md5.digest('hex');
      },
    });
  }
  if (libs.nativePass) list.push(nativeContender(libs, 'md5'));
  if (libs.glueO3) {
    list.push({
      id: 'ours-o3',
      name: 'diagnostic: our MD5 with the core built at opt-level 3 (not shipped)',
      version: v.ossup,
      diagnostic: true,
      run: (chunks) => {
        const md5 = new libs.glueO3.Md5();
        for (const chunk of chunks) md5.update(chunk);
        const out = md5.digestHex();
        md5.free();
        return out;
      },
    });
  }
  return list;
}

async function verified(list, chunks) {
  const expected = await list[0].run(chunks);
  const out = [];
  for (const c of list) {
    let digest;
    let check;
    let error = null;
    try {
      digest = await c.run(chunks);
      if (c.selfTimed) digest = digest.value;
      check = c.check ? c.check() : undefined;
    } catch (e) {
      error = String((e && e.message) || e);
    }
    const comparable = !error && digest === expected && (check === undefined || check === CRC64_XZ_CHECK);
    out.push({ ...c, digest, check, comparable, error });
  }
  return { expected, list: out };
}

/**
 * The wasm2js build's linear memory is a plain ArrayBuffer that `memory.grow` replaces without
 * detaching the old one; a cached Uint8Array view of the old buffer then throws "offset is out
 * of bounds". This probe (a fresh module instance) grows the heap after a first call.
 */
export function probeWasm2jsGrowth(mod) {
  const steps = [];
  const detached = typeof new ArrayBuffer(1).detached; // 'boolean' where ArrayBuffer#detached exists
  try {
    steps.push(['crc64(1 MiB)', mod.crc64(new Uint8Array(1024 * 1024))]);
    steps.push(['crc64(4 MiB)', mod.crc64(new Uint8Array(4 * 1024 * 1024))]);
    return { ok: true, steps, detached };
  } catch (e) {
    return {
      ok: false,
      steps,
      detached,
      error: String((e && e.message) || e),
      failedAt: steps.length ? 'crc64(4 MiB) after crc64(1 MiB)' : 'crc64(1 MiB)',
    };
  }
}

/** Runs both checksums; returns { crc64: {...}, md5: {...} } with MB/s summaries per contender. */
export async function runHashing(libs, { reps = 5, log = () => {} } = {}) {
  const chunks = hashChunks();
  const result = {};
  for (const [name, contenders] of [
    ['crc64', crcContenders(libs)],
    ['md5', md5Contenders(libs)],
  ]) {
    log(`hashing ${name}`);
    const { expected, list } = await verified(contenders, chunks);
    const timed = list.filter((c) => c.comparable);
    const mbps = await throughput(timed, chunks, HASH_TOTAL, { reps });
    result[name] = {
      expected,
      contenders: list.map(({ id, name: label, version, digest, check, comparable, diagnostic, error }) => ({
        id,
        name: label,
        version,
        digest,
        check,
        comparable,
        diagnostic: !!diagnostic,
        error,
        mbps: mbps[id] || null,
      })),
    };
  }
  if (libs.wasm2js) result.wasm2jsGrowth = probeWasm2jsGrowth(libs.wasm2js.probe);
  return result;
}
