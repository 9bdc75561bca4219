"""``thingsgraph-server`` (``python -m pytest_thingsgraph.server``): the stub as a standalone HTTP server.

For suites that are not pytest (Node, Java, shell, docker-compose): start it, read the endpoint URL
from the first line of its stdout, script it with ``--script FILE`` or the control API under
``/_thingsgraph/``, run the tests against it, then stop it with SIGINT or SIGTERM. It prints the
teardown report to stderr and exits 1 if the report has failures (unused scripts, invalid requests,
unstubbed calls), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ._endpoints import is_loopback_host
from ._errors import UsageError
from ._options import OPTION_HELP, StubOptions
from ._script_files import SCRIPT_FILE_SHAPE, apply_script
from ._threaded_server import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PORT,
    DEFAULT_STUB_OPTIONS,
    DEFAULT_TIMEOUT,
    ThingsGraphServer,
    non_loopback_warning,
)

if TYPE_CHECKING:
    from ._operations import Operation
    from ._stub import ThingsGraphStub

#: The stub's options that matter in a server process (the others concern in-process botocore clients).
SERVER_OPTIONS = ("assert_all_consumed", "allow_invalid_requests", "validate_definitions")


def flag(name: str, value: bool) -> str:
    """How this command's report says to set a stub option: the flag that sets it (``--no-`` for false)."""
    return f"start thingsgraph-server with --{'' if value else 'no-'}{name.replace('_', '-')}"


def script_entry(operation: Operation) -> str:
    """How this command's report names where the members a call had to carry were set: the ``"expected"`` of the
    operation's script entries (a script file's or the control API's)."""
    from ._operations.answers import JSON_FORM  # the one form of every operation add_response answers

    return f'the "expected" of its "{(operation.json_form or JSON_FORM).key}" entry'


def _stub(options: StubOptions) -> ThingsGraphStub:
    """The served stub, whose teardown report (on stderr and at ``/_thingsgraph/report``) names this
    command's flags and script entries where the in-process report names the Python options and methods."""
    from ._stub import ThingsGraphStub  # pydantic: imported here, after the arguments parse, so --help stays quick

    class CommandLineStub(ThingsGraphStub):
        _set_option = staticmethod(flag)
        _expected_of = staticmethod(script_entry)

    return CommandLineStub(options)


