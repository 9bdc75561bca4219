"""botocore's model of Things Graph (``botocore/data/iotthingsgraph/``), read on first use and cached.

The model is the one source for every operation the stub answers with
``add_response``: their names, request and response shapes, and documented
errors. The plugin's load reads none of it (nor imports botocore): the first
``add_response``, or the first request of such an operation, does.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import TYPE_CHECKING

from ._errors import UsageError
from ._service import ANSWERED_OPERATIONS as ANSWERED
from ._service import SERVICE_NAME, STUBBED_OPERATIONS

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel


@functools.cache
def service_model() -> ServiceModel:
    """The service's model, as the installed botocore ships it."""
    import botocore.loaders
    import botocore.model

    loader = botocore.loaders.create_loader()
    return botocore.model.ServiceModel(loader.load_service_model(SERVICE_NAME, "service-2"), SERVICE_NAME)


def operation_model(name: str) -> OperationModel:
    """The model of operation ``name`` (its API name)."""
    return service_model().operation_model(name)


def method_name(operation: str) -> str:
    """The client's method name of an operation: ``SearchEntities`` -> ``search_entities``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


@functools.cache
def documented_errors(operation: str) -> tuple[str, ...]:
    """The error codes the model lists for ``operation``, in its order."""
    return tuple(shape.name for shape in operation_model(operation).error_shapes)


def resolve(name: object, *, where: str) -> str:
    """The API name of the operation ``name`` names (API or client method name) that ``add_response`` answers.

    A :class:`UsageError` for an upload operation (naming the method to use) or an unknown name (with a guess).
    """
    if isinstance(name, str):
        api = name if name in ANSWERED or name in STUBBED_OPERATIONS else _API_OF_METHOD.get(name, name)
        if api in ANSWERED:
            return api
        if api in _UPLOAD_METHODS:
            raise UsageError(
                f"{where}: {api} is scripted with {_UPLOAD_METHODS[api]}, not add_response: use that method."
            )
    known = [*ANSWERED, *_API_OF_METHOD]
    guess = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f" Did you mean {guess[0]!r}?" if guess else ""
    raise UsageError(
        f"{where}: {name!r} is not a Things Graph operation add_response answers: name it as the API does "
        f"('SearchEntities') or as the client's method ('search_entities').{hint}"
    )


_UPLOAD_METHODS = {
    "GetUploadStatus": "stub.add_upload(upload_id, script)",
    "UploadEntityDefinitions": "stub.on_upload_entity_definitions(...)",
}


def _api_of_method() -> dict[str, str]:
    from ._service import OPERATIONS

    return {method_name(operation): operation for operation in OPERATIONS}


_API_OF_METHOD = _api_of_method()
