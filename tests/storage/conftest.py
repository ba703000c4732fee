"""An S3-compatible bucket for the storage tests: moto's S3 server on 127.0.0.1, one fresh bucket per test.

The storage configuration is the production one: ``portal/settings.py`` is evaluated again with
``STORAGE_BACKEND=s3`` and the ``S3_*`` variables pointing at the local server, and its ``STORAGES["default"]``
replaces the test suite's local folder through the ``settings`` fixture (Django's ``setting_changed`` handler
then resets ``storages`` and ``default_storage``, and again when the test ends).
"""

from __future__ import annotations

import os
import runpy
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "portal" / "settings.py"
REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def s3_storage(endpoint: str, bucket: str, **env: str) -> dict[str, Any]:
    """``STORAGES["default"]`` exactly as production builds it from the environment."""
    variables = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "S3_ADDRESSING_STYLE": "path",
        **env,
    }
    with mock.patch.dict(os.environ, variables):
        return runpy.run_path(str(SETTINGS_FILE))["STORAGES"]["default"]


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: Any
    settings: Any

    def use(self) -> None:
        """Make this bucket the default storage (the production S3 configuration)."""
        self.settings.STORAGES = {**self.settings.STORAGES, "default": s3_storage(self.endpoint, self.name)}

    def break_connection(self) -> None:
        """The same configuration with an endpoint that refuses connections (S3 unreachable)."""
        endpoint = f"http://127.0.0.1:{closed_port()}"
        storage = s3_storage(endpoint, self.name, S3_CONNECT_TIMEOUT="1", S3_READ_TIMEOUT="1")
        self.settings.STORAGES = {**self.settings.STORAGES, "default": storage}

    def names(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        return key in self.names()

    def anonymous_get(self, key: str) -> int:
        """The status an unauthenticated GET of the object's bucket URL gets (no signature, no credentials)."""
        try:
            url = f"{self.endpoint}/{self.name}/{key}"  # http://127.0.0.1:…, never a file: URL
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as refused:
            return refused.code


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_endpoint, settings, media_storage) -> Bucket:
    """A fresh private bucket, not yet the default storage (``bucket.use()``)."""
    name = f"obs-{uuid.uuid4().hex[:20]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION, **KEYS)
    client.create_bucket(Bucket=name)
    return Bucket(moto_endpoint, name, client, settings)


@pytest.fixture
def s3(bucket) -> Bucket:
    """A fresh private bucket as the default storage."""
    bucket.use()
    return bucket
