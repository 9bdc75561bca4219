"""The host checks: every host a Things Graph endpoint can have (derived from botocore's own data), and loopback.

botocore's endpoint ruleset for ``iotthingsgraph`` builds its URLs from templates such as
``https://iotthingsgraph-fips.{Region}.{PartitionResult#dualStackDnsSuffix}``, and its
partitions data gives each partition's suffixes (``amazonaws.com``, ``api.aws``,
``amazonaws.com.cn``...). :func:`things_graph_region` matches a host against every template
filled with every partition's suffixes, so a FIPS, dual-stack or new partition's host is
recognised as soon as botocore knows it; nothing here is a hand-written list of hosts.

The region is any DNS label (the ruleset only asks ``isValidHostLabel(Region)``), and it is not
tied to the suffix's partition: a host of a Things Graph endpoint's shape is the stub's, so that
no such request can reach the network (fail-closed). Of those hosts, only the ones where the
service ran (botocore's ``endpoints.json``) can connect: :func:`unreachable_reason` says why any
other cannot, and every adapter fails such a call as the network would. The data is read once, on first use: this
module imports no botocore when it is loaded (the guard of :mod:`._registry` needs
:func:`is_loopback_host` while the plugin loads).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ._service import SERVICE_NAME

# botocore's VALID_HOST_LABEL_RE (endpoint_provider.py), on a host already lower-cased
_REGION = r"([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def things_graph_region(host: str) -> str | None:
    """The region a Things Graph host names, or ``None`` when ``host`` is no Things Graph endpoint.

    ``host`` is a host name without port (``urlsplit(url).hostname``); case and one trailing
    dot (a fully qualified name) are ignored, as DNS ignores them.
    """
    if host.endswith("."):
        host = host[:-1]
    match = _matcher().fullmatch(host.lower())
    if match is None:
        return None
    region: str = match[match.lastindex or 0]  # the one group of the alternative that matched
    return sys.intern(region)


def is_things_graph_endpoint(url: str) -> bool:
    """Whether ``url``'s host is a Things Graph endpoint of AWS, in any of its forms."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # not a URL requests could send anywhere
        return False
    return host is not None and things_graph_region(host) is not None


@functools.lru_cache(maxsize=256)  # a client sends to one URL, again and again: asked on every call
def unreachable_reason(url: str) -> str | None:
    """Why a request to ``url`` cannot connect: an AWS host of Things Graph where the service never ran.

    ``None`` for every other URL: a host where it ran (botocore's ``endpoints.json``), or one
    that is no Things Graph endpoint of AWS (a client's own ``endpoint_url``: a VPC endpoint,
    server mode's loopback URL). Every adapter asks this before answering, and fails such a
    call as the network would, with this message.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    region = things_graph_region(host) if host is not None else None
    if host is None or region is None or host.rstrip(".").lower() in _served_hosts():
        return None
    return (
        f"No Things Graph endpoint ever answered at {host.rstrip('.').lower()} (region {region}): "
        f"the service ran only in {_served_where()} (botocore's endpoints.json)."
    )


@functools.cache
def _served() -> dict[str, dict[str, str]]:
    """For each partition where Things Graph ran, its regions and each one's host, from botocore's endpoints.json."""
    import botocore.loaders

    served: dict[str, dict[str, str]] = {}
    for partition in botocore.loaders.create_loader().load_data("endpoints")["partitions"]:
        service = partition["services"].get(SERVICE_NAME)
        if not service:
            continue
        template = service.get("defaults", {}).get("hostname") or partition["defaults"]["hostname"]
        for region, endpoint in service.get("endpoints", {}).items():
            if endpoint.get("deprecated"):
                continue
            if endpoint.get("variants"):  # a FIPS or dual-stack host of its own: not known to this module
                raise RuntimeError(f"botocore's endpoints.json gives {SERVICE_NAME} in {region} variants: {endpoint}")
            hostname = endpoint.get("hostname") or template
            host = hostname.format(service=SERVICE_NAME, region=region, dnsSuffix=partition["dnsSuffix"])
            served.setdefault(partition["partition"], {})[region] = host.lower()
    return served


@functools.cache
def _served_hosts() -> frozenset[str]:
    return frozenset(host for regions in _served().values() for host in regions.values())


@functools.cache
def _served_where() -> str:
    """``ap-northeast-1, ... and us-west-2 of the aws partition, with no FIPS or dual-stack endpoint``."""
    parts = []
    for partition, regions in _served().items():
        names = sorted(regions)
        listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        parts.append(f"{listed} of the {partition} partition")
    return "; ".join(parts) + ", with no FIPS or dual-stack endpoint"


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names only this machine: ``localhost`` (and names under it), 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host names only this machine (see :func:`is_loopback_host`)."""
    return is_loopback_host(urlsplit(url).hostname or "")


