"""Helpers shared by the plugin's tests: real clients and example counts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from hypothesis import settings


def make_client(
    region: str = "us-east-1", *, attempts: int | None = 1, mode: str = "standard", endpoint_url: str | None = None, **config: Any
) -> Any:
    """A real boto3 Things Graph client; ``attempts=None`` keeps botocore's default retries."""
    retries: dict[str, Any] = {"mode": mode}
    if attempts is not None:
        retries["total_max_attempts"] = attempts
    return boto3.client(
        "iotthingsgraph", region_name=region, endpoint_url=endpoint_url, config=Config(retries=retries, **config)
    )


def examples(count: int) -> int:
    """``count`` examples under the CI profile, scaled like the active profile (10x for soak)."""
    return count * settings.default.max_examples // 100
