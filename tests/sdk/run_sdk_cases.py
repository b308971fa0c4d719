"""Runs the official Python OSS SDKs against the local bucket (www/server), one case at a time.

Usage: run_sdk_cases.py oss2|v2 — reads OSSUP_ENDPOINT (http://127.0.0.1:PORT), OSSUP_BUCKET,
OSSUP_REGION, OSSUP_ACCESS_KEY_ID, OSSUP_ACCESS_KEY_SECRET from the environment, takes STS keys
and fault rules from the bucket's test-mode control API, and prints one JSON line per case:
{"case": name, "ok": bool, "error": text}. Every case compares the bytes it reads back.
"""

import json
import os
import socket
import sys
import tempfile
import traceback
import urllib.request

ENDPOINT = os.environ["OSSUP_ENDPOINT"]
BUCKET = os.environ["OSSUP_BUCKET"]
REGION = os.environ["OSSUP_REGION"]
AK = os.environ["OSSUP_ACCESS_KEY_ID"]
SK = os.environ["OSSUP_ACCESS_KEY_SECRET"]
PORT = ENDPOINT.rsplit(":", 1)[1]

# Virtual-hosted requests go to <bucket>.oss-local.localhost, which no resolver here knows:
# every *.localhost name is the loopback address, as RFC 6761 says it should be.
_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_getaddrinfo
VIRTUAL_ENDPOINT = f"http://oss-local.localhost:{PORT}"


