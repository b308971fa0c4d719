// hash-wasm with what our core covers: HMAC, SHA-1, SHA-256, CRC-64 and MD5.
export { createHMAC, createSHA1, createSHA256, createCRC64, createMD5 } from 'hash-wasm';