#: The script file's format, printed by --help: what an installed package can show (docs/server-mode.md, the
#: full reference, is in the repository and the sdist, not in the wheel). One line a paragraph.
SCRIPT_FILE_FORMAT = """\
script file (--script FILE) and control API:
  {"uploads": [UPLOAD, ...], "uploadEntityDefinitions": [UPLOAD or ERROR, ...], "responses": [RESPONSE, ...]}
  UPLOAD: {"uploadId": "u-1", "script": [ITEM, ...]} with any of "namespaceName", "namespaceArn", \
"namespaceVersion", "createdDate" (epoch seconds, or ISO 8601 text with an offset: "2024-05-01T12:00:00Z"), \
"failureReason" and "region": add_upload's arguments, in camelCase.
  ITEM: a status ("IN_PROGRESS", "SUCCEEDED", "FAILED"), an object of response members, or an ERROR.
  ERROR: {"__type": "ThrottlingException", "message": "Rate exceeded", "statusCode": 400}; "statusCode" only \
for a code the service does not document.
  An uploadEntityDefinitions entry answers the next UploadEntityDefinitions call: its "uploadId" and "script" \
are optional, it has no "region", and "expected": {...} names request members the call must carry.
  RESPONSE: {"operation": "GetSystemInstance", "response": {...}} or {"operation": "GetSystemInstance", \
"error": ERROR}, with any of "match" and "expected": add_response's arguments, for any operation but the two \
upload ones, named as the API ("SearchEntities") or the client's method ("search_entities"). A call takes the \
first RESPONSE of its operation whose "match" (request members) it carries; "expected" names request members \
it must carry. Timestamps are epoch seconds or ISO 8601 text with an offset; {"$any": true} in "match" or \
"expected" stands for any value.
  POST /_thingsgraph/uploads takes an UPLOAD, POST /_thingsgraph/upload-entity-definitions an entry, \
POST /_thingsgraph/responses a RESPONSE; GET /_thingsgraph/calls and /_thingsgraph/report show what happened; \
POST /_thingsgraph/reset forgets it.
example:
  {"uploads": [{"uploadId": "u-1", "script": ["IN_PROGRESS", {"__type": "ThrottlingException"}, "SUCCEEDED"]}]}"""


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own, except that each line of a text is a paragraph of its own: an indented one wraps under
    its indent plus two spaces (the epilog's entries), an unindented one as argparse wraps it (the description)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for line in text.splitlines():
            own = indent + line[: len(line) - len(line.lstrip())]
            hanging = own + "  " if own != indent else own
            words = " ".join(line.split())
            paragraphs.append(
                textwrap.fill(words, width, initial_indent=own, subsequent_indent=hanging, break_on_hyphens=False)
            )
        return "\n".join(paragraphs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thingsgraph-server",
        description="Serve a pytest-thingsgraph stub of AWS IoT Things Graph over HTTP. The first line on stdout "
        "holds the endpoint URL; SIGINT or SIGTERM stops the server, prints the teardown report to stderr and "
        "exits 1 if it has failures.",
        epilog=SCRIPT_FILE_FORMAT,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}). Any non-loopback address prints a warning: "
        "the control API has no authentication.",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on; 0 (the default) picks a free one"
    )
    parser.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help=f"JSON script file: {SCRIPT_FILE_SHAPE} (see its format below)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds a silent connection is kept open (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"larger request bodies get 413 (default {DEFAULT_MAX_BODY_BYTES // 2**20} MiB)",
    )
    parser.add_argument(
        "--log-requests", action="store_true", help="log each request's method, path and status to stderr"
    )
    for name in SERVER_OPTIONS:
        option = parser.add_argument(
            f"--{name.replace('_', '-')}",
            action=argparse.BooleanOptionalAction,
            default=getattr(DEFAULT_STUB_OPTIONS, name),
        )
        # set after: Python before 3.13 appends "(default: ...)" to a BooleanOptionalAction's help, and the
        # option's help names its default already
        option.help = OPTION_HELP[name]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGINT or SIGTERM; return the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        stub = _stub(StubOptions(**{name: getattr(arguments, name) for name in SERVER_OPTIONS}))
        if arguments.script is not None:
            apply_script(stub, _read_script(arguments.script), where=str(arguments.script))
        server = ThingsGraphServer(
            stub,
            host=arguments.host,
            port=arguments.port,
            timeout=arguments.timeout,
            max_body_bytes=arguments.max_body_bytes,
        )
    except UsageError as error:
        print(f"thingsgraph-server: {error}", file=sys.stderr)
        return 2
    if arguments.log_requests:
        import logging

        logging.basicConfig(level=logging.INFO, format="thingsgraph-server: %(message)s", stream=sys.stderr)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if not is_loopback_host(arguments.host):
        print(f"WARNING: {non_loopback_warning(arguments.host)}", file=sys.stderr, flush=True)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # printed above, once
            server.start()
    except OSError as error:
        print(f"thingsgraph-server: cannot listen on {arguments.host}:{arguments.port}: {error}", file=sys.stderr)
        return 2
    print(
        f"thingsgraph-server listening on {server.endpoint_url} (control API: {server.endpoint_url}/_thingsgraph/)",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):  # a bounded wait, so the signal handler runs promptly on every platform
            pass
    finally:
        server.stop()
    failures = stub.failures()
    if failures:
        print("\n\n".join(failures), file=sys.stderr, flush=True)
        return 1
    answered = f"{len(stub.calls)} call{'' if len(stub.calls) == 1 else 's'} answered"
    print(f"thingsgraph-server: stopped; {answered}, no failures.", file=sys.stderr, flush=True)
    return 0


def _read_script(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--script {path}: cannot read it: {error.strerror}.") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"--script {path}: not UTF-8 ({error.reason} at byte {error.start}).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"--script {path}: not JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None


def run() -> None:
    """The console script's entry point."""
    raise SystemExit(main())


if __name__ == "__main__":
    run()
