"""Init container of the ECS tasks: copy configuration objects from S3 into task volumes, then exit 0.

Runs with the stock LiteLLM image's own python3 and boto3 (no image of our own): the task definition passes this
file's text to `python3 -c`. SYNC_BUCKET names the bucket and

  SYNC_OBJECTS  a JSON list of {"key", "version_id", "path"}: each object is copied at exactly that S3 object
                version to that file. The task definition names the versions, so a task definition revision
                always starts with the configuration it was registered with: a rollback to an older revision
                (the deployment circuit breaker, or by hand) restores the older configuration, never the newest.
  SYNC_ITEMS    a JSON list of {"prefix", "path", "required"}: every current object under a prefix lands under
                its path with the rest of its key as relative path (SYNC_PAGE_SIZE: the listing page size).

Files are written with mode 0644 (readable by non-root containers such as Grafana). A key or path that would
escape its directory fails the task, as does a missing object version.
"""

import json
import os
import pathlib
import sys

import boto3


def sync(client, bucket: str, prefix: str, dest: pathlib.Path, page_size: int = 1000) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    count = 0
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(prefix) :].lstrip("/")
            if not rel or rel.endswith("/"):
                continue
            parts = pathlib.PurePosixPath(rel).parts
            if ".." in parts:
                raise ValueError(f"object key escapes {dest}: {obj['Key']}")
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target))
            target.chmod(0o644)
            count += 1
    return count


def sync_objects(client, bucket: str, objects: list[dict]) -> int:
    """Copy each {"key", "version_id", "path"} at exactly that object version."""
    for obj in objects:
        target = pathlib.Path(obj["path"])
        if not target.is_absolute() or ".." in target.parts:
            raise ValueError(f"object path must be absolute and stay in its directory: {obj['path']}")
        if not obj.get("version_id"):
            raise ValueError(f"no version_id for {obj['key']}: the bucket must be versioned")
        target.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(bucket, obj["key"], str(target), ExtraArgs={"VersionId": obj["version_id"]})
        target.chmod(0o644)
    return len(objects)


def main() -> int:
    bucket = os.environ["SYNC_BUCKET"]
    client = boto3.client("s3")
    if "SYNC_OBJECTS" in os.environ:
        objects = json.loads(os.environ["SYNC_OBJECTS"])
        count = sync_objects(client, bucket, objects)
        print(json.dumps({"synced": count, "versions": {o["key"]: o["version_id"] for o in objects}}))
        if count == 0:
            print(json.dumps({"error": "no objects", "bucket": bucket}), file=sys.stderr)
            return 1
    items = json.loads(os.environ.get("SYNC_ITEMS", "[]"))
    page_size = int(os.environ.get("SYNC_PAGE_SIZE", "1000"))
    for item in items:
        count = sync(client, bucket, item["prefix"], pathlib.Path(item["path"]), page_size)
        if count == 0 and item.get("required", True):
            print(json.dumps({"error": "no objects", "bucket": bucket, "prefix": item["prefix"]}), file=sys.stderr)
            return 1
        print(json.dumps({"synced": count, "prefix": item["prefix"], "path": item["path"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
