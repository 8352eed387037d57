// The server the end-to-end tests run against: the release binary with the embedded backend.
export const SERVER = (() => {
  const port = Number(process.env.E2E_PORT ?? 17380);
  const sessionToken = 'e2e-session-token-0123456789';
  const agentToken = 'e2e-agent-token-0123456789';
  // Another local origin that is allowed to frame the console (the iframe tests), and one
  // that is not.
  const framerPort = port + 10;
  const strangerPort = port + 11;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sessionToken,
    agentToken,
    framerPort,
    strangerPort,
    // A fresh data directory each run: the agent's logs and identity would otherwise carry over.
    command: [
      'rm', '-rf', 'target/e2e-data', '&&',
      'target/release/agent-console', 'serve',
      '--data-dir', 'target/e2e-data',
      '--listen', `127.0.0.1:${port}`,
      // The app built into the binary, as users run it (E2E_DIST: a directory instead).
      ...(process.env.E2E_DIST ? ['--dist', process.env.E2E_DIST] : []),
      '--session-token', sessionToken,
      '--agent-token', agentToken,
      '--config', 'tests/e2e/support/server.toml',
      '--frame-ancestors', `"'self' http://127.0.0.1:${framerPort}"`,
    ].join(' '),
  };
})();
