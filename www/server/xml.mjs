// Just enough XML for OSS bodies: build small documents, read CompleteMultipartUpload.

import { ossError } from './errors.mjs';

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

/**
 * `content` is text, or an array of [name, content] pairs (nested the same way).
 * Pairs whose content is undefined/null are left out.
 */
export function xmlElement(name, content) {
  if (Array.isArray(content)) {
    const inner = content
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([childName, value]) => xmlElement(childName, value))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(content)}</${name}>`;
}

/** OSS writes XML dates in whole seconds, `2026-12-07T21:14:13.000Z`; oss2 parses no other form. */
export function xmlDate(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function xmlDocument(name, content) {
  return XML_HEADER + xmlElement(name, content);
}

/**
 * Parts listed in a CompleteMultipartUpload body (oss-spec §3 "Multipart calls"):
 * `<CompleteMultipartUpload><Part><PartNumber>n</PartNumber><ETag>"…"</ETag></Part>…`.
 * Order is kept as sent: the caller checks that it ascends.
 */
export function parseCompleteMultipartUpload(text) {
  const body = text
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[^>]*\?>/, '')
    .trim();
  const root = /^<CompleteMultipartUpload(\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>$/.exec(body);
  if (!root) throw ossError('MalformedXML');
  const parts = [];
  const partPattern = /<Part>([\s\S]*?)<\/Part>/g;
  let match;
  while ((match = partPattern.exec(root[2])) !== null) {
    const number = /<PartNumber>\s*([0-9]+)\s*<\/PartNumber>/.exec(match[1]);
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(match[1]);
    if (!number || !etag) throw ossError('MalformedXML');
    parts.push({ partNumber: Number(number[1]), etag: unescapeXml(etag[1].trim()) });
  }
  if (parts.length === 0) throw ossError('MalformedXML');
  return parts;
}
