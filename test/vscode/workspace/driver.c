/* Fixture of the C hover test (test/vscode/suite/c-hover.test.ts). */
#define CR0_RESERVED 0xFFFFFC20
static void reset(void *base) { writel(0x1d, base + ARM_SMMU_CR0); }
