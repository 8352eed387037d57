// Every file under a directory, depth first (shared by the build scripts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
