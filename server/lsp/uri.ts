/** File paths ↔ document URIs. Non-file URIs (untitled documents) pass through unchanged. */
import { fileURLToPath, pathToFileURL } from 'url';

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function pathToUri(p: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(p) && !/^[a-z]:[\\/]/i.test(p) ? p : pathToFileURL(p).toString();
}
