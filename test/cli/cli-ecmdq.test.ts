/**
 * Enhanced Command queues (§3.5.6) through the `smmu` command line: the bundled example runs
 * clean, a configuration that advertises ECMDQ is no longer reported as unmodelled, and an
 * illegal command on an ECMDQ is reported at the PROD write that made the SMMU consume it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { smmu, tmp } from '../harness/cli-harness';
import { root } from '../harness/root';

test('§3.5.6: examples/ecmdq.smmu runs with every expectation met; --trace shows the ECMDQ consuming', () => {
  const r = smmu('run', 'examples/ecmdq.smmu', '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /(\d+)\/\1 expectations met, 0 errors, 0 warnings/);
  assert.match(r.out, /\n {4}command {7}ECMDQ1\[0\] CMD_CFGI_ALL: StreamIDs 0x00000000\.\.0xFFFFFFFF/);
  assert.match(r.out, /\n {4}command {7}ECMDQ5\[0\] CMD_SYNC CS=SIG_IRQ: complete; CMD_SYNC wired interrupt asserted/);
});

test('§6.3.45: smmu check on a configuration that advertises ECMDQ says nothing is unmodelled', () => {
  const r = smmu('check', 'examples/ecmdq.smmu.json');
  assert.equal(r.code, 0, r.out + r.err);
  assert.doesNotMatch(r.out + r.err, /not-modelled-ecmdq/);
  assert.match(r.out + r.err, /1 file checked: 0 errors, 0 warnings/);
});

test('§3.5.6.3: an illegal command on an ECMDQ: CERROR_ILL and GERROR.CMDQP_ERR at the PROD write, CONS.ERR_REASON 1', () => {
  const config = path.join(root, 'examples', 'ecmdq.smmu.json');
  const f = tmp(
    'ecmdq-error.smmu',
    [
      `config "${config}"`,
      'write64 0x20000 0x40300004',
      'write32 0x20008 0x80000000',
      'mem write64 0x40300000 0xFF',
      'write32 0x20008 0x80000001',
      'read32 0x2000C == 0x81800000',
      'read32 GERROR.CMDQP_ERR == 1',
      '',
    ].join('\n'),
  );
  const r = smmu('run', f);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(
    r.out + r.err,
    /:5:\d+: error: ECMDQ0\[0\] unknown command \(opcode 0xFF\).*CERROR_ILL.*\[ecmdq\.cerror-ill\]/,
  );
  assert.match(r.out + r.err, /:5:\d+: warning: GERROR\.CMDQP_ERR activated: ECMDQ0 stopped.*\[gerror\.cmdqp_err\]/);
  assert.match(r.out, /2\/2 expectations met/);
});

test('§6.2.5, §6.3.108, §6.3.109: smmu replay names the ECMDQ registers and compares what the emulation read', () => {
  const config = path.join(root, 'examples', 'ecmdq.smmu.json');
  const trace = (cons: string) =>
    tmp(
      'ecmdq.smmutrace',
      [
        `config "${config}"`,
        'W 0x20000 8 0x40300004',
        'W 0x2000C 4 0x0',
        'W 0x20008 4 0x80000000',
        `R 0x2000C 4 ${cons}`,
        '',
      ].join('\n'),
    );
  // CONS.ENACK follows PROD.EN (§3.5.6.2): 0x80000000 is what the model reads too.
  const same = smmu('replay', trace('0x80000000'), '--json');
  assert.equal(same.code, 0, same.out + same.err);
  assert.doesNotMatch(same.out, /replay\.res0-location|undefined page-0 location/);
  // ENACK 0 while EN is 1: a value error that names the register and the field.
  const other = smmu('replay', trace('0x0'));
  assert.equal(other.code, 1, other.out + other.err);
  assert.match(
    other.out,
    /smmutrace:5:\d+: error: SMMU_ECMDQ_CONS0 read 0x00000000 but the model has 0x80000000: ENACK 0 where the model has 1 \(§6\.3\.109\) \[replay\.value\]/,
  );
  const json = smmu('replay', trace('0x0'), '--json');
  assert.match(json.out, /"offset":"0x0002000C","register":"SMMU_ECMDQ_CONS0"/);
});
