/**
 * Completion in `*.smmu.json` for editors without a JSON language service (Neovim, Helix, …):
 * property names and values from the configuration's JSON Schema (core/config/schema.ts, itself
 * generated from the feature table), with each feature's documentation. In VS Code the built-in
 * JSON support already completes from the same schema (package.json `jsonValidation`), so the
 * client does not ask the server for these files.
 */
import { getLocation, parseTree, findNodeAtLocation, type Node, type JSONPath } from 'jsonc-parser';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
  type Range,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { tooDeepAt } from '../../core/config/json';
import { configSchema } from '../../core/config/schema';
import type { Json, JsonObject } from '../../core/config/preset-data';

let schema: JsonObject | undefined;

const isObject = (j: Json | undefined): j is JsonObject => typeof j === 'object' && j !== null && !Array.isArray(j);

/** The alternatives of a schema node: itself, or the members of its `anyOf`. */
function alternatives(s: JsonObject): JsonObject[] {
  const any = s.anyOf;
  return Array.isArray(any) ? any.filter(isObject) : [s];
}

/** The schema of the value at `path`, or undefined where the schema says nothing. */
function schemaAt(path: JSONPath): JsonObject | undefined {
  schema ??= configSchema();
  let node: JsonObject | undefined = schema;
  for (const seg of path) {
    if (!node) return undefined;
    let next: JsonObject | undefined;
    for (const alt of alternatives(node)) {
      if (typeof seg === 'number' && isObject(alt.items)) next = alt.items;
      if (typeof seg === 'string') {
        const props = alt.properties;
        if (isObject(props) && isObject(props[seg])) next = props[seg] as JsonObject;
        else if (isObject(alt.additionalProperties)) next = alt.additionalProperties;
      }
      if (next) break;
    }
    node = next;
  }
  return node;
}

function documentation(s: JsonObject): { kind: typeof MarkupKind.Markdown; value: string } | undefined {
  const text =
    typeof s.markdownDescription === 'string'
      ? s.markdownDescription
      : typeof s.description === 'string'
        ? s.description
        : undefined;
  return text ? { kind: MarkupKind.Markdown, value: text } : undefined;
}

/** A snippet for a property's value, by the schema's type. */
function valueSnippet(s: JsonObject): string {
  const alt = alternatives(s);
  const types = alt.map((a) => a.type);
  if (types.includes('object')) return '{\n\t$1\n}';
  if (types.includes('array')) return '[$1]';
  if (types.includes('boolean')) return '${1|true,false|}';
  const first = alt[0];
  if (first && Array.isArray(first.enum) && first.enum.length) {
    const names = first.enum.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
    return '${1|' + names.map((n) => n.replace(/[,|]/g, '\\$&')).join(',') + '|}';
  }
  if (types.includes('string')) return '"$1"';
  return '$1';
}

function nodeRange(doc: TextDocument, n: Node): Range {
  return { start: doc.positionAt(n.offset), end: doc.positionAt(n.offset + n.length) };
}

export function configCompletion(doc: TextDocument, position: Position): CompletionItem[] {
  const text = doc.getText();
  // Too deep for jsonc-parser's recursion (the diagnostics say so): nothing to complete.
  if (tooDeepAt(text) >= 0) return [];
  const offset = doc.offsetAt(position);
  const loc = getLocation(text, offset);
  // The token being typed, replaced whole by the completion (a partial key or value).
  const typed =
    loc.previousNode && loc.previousNode.offset <= offset && offset <= loc.previousNode.offset + loc.previousNode.length
      ? loc.previousNode
      : undefined;
  const range = typed ? nodeRange(doc, typed) : { start: position, end: position };
  if (loc.isAtPropertyKey) {
    const objectPath = loc.path.slice(0, -1);
    const s = schemaAt(objectPath);
    if (!s) return [];
    const present = new Set<string>();
    const tree = parseTree(text);
    const obj = tree && (objectPath.length ? findNodeAtLocation(tree, objectPath) : tree);
    for (const p of obj?.children ?? []) {
      const key = p.children?.[0];
      if (p.type === 'property' && key && key.offset !== typed?.offset && typeof key.value === 'string')
        present.add(key.value);
    }
    const items: CompletionItem[] = [];
    for (const alt of alternatives(s)) {
      if (!isObject(alt.properties)) continue;
      for (const [name, prop] of Object.entries(alt.properties)) {
        if (present.has(name) || !isObject(prop)) continue;
        items.push({
          label: name,
          kind: CompletionItemKind.Property,
          ...(documentation(prop) ? { documentation: documentation(prop) } : {}),
          filterText: `"${name}"`,
          insertTextFormat: InsertTextFormat.Snippet,
          textEdit: { range, newText: `"${name}": ${valueSnippet(prop)}` },
        });
      }
    }
    return items;
  }
  const s = schemaAt(loc.path);
  if (!s) return [];
  const items: CompletionItem[] = [];
  for (const alt of alternatives(s)) {
    const descriptions = Array.isArray(alt.enumDescriptions) ? alt.enumDescriptions : [];
    if (Array.isArray(alt.enum)) {
      alt.enum.forEach((v, i) => {
        const label = typeof v === 'string' ? `"${v}"` : String(v);
        const d = descriptions[i];
        items.push({
          label,
          kind: CompletionItemKind.EnumMember,
          ...(typeof d === 'string' ? { documentation: d } : {}),
          textEdit: { range, newText: label },
        });
      });
    }
    if (alt.type === 'boolean')
      for (const b of ['true', 'false'])
        items.push({ label: b, kind: CompletionItemKind.Value, textEdit: { range, newText: b } });
    if (
      isObject(alt.items) &&
      Array.isArray(alt.items.enum) &&
      loc.path.length &&
      typeof loc.path[loc.path.length - 1] !== 'number'
    ) {
      // The array itself: offer the whole default.
      if (Array.isArray(alt.default))
        items.push({
          label: JSON.stringify(alt.default),
          kind: CompletionItemKind.Value,
          textEdit: { range, newText: JSON.stringify(alt.default) },
        });
    }
  }
  return items;
}
