#!/usr/bin/env python3
"""Regenerate definitions.json and go-structs.json from a local git clone of coder/coder.

Usage: python3 regenerate.py --repo /path/to/coder.git --commit <sha> [--out DIR]

Needs only git and Python 3 (no Go toolchain). See SOURCE.md.
"""
import argparse, json, os, re, subprocess

ROOTS = """codersdk.Response codersdk.ValidationError codersdk.BuildInfoResponse codersdk.User
codersdk.WorkspacesResponse codersdk.Workspace codersdk.WorkspaceBuild codersdk.WorkspaceResource
codersdk.WorkspaceAgent codersdk.WorkspaceAgentLog codersdk.WorkspaceAgentLogSource
codersdk.WorkspaceAgentScript codersdk.WorkspaceApp codersdk.Healthcheck codersdk.WorkspaceAgentHealth
codersdk.DERPRegion codersdk.WorkspaceAgentListeningPortsResponse codersdk.WorkspaceAgentListeningPort
codersdk.RegionsResponse-codersdk_Region codersdk.Region codersdk.AppHostResponse
workspacesdk.AgentConnectionInfo tailcfg.DERPMap tailcfg.DERPRegion tailcfg.DERPNode
tailcfg.DERPHomeParams agentsdk.AuthenticateResponse agentsdk.GitSSHKey agentsdk.ExternalAuthResponse
agentsdk.PatchLogs agentsdk.Log agentsdk.PostLogSourceRequest codersdk.WorkspaceBuildTimings
codersdk.ServerSentEvent codersdk.WorkspaceAgentMetadata""".split()

