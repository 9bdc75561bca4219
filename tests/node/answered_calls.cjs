// Operations answered by responses scripted through the control API (POST /_thingsgraph/responses), made with
// the AWS SDK for JavaScript v3: GetSystemInstance until the system is DEPLOYED_IN_TARGET, then SearchEntities.
// Prints what the SDK gave back as one JSON line. Run by tests/test_server_responses.py, which scripts the server
// and checks the calls it recorded. CommonJS, so that NODE_PATH (set by tox -e node) finds the SDK.
"use strict";

const {
  IoTThingsGraphClient,
  GetSystemInstanceCommand,
  SearchEntitiesCommand,
} = require("@aws-sdk/client-iotthingsgraph");

const client = new IoTThingsGraphClient({ region: "us-west-2" }); // endpoint and credentials from the environment

async function main() {
  const id = process.argv[2];
  const statuses = [];
  let summary;
  while (statuses.length < 5) {
    summary = (await client.send(new GetSystemInstanceCommand({ id }))).description.summary;
    statuses.push(summary.status);
    if (summary.status === "DEPLOYED_IN_TARGET") break;
  }
  const found = await client.send(new SearchEntitiesCommand({ entityTypes: ["DEVICE"] }));
  return {
    statuses,
    createdAt: summary.createdAt.toISOString(), // a Date, from epoch seconds on the wire
    entities: found.descriptions.map((entity) => [entity.id, entity.type, entity.createdAt.toISOString()]),
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
