// STS for a real bucket: AssumeRole through Aliyun's official SDK (@alicloud/sts20150401 on
// @alicloud/openapi-core, which signs with ACS3-HMAC-SHA256), passing the session policy that
// confines the credentials to one user's prefix. See README.md beside this file.

/**
 * Returns issueSts({ policy, durationSeconds, sessionName }) → { accessKeyId, accessKeySecret,
 * securityToken, expiration } for createCredentialServer. `accessKeyId`/`accessKeySecret`: a RAM
 * user allowed only sts:AssumeRole on `roleArn`; `endpoint`: e.g. sts.cn-hangzhou.aliyuncs.com
 * (`protocol: 'http'` only for a local stand-in).
 */
export function createAssumeRole({ accessKeyId, accessKeySecret, roleArn, roleSessionName, endpoint, protocol }) {
  for (const [name, value] of Object.entries({ accessKeyId, accessKeySecret, roleArn, endpoint })) {
    if (!value) throw new TypeError(`createAssumeRole: \`${name}\` is required`);
  }
  let client;
  return async function issueSts({ policy, durationSeconds = 900, sessionName = '' }) {
    // Loaded on first use, so the example runs without the SDK until STS is configured.
    const { default: sdk, AssumeRoleRequest } = await import('@alicloud/sts20150401');
    const { $OpenApiUtil } = await import('@alicloud/openapi-core');
    const Client = sdk.default ?? sdk;
    client ??= new Client(new $OpenApiUtil.Config({ accessKeyId, accessKeySecret, endpoint, protocol }));
    const { body } = await client.assumeRole(
      new AssumeRoleRequest({
        roleArn,
        roleSessionName: sessionNameFor(roleSessionName, sessionName),
        durationSeconds,
        policy: JSON.stringify(policy),
      }),
    );
    const credentials = body.credentials;
    return {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: credentials.expiration,
    };
  };
}

/** AssumeRole's RoleSessionName: 2–64 of [A-Za-z0-9.@_-]; it names the user in ActionTrail. */
function sessionNameFor(base, detail) {
  const name = [base || 'ossup', detail]
    .filter(Boolean)
    .join('.')
    .replace(/[^A-Za-z0-9.@_-]+/g, '-');
  return name.slice(0, 64).padEnd(2, '-');
}
