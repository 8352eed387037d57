// The specs' own coderd-shaped upstreams (node http servers): how one is stopped.
import type http from 'node:http';

/** Closes `server` at once: the streams and sockets still in `open` are cut, then every connection. */
export function stopUpstream(server: http.Server, open: Set<{ destroy: () => unknown }>): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const s of open) s.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
