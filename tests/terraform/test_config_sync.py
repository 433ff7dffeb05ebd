"""The init container's copy script (infra/terraform/modules/config-sync/sync.py) against S3 (moto, real boto3):
objects land under their paths with mode 0644, escapes are refused, an empty required prefix fails the task."""

from __future__ import annotations

import json
import os
import runpy
import stat
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from .tflib import MODULES

SCRIPT = MODULES / "config-sync" / "sync.py"


@pytest.fixture
def s3() -> Iterator:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    with mock.patch.dict(os.environ, env), mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="cfg")
        yield client


def run_sync(items: list[dict], page_size: int = 1000) -> int:
    """Run the script the way the container does (`python3 -c <text>`: __name__ == '__main__')."""
    env = {
        "SYNC_BUCKET": "cfg",
        "SYNC_ITEMS": json.dumps(items),
        "AWS_REGION": "us-east-1",
        "SYNC_PAGE_SIZE": str(page_size),
    }
    with mock.patch.dict(os.environ, env):
        try:
            runpy.run_path(str(SCRIPT), run_name="__main__")
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


def test_copies_prefixes_into_their_directories(s3, tmp_path: Path) -> None:
    s3.put_object(Bucket="cfg", Key="litellm/config/config.yaml", Body=b"model_list: []\n")
    s3.put_object(Bucket="cfg", Key="litellm/callbacks/llmgw_callbacks/__init__.py", Body=b"")
    s3.put_object(Bucket="cfg", Key="litellm/callbacks/llmgw_callbacks/cost_metrics.py", Body=b"X = 1\n")
    s3.put_object(Bucket="cfg", Key="other/ignored.txt", Body=b"no")
    dest = tmp_path / "etc-litellm"
    code = run_sync(
        [
            {"prefix": "litellm/config/", "path": str(dest), "required": True},
            {"prefix": "litellm/callbacks/", "path": str(dest / "callbacks"), "required": True},
        ]
    )
    assert code == 0
    assert (dest / "config.yaml").read_text() == "model_list: []\n"
    assert (dest / "callbacks" / "llmgw_callbacks" / "cost_metrics.py").read_text() == "X = 1\n"
    assert not list(tmp_path.rglob("ignored.txt"))
    mode = stat.S_IMODE((dest / "callbacks" / "llmgw_callbacks" / "__init__.py").stat().st_mode)
    assert mode == 0o644


def test_every_page_of_the_listing_is_copied(s3, tmp_path: Path) -> None:
    for i in range(7):
        s3.put_object(Bucket="cfg", Key=f"grafana/dashboards/d{i}.json", Body=b"{}")
    items = [{"prefix": "grafana/dashboards/", "path": str(tmp_path / "d"), "required": True}]
    assert run_sync(items, page_size=2) == 0
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [f"d{i}.json" for i in range(7)]


def test_empty_required_prefix_fails_and_optional_passes(s3, tmp_path: Path) -> None:
    assert run_sync([{"prefix": "nothing/", "path": str(tmp_path / "a"), "required": True}]) == 1
    assert run_sync([{"prefix": "nothing/", "path": str(tmp_path / "b"), "required": False}]) == 0


def test_keys_escaping_the_directory_are_refused(s3, tmp_path: Path) -> None:
    s3.put_object(Bucket="cfg", Key="litellm/config/../../evil.py", Body=b"boom")
    with pytest.raises(ValueError, match="escapes"):
        run_sync([{"prefix": "litellm/config/", "path": str(tmp_path / "x"), "required": True}])
    assert not (tmp_path / "evil.py").exists()


def test_module_runs_the_script_with_the_images_python() -> None:
    main = (MODULES / "config-sync" / "main.tf").read_text()
    assert 'entryPoint = ["python3", "-c"]' in main and 'command    = [file("${path.module}/sync.py")]' in main
    assert "essential  = false" in main


def run_sync_objects(objects: list[dict]) -> int:
    env = {"SYNC_BUCKET": "cfg", "SYNC_OBJECTS": json.dumps(objects), "AWS_REGION": "us-east-1"}
    with mock.patch.dict(os.environ, env):
        os.environ.pop("SYNC_ITEMS", None)
        try:
            runpy.run_path(str(SCRIPT), run_name="__main__")
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


def test_a_rolled_back_revision_starts_with_its_own_configuration(s3, tmp_path: Path) -> None:
    """Issue 14: a rollback loaded the newest config, since objects sat at fixed keys and the init container copied
    whatever was current. Now each task definition revision names the object versions it was registered with
    (SYNC_OBJECTS from the aws_s3_object version_ids): revision 1 gets v1 even after v2 was uploaded."""
    s3.put_bucket_versioning(Bucket="cfg", VersioningConfiguration={"Status": "Enabled"})
    key = "litellm/config/config.yaml"
    v1 = s3.put_object(Bucket="cfg", Key=key, Body=b"request_timeout: 170\n")["VersionId"]
    v2 = s3.put_object(Bucket="cfg", Key=key, Body=b"request_timeout: 1\n")["VersionId"]
    assert v1 != v2
    revision_1 = [{"key": key, "version_id": v1, "path": str(tmp_path / "rev1" / "config.yaml")}]
    revision_2 = [{"key": key, "version_id": v2, "path": str(tmp_path / "rev2" / "config.yaml")}]
    assert run_sync_objects(revision_2) == 0 and run_sync_objects(revision_1) == 0
    assert (tmp_path / "rev2" / "config.yaml").read_text() == "request_timeout: 1\n"
    assert (tmp_path / "rev1" / "config.yaml").read_text() == "request_timeout: 170\n"
    assert stat.S_IMODE((tmp_path / "rev1" / "config.yaml").stat().st_mode) == 0o644


def test_a_missing_version_fails_the_task(s3, tmp_path: Path) -> None:
    s3.put_bucket_versioning(Bucket="cfg", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="cfg", Key="k", Body=b"x")
    with pytest.raises(Exception, match=r"404|Not Found|NoSuchVersion"):
        run_sync_objects([{"key": "k", "version_id": "no-such-version", "path": str(tmp_path / "k")}])
    with pytest.raises(ValueError, match="stay in its directory"):
        run_sync_objects([{"key": "k", "version_id": "v", "path": "relative/k"}])


def test_every_service_pins_its_objects_by_version() -> None:
    """The three services hand the init container objects (key, version_id, path), never bare prefixes, built from
    their own aws_s3_object resources; the task roles may read object versions; old versions outlive rollbacks."""
    from .tflib import TfDir

    for service in ("litellm-service", "grafana", "victoriametrics"):
        call = TfDir.load(MODULES / service).module_calls["task"]
        objects = str(call["config_objects"])
        assert ".version_id" in objects and "aws_s3_object." in objects, service
    sync = TfDir.load(MODULES / "fargate-service").module_calls["config_sync"]
    assert sync["objects"] == "${var.config_objects}" and "items" not in sync
    iam = (MODULES / "iam" / "main.tf").read_text()
    assert '"s3:GetObjectVersion"' in iam
    gateway = TfDir.load(MODULES / "gateway").module_calls["config_bucket"]
    assert gateway["noncurrent_versions_to_keep"] >= 10
