"""The per-call fast paths answer as the slow paths they stand in for (benchmarks/README.md, section 1).

- ``_shapes.fits`` is ``unfit(...) is None`` without the words, and ``add_response``'s
  exact-match shortcut takes the answers ``unfit`` would;
- the botocore adapter reads a request's headers and builds its response's headers
  as botocore's own ``HeadersDict`` would.
"""

from __future__ import annotations

import types
import unittest.mock
from typing import Any

import boto3
import botocore.awsrequest
import pytest
from botocore.awsrequest import AWSResponse, HeadersDict
from hypothesis import given
from hypothesis import strategies as st

from pytest_thingsgraph import ANY, StubError, _botocore, _shapes, mock_thingsgraph
from pytest_thingsgraph._protocol import READ_HEADERS, freeze

URN = "urn:tdm:us-east-1/123456789012/default:Deployment:Fast"
SEARCH = {
    "entityTypes": ["DEVICE", "CAPABILITY"],
    "filters": [{"name": "NAMESPACE", "value": ["aws", "default"]}],
    "maxResults": 5,
    "namespaceVersion": 3,
}

CASES: list[tuple[Any, Any]] = [
    ({"a": 1}, {"a": 1}),
    ({"a": 1}, {"a": True}),  # True is not 1
    ({"a": True}, {"a": 1}),
    ({"a": 1}, {"a": 1.0}),
    ({"a": "x"}, {"a": "y"}),
    ({"a": "x"}, {"a": ["x"]}),
    ({"a": ANY}, {"a": None}),  # ANY needs the member
    ({"a": ANY}, {"a": [1]}),
    ({"a": unittest.mock.ANY}, {"a": None}),
    ({"a": unittest.mock.ANY}, {"a": 2}),
    ({"a": None}, {}),
    ({"a": None, "b": 1}, {"b": 2}),  # as unfit: a missing member fitting None ends the check
    ({"a": [1, 2]}, {"a": [1, 2, 3]}),
    ({"a": [{"b": "c"}]}, {"a": [{"b": "c", "d": 1}]}),
    ({"a": [{"b": "c"}]}, {"a": [{"b": "x"}]}),
    ({"a": {"b": ANY}}, {"a": {"b": False}}),
    ({"a": {"b": ANY}}, {"a": "b"}),
    ({}, {"a": 1}),
]


@pytest.mark.parametrize(("selector", "document"), CASES)
def test_fits_is_unfit_without_the_words(selector: Any, document: Any) -> None:
    selector, document = freeze(selector), freeze(document)
    assert _shapes.fits(selector, document) is (_shapes.unfit(selector, document, "") is None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5]) | st.sampled_from(["x", "y", ""]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("abc"), children, max_size=3),
    max_leaves=12,
)
selectors = st.recursive(
    json_values | st.just(ANY),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("abc"), children, max_size=3),
    max_leaves=12,
)


@given(selectors, json_values)
def test_fits_agrees_with_unfit_on_any_values(selector: Any, document: Any) -> None:
    selector, document = freeze(selector), freeze(document)
    assert _shapes.fits(selector, document) is (_shapes.unfit(selector, document, "") is None)


def test_holds_any_finds_any_at_any_depth() -> None:
    assert not _shapes.holds_any(freeze(SEARCH))
    assert _shapes.holds_any(freeze({"filters": [{"value": [ANY]}]}))
    assert _shapes.holds_any(freeze({"a": unittest.mock.ANY}))


def test_a_match_of_the_whole_request_takes_its_answers_in_order() -> None:
    client = boto3.client("iotthingsgraph", region_name="us-east-1")
    with mock_thingsgraph() as stub:
        stub.add_response("search_entities", {"nextToken": "other"}, match={**SEARCH, "maxResults": 6})
        stub.add_response("search_entities", {"nextToken": "first"}, match=SEARCH)
        stub.add_response("search_entities", {"nextToken": "second"}, match=SEARCH)
        assert client.search_entities(**SEARCH)["nextToken"] == "first"
        assert client.search_entities(**SEARCH)["nextToken"] == "second"
        assert client.search_entities(**{**SEARCH, "maxResults": 6})["nextToken"] == "other"