def url_templates() -> list[str]:
    """The endpoint URL templates of botocore's ``iotthingsgraph`` ruleset, in rule order."""
    return list(_url_templates())


@functools.cache
def _url_templates() -> tuple[str, ...]:
    import botocore.loaders

    ruleset = botocore.loaders.create_loader().load_service_model(SERVICE_NAME, "endpoint-rule-set-1")
    return tuple(dict.fromkeys(_endpoint_urls(ruleset)))


def _endpoint_urls(node: Any) -> Iterator[str]:
    """Every literal ``endpoint.url`` string in a ruleset (a ``{"ref": "Endpoint"}`` is the caller's own URL)."""
    if isinstance(node, dict):
        endpoint = node.get("endpoint")
        if isinstance(endpoint, dict) and isinstance(endpoint.get("url"), str):
            yield endpoint["url"]
        for value in node.values():
            yield from _endpoint_urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _endpoint_urls(value)


def host_patterns() -> dict[str, frozenset[str]]:
    """For each host prefix before the region (``iotthingsgraph-fips.``), the suffixes after it, every partition's."""
    import botocore.loaders

    partitions = botocore.loaders.create_loader().load_data("partitions")["partitions"]
    patterns: dict[str, set[str]] = {}
    for template in _url_templates():
        host = template.split("://", 1)[-1].split("/", 1)[0]
        prefix, region, suffix = host.partition("{Region}")
        if not region or "{" in prefix:
            raise RuntimeError(f"botocore's {SERVICE_NAME} endpoint template {template!r} has an unexpected shape")
        for partition in partitions:
            filled = _fill(suffix, partition["outputs"], template)
            patterns.setdefault(prefix.lower(), set()).add(filled.lower())
    return {prefix: frozenset(suffixes) for prefix, suffixes in patterns.items()}


def _fill(text: str, outputs: dict[str, Any], template: str) -> str:
    """``text`` with each ``{PartitionResult#name}`` replaced by that partition's output."""

    def output(found: re.Match[str]) -> str:
        name = found[1]
        partition_field = name.removeprefix("PartitionResult#")
        value = outputs.get(partition_field) if partition_field != name else None
        if not isinstance(value, str):
            raise RuntimeError(f"botocore's endpoint template {template!r} uses {{{name}}}, unknown here")
        return value

    return _PLACEHOLDER.sub(output, text)


@functools.cache
def _matcher() -> re.Pattern[str]:
    alternatives = []
    for prefix, suffixes in sorted(host_patterns().items()):
        ordered = sorted(suffixes, key=lambda suffix: (-len(suffix), suffix))
        alternatives.append(re.escape(prefix) + _REGION + "(?:" + "|".join(map(re.escape, ordered)) + ")")
    return re.compile("|".join(alternatives))


__all__ = [
    "host_patterns",
    "is_loopback_host",
    "is_loopback_url",
    "is_things_graph_endpoint",
    "things_graph_region",
    "unreachable_reason",
    "url_templates",
]
