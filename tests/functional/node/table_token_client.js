// Runs queries through the official Node client, authenticating with its
// StargateTableBasedToken against a Stargate Auth API. Prints one JSON line.
// argv[2]: {"endpoint", "authUrl", "username", "password", "ca"?}; with "ca"
// the gRPC channel is TLS and the token rides on composed call credentials,
// otherwise (plaintext) metadata is generated per call as the client's README says.
"use strict";
const grpc = require("@grpc/grpc-js");
const sg = require("@stargate-oss/stargate-grpc-node-client");

const cfg = JSON.parse(process.argv[2]);

async function main() {
  const creds = new sg.StargateTableBasedToken({
    authEndpoint: cfg.authUrl,
    username: cfg.username,
    password: cfg.password,
  });
  const channel = cfg.ca
    ? grpc.credentials.combineChannelCredentials(
        grpc.credentials.createSsl(Buffer.from(cfg.ca)),
        creds
      )
    : grpc.credentials.createInsecure();
  const client = new sg.StargateClient(cfg.endpoint, channel);
  const stargate = sg.promisifyStargateClient(client);

  const metadata = async () =>
    cfg.ca ? new grpc.Metadata() : creds.generateMetadata({ service_url: cfg.authUrl });

  const run = async (cql, values) => {
    const query = new sg.Query();
    query.setCql(cql);
    if (values) {
      const vs = new sg.Values();
      vs.setValuesList(values);
      query.setValues(vs);
    }
    return stargate.executeQuery(query, await metadata());
  };

  await run(
    "CREATE KEYSPACE IF NOT EXISTS node_ks WITH replication = " +
      "{'class': 'SimpleStrategy', 'replication_factor': 1}"
  );
  await run("CREATE TABLE IF NOT EXISTS node_ks.kv (k text PRIMARY KEY, v int)");
  await run("INSERT INTO node_ks.kv (k, v) VALUES ('a', 1)");
  const key = new sg.Value();
  key.setString("b");
  const two = new sg.Value();
  two.setInt(2);
  await run("INSERT INTO node_ks.kv (k, v) VALUES (?, ?)", [key, two]);
  const all = await run("SELECT k, v FROM node_ks.kv");
  const rows = all
    .getResultSet()
    .getRowsList()
    .map((row) => {
      const [k, v] = row.getValuesList();
      return [k.getString(), v.getInt()];
    })
    .sort();
  const one = await run("SELECT v FROM node_ks.kv WHERE k = ?", [key]);
  const bound = one.getResultSet().getRowsList()[0].getValuesList()[0].getInt();

  // wrong credentials: the Auth API refuses, and no call is made
  const wrong = new sg.StargateTableBasedToken({
    authEndpoint: cfg.authUrl,
    username: cfg.username,
    password: cfg.password + "-wrong",
  });
  let refused = null;
  try {
    await wrong.generateMetadata({ service_url: cfg.authUrl });
  } catch (err) {
    refused = { status: err.response.status, description: err.response.data.description };
  }

  // a made-up token: the gRPC service answers UNAUTHENTICATED
  let invalid = null;
  const bogus = new grpc.Metadata();
  bogus.set("x-cassandra-token", "00000000-0000-4000-8000-000000000000");
  const plain = sg.promisifyStargateClient(
    new sg.StargateClient(
      cfg.endpoint,
      cfg.ca ? grpc.credentials.createSsl(Buffer.from(cfg.ca)) : grpc.credentials.createInsecure()
    )
  );
  try {
    const q = new sg.Query();
    q.setCql("SELECT k FROM node_ks.kv");
    await plain.executeQuery(q, bogus);
  } catch (err) {
    invalid = { code: err.code, details: err.details };
  }

  console.log(JSON.stringify({ rows, bound, refused, invalid }));
  client.close();
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
