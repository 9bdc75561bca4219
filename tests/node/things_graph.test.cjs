// The AWS SDK for JavaScript v3 against the pytest-thingsgraph server.
// Run by tests/test_server_clients.py, which scripts the stub, starts the server and passes its
// environment (AWS_ENDPOINT_URL_IOTTHINGSGRAPH, fake credentials): the client is configured by
// nothing else. CommonJS, so that NODE_PATH (set by tox -e node) finds the SDK.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {
  IoTThingsGraphClient,
  GetUploadStatusCommand,
  UploadEntityDefinitionsCommand,
  ResourceNotFoundException,
} = require("@aws-sdk/client-iotthingsgraph");

const client = new IoTThingsGraphClient({ region: "us-west-2", maxAttempts: 3 });

test("statuses in script order, createdDate as a Date", async () => {
  const first = await client.send(new GetUploadStatusCommand({ uploadId: "js-poll" }));
  const second = await client.send(new GetUploadStatusCommand({ uploadId: "js-poll" }));
  assert.equal(first.uploadStatus, "IN_PROGRESS");
  assert.equal(second.uploadStatus, "SUCCEEDED");
  assert.equal(second.namespaceVersion, 3);
  assert.equal(second.namespaceName, "acme");
  assert.ok(second.createdDate instanceof Date);
  assert.equal(second.createdDate.toISOString(), "2024-05-01T12:00:00.250Z");
  assert.match(second.$metadata.requestId, /^[0-9a-f-]{36}$/);
});

test("the SDK retries a scripted 500 itself", async () => {
  const answer = await client.send(new GetUploadStatusCommand({ uploadId: "js-retry" }));
  assert.equal(answer.uploadStatus, "FAILED");
  assert.deepEqual(answer.failureReason, ["Line 1: unknown type Lamp"]);
  assert.equal(answer.$metadata.attempts, 2);
});

test("an unknown upload is a ResourceNotFoundException (404)", async () => {
  await assert.rejects(client.send(new GetUploadStatusCommand({ uploadId: "js-missing" })), (error) => {
    assert.ok(error instanceof ResourceNotFoundException, `${error.name}: ${error.message}`);
    assert.equal(error.$metadata.httpStatusCode, 404);
    assert.match(error.message, /js-missing was not found in region us-west-2/);
    return true;
  });
});

test("upload entity definitions, then poll the upload", async () => {
  const created = await client.send(
    new UploadEntityDefinitionsCommand({ document: { language: "GRAPHQL", text: "type Lamp { on: Boolean }" } }),
  );
  assert.equal(created.uploadId, "js-upload");
  const polled = await client.send(new GetUploadStatusCommand({ uploadId: created.uploadId }));
  assert.equal(polled.uploadStatus, "SUCCEEDED");
});