def control(path, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    method = method or ("POST" if data else "GET")
    request = urllib.request.Request(ENDPOINT + "/__ossup_test/" + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def sts():
    return control("sts", {"ttlSeconds": 900})


def payload(size, seed):
    # Deterministic, non-repeating-looking bytes; never all zeros.
    return bytes((i * 131 + seed * 17 + (i >> 8)) & 0xFF for i in range(size))


SMALL = payload(70_001, 1)
BIG = payload(256 * 1024 + 12_345, 2)  # three parts of 100 KiB, the last shorter
PART = 100 * 1024
CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn

    return register


def check(condition, message):
    if not condition:
        raise AssertionError(message)


# ---------------------------------------------------------------------------------- oss2


def oss2_cases():
    import oss2
    import requests

    def bucket(auth=None, endpoint=ENDPOINT, **kwargs):
        return oss2.Bucket(auth or oss2.Auth(AK, SK), endpoint, BUCKET, enable_crc=True, region=REGION, **kwargs)

    def v4():
        return oss2.AuthV4(AK, SK)

    def sts_auth(version):
        c = sts()
        return oss2.StsAuth(c["accessKeyId"], c["accessKeySecret"], c["securityToken"], auth_version=version)

    def put_get(b, key, data=SMALL):
        result = b.put_object(key, data)
        check(result.status == 200, f"put status {result.status}")
        check(result.crc is not None, "PutObject answered no x-oss-hash-crc64ecma")
        got = b.get_object(key).read()  # enable_crc: oss2 checks the CRC of what it read
        check(got == data, "GET returned other bytes")
        check(b.head_object(key).content_length == len(data), "HEAD length")
        b.delete_object(key)
        check(not b.object_exists(key), "object still there after DELETE")

    @case("put/get/head/delete, V1, path-style (IP endpoint)")
    def _():
        put_get(bucket(), "oss2/v1 path ü+.bin")

    @case("put/get/head/delete, V4, path-style (IP endpoint)")
    def _():
        put_get(bucket(v4()), "oss2/v4 path ü+.bin")

    @case("put/get, V1, custom domain (is_cname)")
    def _():
        put_get(bucket(is_cname=True), "oss2/cname.bin")

    @case("put/get, V4, virtual-hosted (<bucket>.host)")
    def _():
        put_get(bucket(v4(), endpoint=VIRTUAL_ENDPOINT), "oss2/virtual.bin")

    @case("put/get with STS keys, V1 and V4")
    def _():
        put_get(bucket(sts_auth(oss2.AUTH_VERSION_1)), "oss2/sts v1.bin")
        put_get(bucket(sts_auth(oss2.AUTH_VERSION_4)), "oss2/sts v4.bin")

    @case("range GET bytes=10-99 and bytes=-7")
    def _():
        b = bucket()
        b.put_object("oss2/range.bin", SMALL)
        check(b.get_object("oss2/range.bin", byte_range=(10, 99)).read() == SMALL[10:100], "range 10-99")
        check(b.get_object("oss2/range.bin", byte_range=(None, 7)).read() == SMALL[-7:], "suffix range")

    @case("wrong secret is refused on GET")
    def _():
        b = bucket()
        b.put_object("oss2/secret.bin", b"x")
        try:
            bucket(oss2.Auth(AK, "not-the-secret")).get_object("oss2/secret.bin").read()
        except oss2.exceptions.SignatureDoesNotMatch:
            return
        raise AssertionError("GET with a wrong secret succeeded")

    @case("presigned PUT and GET URLs (sign_url), V1 and V4, permanent and STS keys")
    def _():
        auths = (
            ("v1", oss2.Auth(AK, SK)),
            ("v4", v4()),
            ("sts v1", sts_auth(oss2.AUTH_VERSION_1)),
            ("sts v4", sts_auth(oss2.AUTH_VERSION_4)),
        )
        for name, auth in auths:
            b = bucket(auth)
            key = f"oss2/presigned {name}.bin"
            put_url = b.sign_url("PUT", key, 60)
            check(requests.put(put_url, data=SMALL).status_code == 200, f"{name} presigned PUT")
            got = requests.get(b.sign_url("GET", key, 60))
            check(got.status_code == 200 and got.content == SMALL, f"{name} presigned GET")

    def multipart(b, key, data=BIG):
        upload_id = b.init_multipart_upload(key).upload_id
        parts = []
        for number, start in enumerate(range(0, len(data), PART), 1):
            result = b.upload_part(key, upload_id, number, data[start : start + PART])
            parts.append(oss2.models.PartInfo(number, result.etag, size=len(data[start : start + PART]), part_crc=result.crc))
        listed = b.list_parts(key, upload_id).parts  # parses LastModified
        check([p.part_number for p in listed] == [1, 2, 3], "ListParts numbers")
        check(all(isinstance(p.last_modified, int) for p in listed), "ListParts dates")
        b.complete_multipart_upload(key, upload_id, parts)  # enable_crc: checks the object CRC
        check(b.get_object(key).read() == data, "multipart object bytes")

    @case("multipart V1 (init, 3 parts, ListParts, complete) with CRC checks")
    def _():
        multipart(bucket(), "oss2/multipart v1.bin")

    @case("multipart V4")
    def _():
        multipart(bucket(v4()), "oss2/multipart v4.bin")

    @case("multipart with STS keys, V1 and V4")
    def _():
        multipart(bucket(sts_auth(oss2.AUTH_VERSION_1)), "oss2/multipart sts v1.bin")
        multipart(bucket(sts_auth(oss2.AUTH_VERSION_4)), "oss2/multipart sts v4.bin")

    @case("abort multipart upload")
    def _():
        b = bucket()
        upload_id = b.init_multipart_upload("oss2/abort.bin").upload_id
        b.upload_part("oss2/abort.bin", upload_id, 1, SMALL)
        b.abort_multipart_upload("oss2/abort.bin", upload_id)
        try:
            b.list_parts("oss2/abort.bin", upload_id)
        except oss2.exceptions.NoSuchUpload:
            return
        raise AssertionError("ListParts after Abort did not answer NoSuchUpload")

    @case("resumable_upload resumes after an injected part failure, bytes identical")
    def _():
        key = "oss2/resumable.bin"
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "source.bin")
            with open(source, "wb") as handle:
                handle.write(BIG)
            store = oss2.ResumableStore(root=folder)
            b = bucket()
            control("faults", {"op": "UploadPart", "key": key, "partNumber": 2, "action": "status", "status": 500})
            options = dict(store=store, multipart_threshold=PART, part_size=PART, num_threads=1)
            try:
                oss2.resumable_upload(b, key, source, **options)
                raise AssertionError("the injected failure did not surface")
            except oss2.exceptions.ServerError as error:
                check(error.status == 500, f"first attempt failed with {error.status}")
            oss2.resumable_upload(b, key, source, **options)  # ListParts, the missing parts, Complete
            check(b.get_object(key).read() == BIG, "resumed object bytes")
            log = [entry for entry in control("requests") if entry["key"] == key]
            stored = [entry["partNumber"] for entry in log if entry["op"] == "UploadPart" and entry["status"] == 200]
            check(sorted(stored) == [1, 2, 3], f"each part stored once (resumed, not restarted): {stored}")
            check(any(entry["op"] == "ListParts" and entry["status"] == 200 for entry in log), "no ListParts")


# ---------------------------------------------------------------------------------- alibabacloud-oss-v2


def v2_cases():
    import alibabacloud_oss_v2 as oss
    import requests

    def client(credentials=None, endpoint=ENDPOINT, **config):
        cfg = oss.config.load_default()
        cfg.credentials_provider = credentials or oss.credentials.StaticCredentialsProvider(AK, SK)
        cfg.region = REGION
        cfg.endpoint = endpoint
        cfg.retry_max_attempts = 1
        for name, value in config.items():
            setattr(cfg, name, value)
        return oss.Client(cfg)

    def sts_provider():
        c = sts()
        return oss.credentials.StaticCredentialsProvider(c["accessKeyId"], c["accessKeySecret"], c["securityToken"])

    def put_get(c, key, data=SMALL):
        result = c.put_object(oss.PutObjectRequest(bucket=BUCKET, key=key, body=data))  # CRC-64 checked
        check(result.status_code == 200 and result.hash_crc64 is not None, "PutObject answer")
        got = c.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key))
        check(got.body.read() == data, "GET returned other bytes")  # CRC-64 checked on read
        check(c.head_object(oss.HeadObjectRequest(bucket=BUCKET, key=key)).content_length == len(data), "HEAD")
        check(c.delete_object(oss.DeleteObjectRequest(bucket=BUCKET, key=key)).status_code == 204, "DELETE")
        check(not c.is_object_exist(BUCKET, key), "object still there after DELETE")

    @case("put/get/head/delete, V4, path-style (IP endpoint)")
    def _():
        put_get(client(), "v2/v4 path ü+.bin")

    @case("put/get/head/delete, V1, path-style (IP endpoint)")
    def _():
        put_get(client(signature_version="v1"), "v2/v1 path.bin")

    @case("put/get, V4, custom domain (use_cname)")
    def _():
        put_get(client(use_cname=True), "v2/cname.bin")

    @case("put/get, V4, virtual-hosted (<bucket>.host)")
    def _():
        put_get(client(endpoint=VIRTUAL_ENDPOINT), "v2/virtual.bin")

    @case("put/get with STS keys, V4")
    def _():
        put_get(client(sts_provider()), "v2/sts.bin")

    @case("range GET (standard behaviour) and 416 past the end")
    def _():
        c = client()
        c.put_object(oss.PutObjectRequest(bucket=BUCKET, key="v2/range.bin", body=SMALL))
        got = c.get_object(oss.GetObjectRequest(bucket=BUCKET, key="v2/range.bin", range_header="bytes=10-99", range_behavior="standard"))
        check(got.status_code == 206 and got.body.read() == SMALL[10:100], "range 10-99")
        try:
            c.get_object(oss.GetObjectRequest(bucket=BUCKET, key="v2/range.bin", range_header=f"bytes={len(SMALL)}-", range_behavior="standard"))
        except oss.exceptions.OperationError as error:
            check(error.unwrap().status_code == 416 and error.unwrap().code == "InvalidRange", "416 InvalidRange")
            return
        raise AssertionError("a range past the end was served")

    @case("presigned PUT and GET URLs (presign), V4 and V1, permanent and STS keys")
    def _():
        for c in (client(), client(signature_version="v1"), client(sts_provider())):
            presigned_put_get(c)

    def presigned_put_get(c):
        put = c.presign(oss.PutObjectRequest(bucket=BUCKET, key="v2/presigned.bin"))
        check(requests.put(put.url, data=SMALL, headers=put.signed_headers).status_code == 200, "presigned PUT")
        get = c.presign(oss.GetObjectRequest(bucket=BUCKET, key="v2/presigned.bin"))
        got = requests.get(get.url, headers=get.signed_headers)
        check(got.status_code == 200 and got.content == SMALL, "presigned GET")

    def multipart(c, key, data=BIG):
        upload_id = c.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=BUCKET, key=key)).upload_id
        parts = []
        for number, start in enumerate(range(0, len(data), PART), 1):
            result = c.upload_part(oss.UploadPartRequest(bucket=BUCKET, key=key, upload_id=upload_id, part_number=number, body=data[start : start + PART]))
            parts.append(oss.UploadPart(part_number=number, etag=result.etag))
        listed = c.list_parts(oss.ListPartsRequest(bucket=BUCKET, key=key, upload_id=upload_id)).parts
        check([p.part_number for p in listed] == [1, 2, 3], "ListParts numbers")
        check(all(p.last_modified is not None for p in listed), "ListParts dates")
        c.complete_multipart_upload(
            oss.CompleteMultipartUploadRequest(bucket=BUCKET, key=key, upload_id=upload_id, complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts))
        )
        check(c.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key)).body.read() == data, "multipart object bytes")

    @case("multipart V4 (initiate, 3 parts, ListParts, complete)")
    def _():
        multipart(client(), "v2/multipart v4.bin")

    @case("multipart with STS keys, V4")
    def _():
        multipart(client(sts_provider()), "v2/multipart sts.bin")

    @case("uploader (concurrent multipart, whole-object CRC-64 check)")
    def _():
        c = client()
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "source.bin")
            with open(source, "wb") as handle:
                handle.write(BIG)
            c.uploader(part_size=PART).upload_file(oss.PutObjectRequest(bucket=BUCKET, key="v2/uploader.bin"), filepath=source)
        check(c.get_object(oss.GetObjectRequest(bucket=BUCKET, key="v2/uploader.bin")).body.read() == BIG, "uploader bytes")

    @case("abort multipart upload")
    def _():
        c = client()
        upload_id = c.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=BUCKET, key="v2/abort.bin")).upload_id
        c.abort_multipart_upload(oss.AbortMultipartUploadRequest(bucket=BUCKET, key="v2/abort.bin", upload_id=upload_id))
        try:
            c.list_parts(oss.ListPartsRequest(bucket=BUCKET, key="v2/abort.bin", upload_id=upload_id))
        except oss.exceptions.OperationError as error:
            check(error.unwrap().code == "NoSuchUpload", "NoSuchUpload")
            return
        raise AssertionError("ListParts after Abort succeeded")


def main():
    {"oss2": oss2_cases, "v2": v2_cases}[sys.argv[1]]()
    only = sys.argv[2] if len(sys.argv) > 2 else None
    for name, fn in CASES:
        if only and only != name:
            continue
        try:
            fn()
            print(json.dumps({"case": name, "ok": True}), flush=True)
        except Exception as error:  # noqa: BLE001 — every failure becomes a reported case
            text = f"{type(error).__name__}: {error}"[:2000]
            print(json.dumps({"case": name, "ok": False, "error": text, "trace": traceback.format_exc()[-3000:]}), flush=True)


if __name__ == "__main__":
    main()