# definition name -> (Go package name, file, Go type)
STRUCTS = [
 ('codersdk.Response', 'codersdk', 'codersdk/client.go', 'Response'),
 ('codersdk.ValidationError', 'codersdk', 'codersdk/client.go', 'ValidationError'),
 ('codersdk.BuildInfoResponse', 'codersdk', 'codersdk/deployment.go', 'BuildInfoResponse'),
 ('codersdk.User', 'codersdk', 'codersdk/users.go', 'User'),
 ('codersdk.WorkspacesResponse', 'codersdk', 'codersdk/workspaces.go', 'WorkspacesResponse'),
 ('codersdk.Workspace', 'codersdk', 'codersdk/workspaces.go', 'Workspace'),
 ('codersdk.WorkspaceBuild', 'codersdk', 'codersdk/workspacebuilds.go', 'WorkspaceBuild'),
 ('codersdk.WorkspaceResource', 'codersdk', 'codersdk/workspacebuilds.go', 'WorkspaceResource'),
 ('codersdk.WorkspaceAgent', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgent'),
 ('codersdk.WorkspaceAgentLog', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentLog'),
 ('codersdk.WorkspaceAgentLogSource', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentLogSource'),
 ('codersdk.WorkspaceAgentScript', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentScript'),
 ('codersdk.WorkspaceApp', 'codersdk', 'codersdk/workspaceapps.go', 'WorkspaceApp'),
 ('codersdk.Healthcheck', 'codersdk', 'codersdk/workspaceapps.go', 'Healthcheck'),
 ('codersdk.WorkspaceAgentHealth', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentHealth'),
 ('codersdk.DERPRegion', 'codersdk', 'codersdk/workspaceagents.go', 'DERPRegion'),
 ('codersdk.WorkspaceAgentListeningPortsResponse', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentListeningPortsResponse'),
 ('codersdk.WorkspaceAgentListeningPort', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentListeningPort'),
 ('codersdk.RegionsResponse-codersdk_Region', 'codersdk', 'codersdk/workspaceproxy.go', 'RegionsResponse'),
 ('codersdk.Region', 'codersdk', 'codersdk/workspaceproxy.go', 'Region'),
 ('codersdk.AppHostResponse', 'codersdk', 'codersdk/deployment.go', 'AppHostResponse'),
 ('workspacesdk.AgentConnectionInfo', 'workspacesdk', 'codersdk/workspacesdk/workspacesdk.go', 'AgentConnectionInfo'),
 ('agentsdk.AuthenticateResponse', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'AuthenticateResponse'),
 ('agentsdk.GitSSHKey', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'GitSSHKey'),
 ('agentsdk.ExternalAuthResponse', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'ExternalAuthResponse'),
 ('agentsdk.PatchLogs', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'PatchLogs'),
 ('agentsdk.Log', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'Log'),
 ('agentsdk.PostLogSourceRequest', 'agentsdk', 'codersdk/agentsdk/agentsdk.go', 'PostLogSourceRequest'),
 ('codersdk.WorkspaceBuildTimings', 'codersdk', 'codersdk/workspacebuilds.go', 'WorkspaceBuildTimings'),
 ('codersdk.ProvisionerTiming', 'codersdk', 'codersdk/workspacebuilds.go', 'ProvisionerTiming'),
 ('codersdk.AgentScriptTiming', 'codersdk', 'codersdk/workspacebuilds.go', 'AgentScriptTiming'),
 ('codersdk.AgentConnectionTiming', 'codersdk', 'codersdk/workspacebuilds.go', 'AgentConnectionTiming'),
 ('codersdk.WorkspaceAgentMetadata', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentMetadata'),
 ('codersdk.WorkspaceAgentMetadataResult', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentMetadataResult'),
 ('codersdk.WorkspaceAgentMetadataDescription', 'codersdk', 'codersdk/workspaceagents.go', 'WorkspaceAgentMetadataDescription'),
 ('codersdk.ServerSentEvent', 'codersdk', 'codersdk/serversentevents.go', 'ServerSentEvent'),
]
EMBEDDED = {'ReducedUser': 'codersdk/users.go', 'MinimalUser': 'codersdk/users.go'}

REPO = C = None


def git_show(path):
    return subprocess.run(['git', '-C', REPO, 'show', f'{C}:{path}'],
                          capture_output=True, text=True, check=True).stdout


# ---------------------------------------------------------------- swagger.json
def refs(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == '$ref':
                yield v
            else:
                yield from refs(v)
    elif isinstance(o, list):
        for v in o:
            yield from refs(v)


def definitions():
    defs = json.loads(git_show('coderd/apidoc/swagger.json'))['definitions']
    seen, stack = set(), list(ROOTS)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        for r in refs(defs[n]):
            assert r.startswith('#/definitions/'), r
            stack.append(r[len('#/definitions/'):])
    return {"source": {"repo": "coder/coder", "path": "coderd/apidoc/swagger.json", "commit": C},
            "definitions": {k: defs[k] for k in defs if k in seen}}


# ---------------------------------------------------------------- Go structs
TAG = re.compile(r'`([^`]*)`')


def struct_body(path, name):
    src = git_show(path)
    m = re.search(r'^type ' + re.escape(name) + r'(\[[^\]]*\])? struct \{\n(.*?)^\}', src, re.M | re.S)
    if not m:
        raise SystemExit(f'{name} not found in {path}')
    return m.group(1), m.group(2), src[:m.start()].count('\n') + 1


def parse_fields(path, name):
    _, body, _ = struct_body(path, name)
    fields = {}
    for raw in body.split('\n'):
        s = raw.strip()
        if not s or s.startswith('//'):
            continue
        tag = ''
        tm = TAG.search(s)
        if tm:
            tag, decl = tm.group(1), s[:tm.start()].strip()
        else:
            decl = s.split('//')[0].strip()
        jm = re.search(r'(?:^|\s)json:"([^"]*)"', tag)
        parts = decl.split(None, 1)
        if len(parts) == 1:  # embedded struct: encoding/json flattens it unless it has a json name
            emb = parts[0].lstrip('*')
            if jm and jm.group(1) == '-':
                continue
            if jm and jm.group(1).split(',')[0]:
                raise SystemExit(f'named embedded field {emb} in {name}: handle by hand')
            for k, v in parse_fields(EMBEDDED[emb], emb).items():
                v.setdefault('embedded_from', emb)
                fields[k] = v
            continue
        fname, gotype = parts[0], parts[1].strip()
        if not fname[0].isupper():
            continue  # unexported: ignored by encoding/json
        if jm:
            opts = jm.group(1).split(',')
            if opts == ['-']:
                continue
            jname, omit = opts[0] or fname, 'omitempty' in opts[1:]
        else:
            jname, omit = fname, False
        f = {'omitempty': omit, 'go_type': gotype, 'go_field': fname}
        if jm and 'omitzero' in jm.group(1).split(',')[1:]:
            f['omitzero'] = True
        fields[jname] = f
    return fields


BASIC = {'string', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16',
         'uint32', 'uint64', 'float32', 'float64', 'byte'}
SPECIAL = {  # type -> (kind, JSON encoding)
    'time.Time': ('struct', 'RFC 3339 string (time.Time.MarshalJSON); never null'),
    'time.Duration': ('int64', 'integer nanoseconds'),
    'uuid.UUID': ('array', 'UUID string (MarshalText); never null'),
    'uuid.NullUUID': ('struct', 'UUID string, or null when !Valid (NullUUID.MarshalJSON); never an object'),
    'NullTime': ('struct', 'RFC 3339 string, or null when !Valid (codersdk.NullTime.MarshalJSON)'),
    'codersdk.LogLevel': ('string', None),
}


def type_kind(pkgdir, name):
    out = subprocess.run(['git', '-C', REPO, 'grep', '-h', '-E', f'^type {re.escape(name)}(\\[.*\\])? ',
                          C, '--', f'{pkgdir}/*.go'], capture_output=True, text=True).stdout
    for line in out.split('\n'):
        if line:
            rest = line.split(None, 2)[2].split('//')[0].strip()
            return 'struct' if rest.startswith('struct') else rest.split()[0]
    return None


def classify(t, pkgdir):
    if t.startswith('*'):
        return dict(nullable=True, omitempty_effective=True, encoding='null when nil')
    if t.startswith('[]'):
        return dict(nullable=True, omitempty_effective=True, encoding='array; null when the slice is nil')
    if t.startswith('map['):
        return dict(nullable=True, omitempty_effective=True, encoding='object; null when the map is nil')
    if t in ('interface{}', 'any'):
        return dict(nullable=True, omitempty_effective=True, encoding='any JSON value')
    if t in SPECIAL:
        kind, enc = SPECIAL[t]
        d = dict(nullable=t in ('uuid.NullUUID', 'NullTime'), omitempty_effective=kind not in ('struct', 'array'))
        if enc:
            d['encoding'] = enc
        if kind == 'string':
            d['named_kind'] = 'string'
        return d
    if t in BASIC:
        return dict(nullable=False, omitempty_effective=True)
    if t == 'R':  # type parameter of RegionsResponse
        return dict(nullable=False, omitempty_effective=False)
    kind = type_kind(pkgdir, t) if '.' not in t else None
    if kind == 'struct':
        return dict(nullable=False, omitempty_effective=False, encoding='JSON object')
    if kind in BASIC:
        return dict(nullable=False, omitempty_effective=True, named_kind=kind)
    return dict(nullable=None, omitempty_effective=None, note='kind not resolved')


def go_structs():
    out = {}
    for d, pkg, path, typ in STRUCTS:
        fields = parse_fields(path, typ)
        tparams, _, line = struct_body(path, typ)
        entry = {'go': f'{pkg}.{typ}{tparams or ""} at {path}:{line}', 'commit': C}
        if typ == 'RegionsResponse':
            entry['type_args'] = {'R': 'codersdk.Region'}
        pkgdir = path.rsplit('/', 1)[0]
        for f in fields.values():
            f.update(classify(f['go_type'], pkgdir))
            if not f['omitempty']:
                f.pop('omitempty_effective', None)
            elif f.get('omitempty_effective'):
                f['nullable'] = False  # encoding/json omits the value instead of writing null
                enc = f.get('encoding')
                f['encoding'] = (enc.replace('null when', 'omitted when')
                                 .replace('the slice is nil', 'the slice is nil or empty')
                                 .replace('the map is nil', 'the map is nil or empty')
                                 if enc else 'omitted when zero value')
            else:
                f['encoding'] = (f.get('encoding', '') +
                                 '; omitempty has no effect (struct/array value), field is always present').lstrip('; ')
        entry['fields'] = fields
        out[d] = entry
    return out


def main():
    global REPO, C
    ap = argparse.ArgumentParser()
    ap.add_argument('--repo', required=True)
    ap.add_argument('--commit', required=True)
    ap.add_argument('--out', default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    REPO = a.repo
    C = subprocess.run(['git', '-C', REPO, 'rev-parse', a.commit + '^{commit}'],
                       capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(a.out, 'definitions.json'), 'w') as f:
        f.write(json.dumps(definitions(), indent=2, ensure_ascii=False) + '\n')
    with open(os.path.join(a.out, 'go-structs.json'), 'w') as f:
        f.write(json.dumps(go_structs(), indent=2) + '\n')


if __name__ == '__main__':
    main()
