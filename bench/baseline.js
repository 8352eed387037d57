// Fetches the agent named in ?agent= with the token of the URL fragment and prints its name.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const id = new URLSearchParams(location.search).get('agent');
fetch(`/api/v2/workspaceagents/${id}`, { headers: { 'Coder-Session-Token': token } })
  .then((r) => r.json())
  .then((a) => { document.querySelector('h1.agent-name').textContent = a.name; });
