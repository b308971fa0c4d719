// Every "no" the local bucket server can say, in one table: HTTP status, OSS error Code,
// default Message, and the extended error code (EC) that OSS puts in `<EC>` and `x-oss-ec`.
//
// Where an EC comes from matters, so each entry names its source:
//   'spec'   — tests/vectors/oss-spec.md (§ given in the comment)
//   'ec-doc' — Aliyun's per-EC help page (https://help.aliyun.com/zh/oss/support/<EC>)
//   'report' — an EC seen in a public error report or troubleshooting table, not a help page
//   'none'   — no public source found; UNKNOWN_EC is sent so nobody mistakes a guess for OSS's value
// Messages copy OSS's wording where it is documented; otherwise they say plainly what failed.

export const UNKNOWN_EC = '0000-00000000';

const E = (status, code, message, ec, source) => ({ status, code, message, ec, source });

// prettier-ignore
export const ERRORS = {
  // --- PostObject form (oss-spec §1) ---
  MalformedPOSTRequest: E(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', '0006-00000104', 'spec'), // §1: file missing or not last
  NotMultipartForm: E(400, 'RequestIsNotMultiPartContent', 'Bucket POST must be of the enclosure-type multipart/form-data.', UNKNOWN_EC, 'none'),
  FieldNameTooLong: E(400, 'InvalidArgument', 'A form field name is longer than 8 KB.', '0006-00000110', 'spec'), // §1 limits
  FieldValueTooLong: E(400, 'InvalidArgument', 'A form field value is longer than 2 MB.', UNKNOWN_EC, 'none'), // §1 limits (no EC given)
  FormTooLarge: E(400, 'InvalidArgument', 'The form fields before the file are larger than 8 MB in total.', '0006-00000112', 'spec'), // §1 limits
  UserMetaTooLarge: E(400, 'InvalidArgument', 'The user metadata (x-oss-meta-*) is larger than 8 KB in total.', '0011-00000002', 'ec-doc'),
  BadUserMetaName: E(400, 'InvalidArgument', 'User metadata names may contain only letters, digits and hyphens.', '0011-00000002', 'ec-doc'),
  BadHeaderValue: E(400, 'InvalidArgument', 'A value that becomes an HTTP header contains control characters.', UNKNOWN_EC, 'none'),
  PolicyFieldMissing: E(400, 'InvalidArgument', 'The policy form field is missing.', '0002-00000702', 'ec-doc'), // §1: partial V1 set
  SignatureFieldMissing: E(400, 'InvalidArgument', 'The Signature form field is missing.', '0002-00000703', 'ec-doc'),
  SignatureFieldEmpty: E(400, 'InvalidArgument', 'The Signature form field is empty.', '0002-00000704', 'ec-doc'),
  AccessKeyFieldMissing: E(400, 'InvalidArgument', 'The OSSAccessKeyId form field is missing.', '0002-00000706', 'ec-doc'),
  AccessKeyFieldEmpty: E(400, 'InvalidArgument', 'The OSSAccessKeyId form field is empty.', '0002-00000707', 'ec-doc'),
  V4FieldMissing: E(400, 'InvalidArgument', 'A V4 form field is missing.', UNKNOWN_EC, 'none'),
  BadSignatureVersion: E(400, 'InvalidArgument', 'x-oss-signature-version must be OSS4-HMAC-SHA256.', UNKNOWN_EC, 'none'),
  BadPostCredential: E(400, 'InvalidArgument', 'Invalid x-oss-credential.', '0002-00000710', 'spec'), // §1c
  BadPostDate: E(400, 'InvalidArgument', 'Invalid x-oss-date: expected yyyymmddTHHMMSSZ.', '0002-00000502', 'ec-doc'),
  AnonymousWriteDenied: E(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.', '0003-00000905', 'report'),
  BadCallback: E(400, 'InvalidArgument', 'The callback configuration is not valid.', UNKNOWN_EC, 'none'), // §4
  BadObjectAcl: E(400, 'InvalidArgument', 'no such bucket access control exists', UNKNOWN_EC, 'none'),
  BadStorageClass: E(400, 'InvalidArgument', 'Invalid storage class: Standard, IA, Archive, ColdArchive or DeepColdArchive.', UNKNOWN_EC, 'none'),
  BadTagging: E(400, 'InvalidArgument', 'Invalid tagging: at most 10 tags written as k1=v1&k2=v2.', UNKNOWN_EC, 'none'),
  BadEncryption: E(400, 'InvalidEncryptionAlgorithmError', 'The encryption request you specified is not valid. Supported value: AES256/KMS/SM4.', UNKNOWN_EC, 'none'),

  // --- Policy (oss-spec §1a) ---
  PolicyBadJson: E(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.', UNKNOWN_EC, 'none'),
  PolicyNoExpiration: E(400, 'InvalidPolicyDocument', 'Invalid Policy: The policy must contain an expiration.', '0006-00000208', 'spec'),
  PolicyNoConditions: E(400, 'InvalidPolicyDocument', 'Invalid Policy: The policy must contain conditions.', '0006-00000209', 'spec'),
  PolicyExpirationNumber: E(400, 'InvalidPolicyDocument', 'Invalid Policy: expiration must be a string.', '0006-00000210', 'spec'),
  PolicyExpirationEmpty: E(400, 'InvalidPolicyDocument', 'Invalid Policy: expiration is empty.', '0006-00000211', 'spec'),
  PolicyExpirationFormat: E(400, 'InvalidPolicyDocument', 'Invalid Policy: expiration must be ISO 8601 UTC, e.g. 2030-01-01T00:00:00.000Z.', '0006-00000212', 'spec'),
  PolicySimpleCondition: E(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.', UNKNOWN_EC, 'none'),
  PolicyNoOperator: E(400, 'InvalidPolicyDocument', 'Invalid Policy: A condition has no operator.', '0006-00000216', 'spec'),
  PolicyUnknownOperator: E(400, 'InvalidPolicyDocument', 'Invalid Policy: Unknown condition operator.', '0006-00000217', 'spec'),
  PolicyRangeMin: E(400, 'InvalidPolicyDocument', 'Invalid Policy: content-length-range min must be a non-negative integer.', '0006-00000219', 'spec'),
  PolicyRangeMax: E(400, 'InvalidPolicyDocument', 'Invalid Policy: content-length-range max must be a non-negative integer.', '0006-00000221', 'spec'),
  PolicyRangeOrder: E(400, 'InvalidPolicyDocument', 'Invalid Policy: content-length-range max must not be less than min.', '0006-00000223', 'spec'),
  PolicyConditionShape: E(400, 'InvalidPolicyDocument', 'Invalid Policy: A condition must be a map or a list.', '0006-00000222', 'ec-doc'),
  PolicyConditionType: E(400, 'InvalidPolicyDocument', 'Invalid Policy: A condition value has the wrong type.', '0006-00000224', 'ec-doc'),
  PolicyExpired: E(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.', '0006-00000213', 'spec'),
  PolicyConditionFailed: E(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed.', '0006-00000227', 'spec'),
  // The EC page says only "a field named in conditions is not in the form"; status and Code as for -227.
  PolicyFieldNotInForm: E(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: a field in the conditions is not in the form.', '0006-00000226', 'ec-doc'),
  // oss-spec §1d: both directions of content-length-range carry Code EntityTooLarge; the EC tells them apart.
  EntityTooLarge: E(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', '0006-00000003', 'spec'),
  EntityBelowMin: E(400, 'EntityTooLarge', 'Your proposed upload is smaller than the minimum allowed size.', '0006-00000004', 'spec'),

  // --- Credentials and signatures (oss-spec §1b, §1c, §2, §3) ---
  InvalidAccessKeyId: E(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', UNKNOWN_EC, 'none'),
  // Aliyun EC page 0002-00000002: an STS-style request (security token present) whose AccessKeyId is not an STS key.
  InvalidStsAccessKeyId: E(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', '0002-00000002', 'ec-doc'),
  InvalidSecurityToken: E(403, 'InvalidSecurityToken', 'The security token you provided is invalid.', '0002-00000006', 'ec-doc'),
  SecurityTokenExpired: E(403, 'SecurityTokenExpired', 'The security token you provided has expired.', '0002-00000007', 'report'),
  PostSignatureDoesNotMatch: E(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', UNKNOWN_EC, 'none'),
  HeaderSignatureDoesNotMatch: E(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', '0002-00000201', 'report'),
  RequestTimeTooSkewed: E(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', '0002-00000504', 'report'),
  RequestExpired: E(403, 'AccessDenied', 'Request has expired: x-oss-date is more than 7 days old.', UNKNOWN_EC, 'none'), // §1c validity ≤ 7 days
  BadRequestDate: E(403, 'AccessDenied', 'Invalid or missing date: send x-oss-date (or Date) in the required format.', '0002-00000502', 'ec-doc'),
  // Aliyun EC page 0003-00000301: denied by the session policy the STS token was issued with (ram-policy.mjs).
  StsPolicyDenied: E(403, 'AccessDenied', "Access denied by authorizer's policy.", '0003-00000301', 'ec-doc'),
  MissingAuthorization: E(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.', '0003-00000905', 'report'),
  BadAuthorization: E(400, 'InvalidArgument', 'Authorization header is invalid.', UNKNOWN_EC, 'none'),
  BadHeaderCredential: E(400, 'InvalidArgument', 'Invalid Credential in Authorization header.', '0002-00000213', 'ec-doc'), // §3
  EmptyAdditionalHeader: E(400, 'InvalidArgument', 'AdditionalHeaders contains an empty entry.', '0002-00000210', 'spec'), // §3
  MissingContentSha256: E(400, 'InvalidArgument', 'Missing required header for this request: x-oss-content-sha256.', UNKNOWN_EC, 'none'), // §3
  ContentSha256Mismatch: E(400, 'InvalidArgument', 'x-oss-content-sha256 does not match the request body.', UNKNOWN_EC, 'none'),
  // Presigned URLs: Aliyun EC pages 0002-00000069 (expired, V1 Expires and V4 x-oss-expires), -070 (bad expiry), -235 (before x-oss-date − 15 min).
  PresignFieldMissing: E(403, 'AccessDenied', 'A query-string signature parameter is missing.', UNKNOWN_EC, 'none'),
  PresignBadExpires: E(403, 'AccessDenied', 'The expiration time in the signed URL is invalid.', '0002-00000070', 'ec-doc'),
  PresignExpired: E(403, 'AccessDenied', 'Request has expired.', '0002-00000069', 'ec-doc'),
  PresignNotYetValid: E(403, 'AccessDenied', 'The signed URL is not valid yet: x-oss-date is more than 15 minutes in the future.', '0002-00000235', 'ec-doc'),
  QuerySignatureDoesNotMatch: E(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', UNKNOWN_EC, 'none'),
  // Anonymous requests where the bucket or object ACL does not allow them.
  AnonymousAccessDenied: E(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.', '0003-00000905', 'report'),

  // --- Object keys (oss-spec §6) ---
  KeyEmpty: E(400, 'InvalidObjectName', 'The Object name can not be empty.', '0016-00000001', 'spec'),
  KeyTooLong: E(400, 'InvalidObjectName', 'The Length of Object name must be less than 1024.', '0016-00000002', 'spec'),
  KeyNotUtf8: E(400, 'InvalidObjectName', 'The specified object is not valid.', '0016-00000002', 'spec'),
  KeyLeadingSlash: E(400, 'InvalidObjectName', 'The specified object is not valid.', '0016-00000005', 'spec'),

  // --- Objects and multipart (oss-spec §1d, §3 "Multipart calls") ---
  FileAlreadyExists: E(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.', '0026-00000002', 'report'),
  NoSuchKey: E(404, 'NoSuchKey', 'The specified key does not exist.', '0026-00000001', 'report'),
  NoSuchUpload: E(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', UNKNOWN_EC, 'none'),
  InvalidPartNumber: E(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', UNKNOWN_EC, 'none'),
  InvalidPart: E(400, 'InvalidPart', "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.", UNKNOWN_EC, 'none'),
  InvalidPartOrder: E(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts list must specified in order by part number.', UNKNOWN_EC, 'none'),
  EntityTooSmall: E(400, 'EntityTooSmall', 'Your proposed upload smaller than the minimum allowed size.', UNKNOWN_EC, 'none'),
  MalformedXML: E(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.', UNKNOWN_EC, 'none'),
  InvalidDigest: E(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', UNKNOWN_EC, 'none'),
  // Aliyun EC pages 0017-00000502 (Content-MD5 not a base64 MD5) and 0017-00000503 (does not match the body); both Code InvalidDigest.
  ContentMd5Malformed: E(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', '0017-00000502', 'ec-doc'),
  ContentMd5Mismatch: E(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', '0017-00000503', 'ec-doc'),
  InvalidRange: E(416, 'InvalidRange', 'The requested range cannot be satisfied.', UNKNOWN_EC, 'none'),
  CallbackFailed: E(203, 'CallbackFailed', 'Callback failed.', UNKNOWN_EC, 'none'), // §4: object stored, callback failed

  // --- Everything else ---
  NotImplemented: E(501, 'NotImplemented', 'This operation is not implemented by the ossup local bucket server.', UNKNOWN_EC, 'none'),
  MethodNotAllowed: E(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', UNKNOWN_EC, 'none'),
  // OSS's 503 page (help.aliyun.com/zh/oss/support/http-status-code-503): ServiceUnavailable, retry later.
  DiskFull: E(503, 'ServiceUnavailable', 'The local bucket server is out of disk space; nothing was stored. Please retry later.', UNKNOWN_EC, 'none'),
  // OSS's error code table lists RequestTimeout with status 400.
  RequestTimeout: E(400, 'RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.', UNKNOWN_EC, 'none'),
  InternalError: E(500, 'InternalError', 'We encountered an internal error. Please try again.', UNKNOWN_EC, 'none'),
  TestApiDisabled: E(404, 'NotFound', 'The test control API is disabled: start the server with testMode: true.', UNKNOWN_EC, 'none'),
};

/**
 * An OSS error to throw from any handler. `message` overrides the default text,
 * `extra` adds elements to the XML body (e.g. StringToSign), `status`/`code` override
 * the table (used by the 'status' fault hook).
 */
export function ossError(kind, { message, extra, status, code } = {}) {
  const entry = ERRORS[kind];
  if (!entry) throw new Error(`unknown OSS error kind: ${kind}`);
  const error = new Error(message ?? entry.message);
  error.name = 'OssError';
  error.kind = kind;
  error.status = status ?? entry.status;
  error.code = code ?? entry.code;
  error.ec = entry.ec;
  error.extra = extra ?? {};
  return error;
}

export function isOssError(error) {
  return error?.name === 'OssError';
}
