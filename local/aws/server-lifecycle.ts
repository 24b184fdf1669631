import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `http://host:port`, bracketing IPv6 literals. */
function formatEndpoint(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts `server` on an ephemeral port of `host` and returns its endpoint. */
export async function listenOnEphemeralPort(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return formatEndpoint(host, (server.address() as AddressInfo).port);
}

/** Stops a server, cutting the SDK's idle keep-alive connections so close does not wait for them to time out. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
