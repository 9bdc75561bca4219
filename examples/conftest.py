"""Set-up of the example tests."""

from __future__ import annotations

import os

# Making a boto3 client looks for credentials; never let that ask the instance metadata
# service (a network address, and a slow timeout off EC2). The stub signs with fake ones.
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
