import { startLocalBerth } from './local/server.ts';

/** `npm start`: Berth on one port with DynamoDB Local and the stream workers. Ctrl-C stops it all. */
const berth = await startLocalBerth(process.env);
const print = (line: string) => process.stderr.write(`${line}\n`);
for (const note of berth.notes) print(`berth: ${note}`);
print(`berth: listening on ${berth.url}  (data in ${berth.dataDir})`);
print(`berth: authenticate with   Authorization: Bearer ${berth.adminToken}`);
print(`berth: try                 curl -H "Authorization: Bearer ${berth.adminToken}" ${berth.url}/admin/clusters`);
print(`berth: API reference       ${berth.url}/docs`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    print('berth: stopping');
    void berth.stop().then(() => process.exit(0));
  });
}
