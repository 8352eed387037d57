// The server the end-to-end tests run against: the release binary with the embedded backend.
export const SERVER = (() => {
  const port = Number(process.env.E2E_PORT ?? 17380);
  const sessionToken = 'e2e-session-token-0123456789';
  const agentToken = 'e2e-agent-token-0123456789';
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sessionToken,
    agentToken,
    command: [
      'target/release/agent-console', 'serve',
      '--listen', `127.0.0.1:${port}`,
      '--dist', 'dist',
      '--session-token', sessionToken,
      '--agent-token', agentToken,
    ].join(' '),
  };
})();
