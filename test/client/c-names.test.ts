/** Register names in C sources (client/hover/c-names.ts), as the C hover finds them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerOfIdentifier, registerValueAt } from '../../client/hover/c-names';

test('Linux, Xen, QEMU and architecture names map to the register table', () => {
  assert.equal(registerOfIdentifier('ARM_SMMU_CR0')?.name, 'CR0');
  assert.equal(registerOfIdentifier('ARM_SMMU_CR0ACK')?.name, 'CR0ACK');
  assert.equal(registerOfIdentifier('ARM_SMMU_EVTQ_PROD')?.name, 'EVENTQ_PROD', "Linux's EVTQ is EVENTQ");
  assert.equal(
    registerOfIdentifier('ARM_SMMU_STRTAB_BASE_CFG')?.name,
    'STRTAB_BASE_CFG',
    'the longest name wins over STRTAB_BASE',
  );
  assert.equal(registerOfIdentifier('SMMU_GERROR_IRQ_CFG0')?.name, 'GERROR_IRQ_CFG0');
  assert.equal(registerOfIdentifier('A_CR0')?.name, 'CR0');
  assert.equal(registerOfIdentifier('CR0_RESERVED')?.name, 'CR0');
});

test('a field of a register is not a register value; unrelated names are nothing', () => {
  assert.equal(registerOfIdentifier('CR0_SMMUEN'), undefined);
  assert.equal(registerOfIdentifier('ARM_SMMU_CR0_CMDQEN'), undefined);
  assert.equal(registerOfIdentifier('writel'), undefined);
  assert.equal(registerOfIdentifier('base'), undefined);
});

test('the number under the cursor and the nearest register name on the line', () => {
  const define = '#define CR0_RESERVED 0xFFFFFC20U';
  const at = registerValueAt(define, define.indexOf('0xFF') + 3);
  assert.deepEqual(at && { register: at.register, value: at.value, start: at.start }, {
    register: 'CR0',
    value: '0xFFFFFC20',
    start: define.indexOf('0xFF'),
  });
  const call = 'writel(0x1d, smmu->base + ARM_SMMU_CR0);';
  assert.equal(registerValueAt(call, call.indexOf('0x1d'))?.register, 'CR0');
  assert.equal(registerValueAt(call, call.indexOf('0x1d'))?.value, '0x1D');
  // Not on a number, or a digit inside an identifier: nothing.
  assert.equal(registerValueAt(call, call.indexOf('writel')), undefined);
  assert.equal(registerValueAt('x = ARM_SMMU_IDR0;', 'x = ARM_SMMU_IDR0;'.indexOf('0')), undefined);
  // No register name on the line: nothing.
  assert.equal(registerValueAt('int x = 0x1d;', 10), undefined);
});
