/**
 * The name of every register of the table (§6.3), as literal types. The area files declare each
 * register with a name from this list, so a misspelt name fails to compile, and table.ts fails to
 * compile while a name here has no definition there. Code that names a register (`getRegister`,
 * `Smmu.peek`, guards, the engine's side effects) takes a `RegisterName`, and the engine's
 * side-effect switch is exhaustive over it: adding a register here makes the compiler ask where
 * its writes go.
 *
 * This is the one list of names kept beside the table: the definitions import the field and
 * register shapes (types.ts), which name registers in guards and acknowledgements, so the names
 * cannot be derived from the definitions without an import cycle.
 */

/** The three queues of the Non-secure programming interface (§3.5). */
export type QueueName = 'CMDQ' | 'EVENTQ' | 'PRIQ';

/** The two queues of the Secure programming interface (§3.5, §6.3.74–§6.3.79). */
export type SecureQueueName = 'S_CMDQ' | 'S_EVENTQ';

/**
 * The ID registers (§6.3.1–§6.3.8, IDR6 §6.3.45), and SMMU_MPAMIDR (§6.3.41, with SMMU_IDR3.MPAM): RO, their
 * values come from the configuration.
 */
export type IdRegisterName =
  | 'IDR0'
  | 'IDR1'
  | 'IDR2'
  | 'IDR3'
  | 'IDR4'
  | 'IDR5'
  | 'IDR6'
  | 'IIDR'
  | 'AIDR'
  | 'MPAMIDR'
  // The Secure ID registers (§6.3.52–§6.3.56), when SMMU_S_IDR1.SECURE_IMPL == 1.
  | 'S_IDR0'
  | 'S_IDR1'
  | 'S_IDR2'
  | 'S_IDR3'
  | 'S_IDR4';

/** An interrupt source with an MSI configuration triple (§6.3.21–23, §6.3.30–32, §6.3.34–36). */
export type IrqSource = 'GERROR' | 'EVENTQ' | 'PRIQ';

export type RegisterName =
  | IdRegisterName
  // Control and status (§6.3.9–§6.3.15).
  | 'CR0'
  | 'CR0ACK'
  | 'CR1'
  | 'CR2'
  | 'STATUSR'
  | 'GBPA'
  | 'AGBPA'
  // Interrupts and global errors (§6.3.16–§6.3.23).
  | 'IRQ_CTRL'
  | 'IRQ_CTRLACK'
  | 'GERROR'
  | 'GERRORN'
  | `${IrqSource}_IRQ_CFG${0 | 1 | 2}`
  // Stream table (§6.3.24, §6.3.25).
  | 'STRTAB_BASE'
  | 'STRTAB_BASE_CFG'
  // Queues (§6.3.26–§6.3.29, §6.3.33, §6.3.95–§6.3.98).
  | `${QueueName}_${'BASE' | 'PROD' | 'CONS'}`
  // Address Translation Operations, when SMMU_IDR0.ATOS == 1 (§6.3.37–§6.3.40).
  | 'GATOS_CTRL'
  | 'GATOS_SID'
  | 'GATOS_ADDR'
  | 'GATOS_PAR'
  // Virtual ATOS, when SMMU_IDR0.VATOS == 1: VATOS_SEL in page 0 (§6.3.44), the others in the
  // VATOS page (§6.2.3, §6.3.99–§6.3.102).
  | 'VATOS_SEL'
  | 'VATOS_CTRL'
  | 'VATOS_SID'
  | 'VATOS_ADDR'
  | 'VATOS_PAR'
  // Device Permission Table, when SMMU_IDR3.DPT == 1 (§6.3.46–§6.3.48).
  | 'DPT_BASE'
  | 'DPT_BASE_CFG'
  | 'DPT_CFG_FAR'
  // Stage 2 permission indirection, when SMMU_IDR3.S2PI == 1 (§6.3.17).
  | 'S2PII'
  // MPAM, when SMMU_IDR3.MPAM == 1 (§6.3.42, §6.3.43; MPAMIDR is an ID register above).
  | 'GMPAM'
  | 'GBPMPAM'
  // The CoreSight identification registers at 0xFD0–0xFFC (§6.3.170 ID_REGS).
  | `PIDR${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`
  | `CIDR${0 | 1 | 2 | 3}`
  // The Secure programming interface, when SMMU_S_IDR1.SECURE_IMPL == 1 (§6.3.57–§6.3.82).
  | 'S_CR0'
  | 'S_CR0ACK'
  | 'S_CR1'
  | 'S_CR2'
  | 'S_INIT'
  | 'S_GBPA'
  | 'S_AGBPA'
  | 'S_IRQ_CTRL'
  | 'S_IRQ_CTRLACK'
  | 'S_GERROR'
  | 'S_GERRORN'
  | `${'S_GERROR' | 'S_EVENTQ'}_IRQ_CFG${0 | 1 | 2}`
  | 'S_STRTAB_BASE'
  | 'S_STRTAB_BASE_CFG'
  | `${SecureQueueName}_${'BASE' | 'PROD' | 'CONS'}`;
