"""Helpers shared by the plugin's tests: real clients and example counts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from hypothesis import settings


def make_client(
    region: str = "us-east-1",
    *,
    attempts: int | None = 1,
    mode: str = "standard",
    endpoint_url: str | None = None,
    fresh_session: bool = False,
    **config: Any,
) -> Any:
    """A real boto3 Things Graph client; ``attempts=None`` keeps botocore's default retries.

    ``fresh_session`` makes it from a new session, which resolves credentials from the
    environment now rather than reusing the ones boto3's default session cached.
    """
    retries: dict[str, Any] = {"mode": mode}
    if attempts is not None:
        retries["total_max_attempts"] = attempts
    session = boto3.Session() if fresh_session else boto3
    return session.client(
        "iotthingsgraph", region_name=region, endpoint_url=endpoint_url, config=Config(retries=retries, **config)
    )


def examples(count: int) -> int:
    """``count`` examples under the CI profile, scaled like the active profile (10x for soak)."""
    return count * settings.default.max_examples // 100
