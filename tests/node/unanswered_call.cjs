// One call the stub cannot answer (DescribeNamespace), made with the AWS SDK for JavaScript v3 or v2
// (argv[2]: "v3" or "v2") and its default retry settings; prints what the SDK saw as one JSON line.
// Run by tests/test_server_sdks.py, which checks that exactly one attempt reached the server.
// CommonJS, so that NODE_PATH (set by tox -e node) finds the SDKs.
"use strict";

const region = "us-west-2";

async function v3() {
  const { IoTThingsGraphClient, DescribeNamespaceCommand } = require("@aws-sdk/client-iotthingsgraph");
  const client = new IoTThingsGraphClient({ region }); // endpoint and credentials from the environment
  try {
    await client.send(new DescribeNamespaceCommand({}));
    return { answered: true };
  } catch (error) {
    const metadata = error.$metadata || {};
    return { status: metadata.httpStatusCode, code: error.name, attempts: metadata.attempts, message: error.message };
  }
}

async function v2() {
  const IoTThingsGraph = require("aws-sdk/clients/iotthingsgraph");
  // v2 reads no AWS_ENDPOINT_URL_* variable: the endpoint is passed as a test would pass it
  const client = new IoTThingsGraph({ region, endpoint: process.env.AWS_ENDPOINT_URL_IOTTHINGSGRAPH });
  const request = client.describeNamespace({});
  try {
    await request.promise();
    return { answered: true };
  } catch (error) {
    const attempts = request.response.retryCount + 1;
    return { status: error.statusCode, code: error.code, attempts, message: error.message };
  }
}

const sdks = { v3, v2 };
sdks[process.argv[2]]().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
