/**
 * One diagnostic per configuration problem in VS Code (issue on VS Code polish, item 7). VS Code's
 * JSON support validates `*.smmu.json` against the schema package.json contributes, and our server
 * checks the same file: this runs VS Code's own JSON language service (vscode-json-languageservice)
 * with that schema on broken configurations and checks that it reports nothing our server reports
 * (beyond what the client drops from ours), while still completing keys and values.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { getLanguageService, TextDocument, type JSONSchema } from 'vscode-json-languageservice';
import { loadConfig } from '../../core/config/load';
import { editorSchemaText } from '../../core/config/schema';
import { JSON_SERVICE_CODES } from '../../server/lsp/lsp-ext';
import { root } from '../harness/root';

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { jsonValidation: { fileMatch: string; url: string }[] };
};
const contributed = manifest.contributes.jsonValidation.find((j) => j.fileMatch === '*.smmu.json');

function service() {
  assert.ok(contributed, 'package.json contributes a schema for *.smmu.json');
  const schema = JSON.parse(fs.readFileSync(path.join(root, contributed.url), 'utf8')) as JSONSchema;
  const ls = getLanguageService({});
  ls.configure({ validate: true, schemas: [{ uri: 'smmu://config', fileMatch: ['*.smmu.json'], schema }] });
  return ls;
}

const BROKEN: Record<string, string> = {
  'wrong type': '{ "features": { "pri": "yes" } }',
  'out of range': '{ "features": { "cmdqSize": 30 } }',
  'not a permitted value': '{ "choices": { "illegalAccess": "explode" } }',
  'unknown key': '{ "features": { "atz": true } }',
  'unknown top-level key': '{ "featurez": {} }',
  'bad number string': '{ "gbpa": "0xZZ" }',
  'unknown version': '{ "version": "3.9" }',
  'OAS not encodable': '{ "features": { "oas": 45 } }',
  'IIDR field too wide': '{ "iidr": { "implementer": 5000 } }',
  'unknown preset': '{ "base": "nope" }',
  'duplicate key': '{ "name": "a", "name": "b" }',
  truncated: '{\n  "features": { "pri": true ',
};

test('the contributed schema is the editor variant the generator writes', () => {
  assert.equal(
    fs.readFileSync(path.join(root, contributed!.url), 'utf8'),
    editorSchemaText(),
    'run node scripts/gen-config-schema.mjs',
  );
});

test('each problem of a broken configuration is reported once in VS Code: by our server, or (syntax, duplicate keys) by VS Code alone', async () => {
  const ls = service();
  for (const [what, text] of Object.entries(BROKEN)) {
    const doc = TextDocument.create('file:///w/x.smmu.json', 'json', 1, text);
    const theirs = await ls.doValidation(doc, ls.parseJSONDocument(doc));
    const ours = loadConfig(text).diagnostics.filter(
      (d) => d.severity === 'error' && !JSON_SERVICE_CODES.includes(d.code),
    );
    for (const t of theirs)
      for (const o of ours)
        assert.ok(
          t.range.start.line !== o.range.start.line || t.range.start.character !== o.range.start.character,
          `${what}: said twice at ${o.range.start.character}: "${t.message}" and "${o.message}"`,
        );
    assert.ok(theirs.length + ours.length >= 1, `${what}: reported by someone`);
  }
});

test('the editor schema still completes keys and values: features, true/false, choices, OAS sizes', async () => {
  const ls = service();
  const complete = async (text: string) => {
    const offset = text.indexOf('|');
    const doc = TextDocument.create('file:///w/x.smmu.json', 'json', 1, text.replace('|', ''));
    const r = await ls.doComplete(doc, doc.positionAt(offset), ls.parseJSONDocument(doc));
    return (r?.items ?? []).map((i) => i.label);
  };
  assert.ok((await complete('{ "features": { | } }')).includes('ats'));
  assert.ok((await complete('{ "features": { "pri": | } }')).includes('true'));
  const choices = await complete('{ "choices": { "illegalAccess": | } }');
  assert.ok(choices.includes('"raz-wi"') && choices.includes('"abort"'), JSON.stringify(choices));
  assert.ok((await complete('{ "features": { "oas": | } }')).includes('48'));
});

test('an unknown key far from every known one gets a short message, not a list of 60 keys', () => {
  const d = loadConfig('{ "features": { "zzzz": true } }').diagnostics.find((x) => x.code === 'config.unknown-key');
  assert.ok(d);
  assert.ok(d.message.length < 160, d.message);
  assert.match(d.message, /none of its \d+ keys is close/);
  // A short list is still given in full.
  const c = loadConfig('{ "choices": { "zzzz": "abort" } }').diagnostics.find((x) => x.code === 'config.unknown-key');
  assert.match(c?.message ?? '', /expected one of "page0AliasOfPage1", "page1Undefined", "illegalAccess"/);
});
