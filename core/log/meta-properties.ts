/**
 * `<data-dir>/meta.properties`, as Kafka keeps it: the cluster id a broker reports in its metadata,
 * written once (atomically) the first time the data directory is served and never changed after.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../errors.js';
import { writeFileAtomicSync } from './atomic-file.js';

export const META_PROPERTIES_FILE = 'meta.properties';

/** Kafka's cluster id form: 16 random bytes in URL-safe base64 without padding (22 characters). */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) props.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  return props;
}

/** The data directory's cluster id, created on first use. ERR_DATA_DIR_INVALID when the file is unreadable or has no usable id. */
export function clusterIdOf(dataDir: string, nodeId: number): string {
  const file = path.join(dataDir, META_PROPERTIES_FILE);
  let text: string | null = null;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot read ${file}`, { path: file }, { cause: err });
  }
  if (text !== null) {
    const id = parseProperties(text).get('cluster.id');
    if (id === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new EddyError('ERR_DATA_DIR_INVALID', `${file} has no valid cluster.id`, { path: file });
    return id;
  }
  const id = newClusterId();
  try {
    writeFileAtomicSync(file, `# Written by Eddy when the data directory was first served\ncluster.id=${id}\nnode.id=${nodeId}\nversion=1\n`);
  } catch (err) {
    throw new EddyError('ERR_STORAGE_IO', `Cannot write ${file}`, { path: file }, { cause: err });
  }
  return id;
}
