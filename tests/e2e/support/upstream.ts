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

/** A connected, ready agent as coderd writes it (codersdk.WorkspaceAgent), with `extra` fields
 *  added or replaced: what each spec's upstream answers for its agent. */
export function coderdAgent(id: string, name: string, workspaceId: string, extra: Record<string, unknown> = {}) {
  return {
    id, name, status: 'connected', lifecycle_state: 'ready', created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z', resource_id: workspaceId, architecture: 'amd64', operating_system: 'linux',
    version: 'v2.24.0', api_version: '2.6', health: { healthy: true }, apps: [], scripts: [], log_sources: [], subsystems: [],
    display_apps: ['web_terminal'], directory: '/home/coder', expanded_directory: '/home/coder', connection_timeout_seconds: 120,
    logs_length: 0, logs_overflowed: false, startup_script_behavior: 'non-blocking', troubleshooting_url: '',
    ...extra,
  };
}