def test_a_request_no_match_fits_is_told_why_each_does_not() -> None:
    client = boto3.client("iotthingsgraph", region_name="us-east-1")
    with mock_thingsgraph(assert_all_consumed=False) as stub:
        stub.add_response("get_system_instance", {}, match={"id": URN})
        stub.add_response("get_system_instance", {}, match={"id": ANY})
        stub.add_response("get_system_instance", {}, match={"id": URN + "X"})
        client.get_system_instance(id=URN)
        client.get_system_instance(id=URN + "Y")
        with pytest.raises(StubError, match=r"answer 3 \(match=.*\): id is .*, not "):
            client.get_system_instance(id=URN + "Z")
        stub.reset()


def test_a_request_is_read_with_the_headers_botocore_holds() -> None:
    headers = HeadersDict({"X-Amz-Target": b"T", "content-TYPE": b"C", "Authorization": b"A", "X-Amz-Date": b"D"})
    read = _botocore._request_headers(headers)
    assert {name: read.get(name) for name in READ_HEADERS} == {name: headers.get(name) for name in READ_HEADERS}
    assert _botocore._request_headers({"x-amz-target": "T"}) == {"x-amz-target": "T"}  # any other mapping: as is


@pytest.mark.parametrize("path", ["fast", "slow"])
def test_a_response_is_what_awsresponse_makes(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _botocore._header_key is not None  # the fast path runs on every botocore the package supports
    if path == "slow":  # as chosen at import for a botocore whose response is made otherwise
        monkeypatch.setattr(_botocore, "_header_key", None)
    headers = {"x-amzn-RequestId": "rid", "Content-Type": "application/x-amz-json-1.1", "Content-Length": "2"}
    ours = _botocore._Response("https://host/", 200, headers, b"{}")
    theirs = AWSResponse("https://host/", 200, headers, None)  # type: ignore[arg-type]
    assert set(vars(ours)) == {*vars(theirs), "_body"}
    assert (ours.url, ours.status_code, ours.raw) == (theirs.url, theirs.status_code, theirs.raw)
    assert type(ours.headers) is HeadersDict
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.headers["content-length"] == "2"
    assert ours.headers.get("X-AMZN-REQUESTID") == "rid"
    ours.headers["x-new"] = "1"  # each response's headers are its own
    assert "x-new" not in _botocore._Response("https://host/", 200, headers, b"{}").headers
    assert ours.content == b"{}"


def test_the_fast_response_path_makes_botocores_own_header_keys_once_per_name() -> None:
    make = _botocore._fast_responses()  # what the import chose, made again
    assert make is not None
    key = make("Content-Type")
    assert key == botocore.awsrequest._HeaderKey("content-type")
    assert make("Content-Type") is key  # made once per name


def _response_init_setting(**changes: Any) -> Any:
    init = AWSResponse.__init__

    def changed(self: AWSResponse, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        for name, value in changes.items():
            setattr(self, name, value(self))

    return changed


def _headers_keyed_elsewhere(response: AWSResponse) -> Any:
    headers = response.headers
    headers._store = vars(headers).pop("_dict")  # type: ignore[attr-defined]
    return headers


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda mp: mp.setattr(_botocore, "botocore", types.SimpleNamespace(awsrequest=types.SimpleNamespace())),
            id="no-_HeaderKey",
        ),
        pytest.param(
            lambda mp: mp.setattr(AWSResponse, "__init__", _response_init_setting(elapsed=lambda r: 0)),
            id="another-attribute",
        ),
        pytest.param(
            lambda mp: mp.setattr(AWSResponse, "__init__", _response_init_setting(headers=lambda r: dict(r.headers))),
            id="headers-not-a-HeadersDict",
        ),
        pytest.param(
            lambda mp: mp.setattr(AWSResponse, "__init__", _response_init_setting(headers=_headers_keyed_elsewhere)),
            id="headers-without-_dict",
        ),
        pytest.param(lambda mp: mp.setattr(botocore.awsrequest, "_HeaderKey", str), id="header-keys-that-keep-case"),
    ],
)
def test_a_botocore_whose_response_is_made_otherwise_gets_the_slow_path(
    change: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    change(monkeypatch)
    assert _botocore._fast_responses() is None
