"""Init container of the ECS tasks: copy S3 prefixes into task volumes, then exit 0.

Runs with the stock LiteLLM image's own python3 and boto3 (no image of our own): the task definition passes this
file's text to `python3 -c`. SYNC_BUCKET names the bucket, SYNC_ITEMS is a JSON list of {"prefix", "path",
"required"}, SYNC_PAGE_SIZE (optional) the listing page size; every
object under a prefix lands under its path with the rest of its key as relative path (mode 0644, readable by
non-root containers such as Grafana). A key that would escape its path fails the task.
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


def main() -> int:
    bucket = os.environ["SYNC_BUCKET"]
    items = json.loads(os.environ["SYNC_ITEMS"])
    page_size = int(os.environ.get("SYNC_PAGE_SIZE", "1000"))
    client = boto3.client("s3")
    for item in items:
        count = sync(client, bucket, item["prefix"], pathlib.Path(item["path"]), page_size)
        if count == 0 and item.get("required", True):
            print(json.dumps({"error": "no objects", "bucket": bucket, "prefix": item["prefix"]}), file=sys.stderr)
            return 1
        print(json.dumps({"synced": count, "prefix": item["prefix"], "path": item["path"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
