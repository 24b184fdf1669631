import type { Server } from 'node:http';

/** `http://host:port`, bracketing IPv6 literals. */
export function formatEndpoint(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Stops a server, cutting the SDK's idle keep-alive connections so close does not wait for them to time out. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
