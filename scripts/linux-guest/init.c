/*
 * /init of the Linux guest of docs/inspect.md "A Linux guest" (built by scripts/setup-linux-guest.mjs
 * with aarch64-linux-gnu-gcc, no C library: the cross compiler Debian ships has no static libc).
 *
 * It loads the kernel modules listed in /modules (one path a line, dependencies first) with
 * finit_module, prints a marker line on the console, and then idles for ever, so that the SMMU
 * stays as the kernel's arm-smmu-v3 driver and the device drivers programmed it while
 * `smmu inspect` reads it through QEMU's gdbstub. The kernel's own arm-smmu-v3 driver is built in
 * (CONFIG_ARM_SMMU_V3=y in Debian's arm64 kernels); the modules are the PCI device's driver.
 */
typedef unsigned long u64;

/* AArch64 Linux system call numbers (include/uapi/asm-generic/unistd.h). */
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_write 64
#define SYS_nanosleep 101
#define SYS_finit_module 273
#define AT_FDCWD (-100)

static long syscall4(long n, long a, long b, long c, long d) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}

static int out = 1;

static u64 length(const char *s) {
  u64 n = 0;
  while (s[n]) n++;
  return n;
}

static void say(const char *s) { syscall4(SYS_write, out, (long)s, (long)length(s), 0); }

static void say_number(long v) {
  char b[24];
  int i = sizeof b;
  b[--i] = 0;
  int neg = v < 0;
  u64 u = neg ? (u64)-v : (u64)v;
  do b[--i] = (char)('0' + u % 10); while ((u /= 10) && i > 1);
  if (neg) b[--i] = '-';
  say(b + i);
}

static char list[4096];

void _start(void) {
  /* The kernel opened /dev/console as fds 0-2 when the initramfs has it; else write to it ourselves. */
  if (syscall4(SYS_write, 1, (long)"", 0, 0) < 0) out = (int)syscall4(SYS_openat, AT_FDCWD, (long)"/dev/console", 2, 0);
  say("smmu-linux-guest: init started\n");
  long fd = syscall4(SYS_openat, AT_FDCWD, (long)"/modules", 0, 0);
  long n = fd < 0 ? 0 : syscall4(SYS_read, fd, (long)list, sizeof list - 1, 0);
  if (fd >= 0) syscall4(SYS_close, fd, 0, 0, 0);
  if (n < 0) n = 0;
  list[n] = 0;
  int failed = 0;
  for (char *p = list; *p;) {
    char *e = p;
    while (*e && *e != '\n') e++;
    char next = *e;
    *e = 0;
    if (*p) {
      long m = syscall4(SYS_openat, AT_FDCWD, (long)p, 0, 0);
      long r = m < 0 ? m : syscall4(SYS_finit_module, m, (long)"", 0, 0);
      if (m >= 0) syscall4(SYS_close, m, 0, 0, 0);
      say("smmu-linux-guest: load ");
      say(p);
      say(r == 0 ? ": ok\n" : ": error ");
      if (r != 0) {
        say_number(r);
        say("\n");
        failed = 1;
      }
    }
    p = next ? e + 1 : e;
  }
  say(failed ? "smmu-linux-guest: FAILED: a module did not load\n" : "smmu-linux-guest: READY\n");
  struct {
    long sec, nsec;
  } t = {3600, 0};
  for (;;) syscall4(SYS_nanosleep, (long)&t, 0, 0, 0);
}
