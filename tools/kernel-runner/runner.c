// kernel-runner: executes scenario statements with real system calls and reports raw page facts.
//
// Usage: kernel-runner TMPDIR        (root; TMPDIR holds the scenario's regular files)
// The TypeScript client (packages/kernel/src/live/) parses the scenario and sends one instruction per
// line on stdin; every instruction gets exactly one final reply line: "ok [VALUE]", "err ERRNO-NAME"
// or "fatal MESSAGE". Addresses and lengths are decimal bytes.
//
// Controller instructions:
//   w SLOT OP ARGS...      run OP in the worker process serving SLOT (see below)
//   pm SLOT ADDR NPAGES    one line per page "p PAGEMAP PFN KPAGECOUNT KPAGEFLAGS HEADPFN NRPAGES" for
//                          present pages (hex PAGEMAP/KPAGEFLAGS, decimal rest; HEADPFN/NRPAGES from the
//                          compound head/tail flags), "n PAGEMAP" otherwise; then "ok PID"
//   quit                   kill the workers and exit (also on EOF)
// Worker ops (run by the worker itself):
//   mmap ADDR LEN KIND SHARING FILE   KIND anon|shmem|file|huge2M|huge1G, SHARING private|shared,
//                                     FILE = file index (a new memfd/file of LEN bytes is created)
//   munmap ADDR LEN | mprotect ADDR LEN ro|rw | madvise ADDR LEN ADVICE(number)
//   read ADDR LEN | write ADDR LEN   touch byte 0 of each 4K page; a fault replies "err SIGSEGV|SIGBUS"
//   mremap OLD LEN NEW | punch FILE OFF LEN
//   continue ADDR LEN FILE FILEOFF HUGE   docs/scenario-language.md rule 7; FILE -1 (anon) skips the page-cache step,
//                                     HUGE 1 (hugetlbfs) populates by reading instead of writing
//   pin ADDR LEN   [extension] read every page (as `read`), then vmsplice() the range into a new pipe kept
//                  open: each pipe buffer holds a reference on its page's folio (a split then fails, EAGAIN)
//   unpin       close every pipe this worker's pins hold (exit does too; a forked child closes the
//               parent's at once: pins are not inherited)
//   fork SLOT   the worker forks; the child serves SLOT; replies "ok CHILDPID"
//   exit        replies "ok" and exits; the controller waits until the process is gone
//   pid         replies "ok PID"
// Startup prints "ready PID" for slot 0 (process p0). All processes are pinned to one CPU, and the
// controller keeps a faulted MADV_HUGEPAGE "anchor" THP so khugepaged's scan list is never empty.
// The controller dies with its parent (PDEATHSIG); workers exit when the controller is gone.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS 48
#define MAX_FILES 256
#define PG 4096UL

static int cmd_pipe[MAX_SLOTS][2], rep_pipe[MAX_SLOTS][2];
static pid_t slot_pid[MAX_SLOTS];
static pid_t controller;
static const char *tmpdir;
static int file_fd[MAX_FILES];
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void die(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	printf("fatal ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	exit(1);
}

static const char *errname(int e) {
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	case ENODEV: return "ENODEV";
	case EBADF: return "EBADF";
	case ENOTTY: return "ENOTTY";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	default: return strerrorname_np(e) ? strerrorname_np(e) : "EUNKNOWN";
	}
}

static ssize_t read_line(int fd, char *buf, size_t cap, int timeout_ms) {
	size_t n = 0;
	while (n + 1 < cap) {
		if (timeout_ms >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int r = poll(&p, 1, timeout_ms);
			if (r == 0) return -2;
			if (r < 0 && errno == EINTR) continue;
		}
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return n ? (ssize_t)n : -1;
		if (buf[n] == '\n') break;
		n++;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

static void reply(int slot, const char *fmt, ...) {
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(rep_pipe[slot][1], buf, n) != n) _exit(3);
}

static void on_fault(int sig) {
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

static int open_file(int idx, const char *kind, unsigned long len) {
	int fd;
	if (!strcmp(kind, "shmem"))
		fd = memfd_create("mmsim-shmem", MFD_CLOEXEC);
	else if (!strcmp(kind, "huge2M"))
		fd = memfd_create("mmsim-huge", MFD_CLOEXEC | MFD_HUGETLB | (21 << MFD_HUGE_SHIFT));
	else if (!strcmp(kind, "huge1G"))
		fd = memfd_create("mmsim-huge", MFD_CLOEXEC | MFD_HUGETLB | (30 << MFD_HUGE_SHIFT));
	else {
		char path[4096];
		snprintf(path, sizeof path, "%s/file%d", tmpdir, idx);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0) return -1;
	if (ftruncate(fd, (off_t)len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	file_fd[idx] = fd;
	return fd;
}

static int touch(char *addr, unsigned long len, int wr) {
	struct sigaction sa = {.sa_handler = on_fault}, old_segv, old_bus;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	volatile unsigned long off = 0;
	int r = 0;
	if (sigsetjmp(fault_jmp, 1)) {
		r = fault_sig;
	} else {
		for (; off < len; off += PG) {
			if (wr)
				*(volatile char *)(addr + off) = 1;
			else
				(void)*(volatile char *)(addr + off);
		}
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

// docs/scenario-language.md rule 7: populate missing page-cache pages through a temporary shared alias, then one
// UFFDIO_CONTINUE over the range with a minor-mode userfaultfd.
static int do_continue(char *addr, unsigned long len, int file, unsigned long foff, int hugetlb) {
	int fd = file >= 0 && file < MAX_FILES ? file_fd[file] : -1;
	// contract v1.1 item 10: the alias sits at the same offset inside a 1G-aligned slot (at 24 TiB, below
	// the mappings' slots at 32 TiB) as the range it serves, so its faults can create the same folio sizes
	unsigned long at = (24UL << 40) + ((unsigned long)addr & ((1UL << 30) - 1));
	char *alias = fd < 0 ? NULL : mmap((void *)at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, (off_t)foff);
	if (alias == MAP_FAILED) return errno;
	if (alias && alias != (char *)at) {
		munmap(alias, len);
		return EEXIST;
	}
	if (!alias) goto uffd; // anon: no file to populate; the kernel's answer comes from the registration
	unsigned long np = len / PG;
	unsigned char *vec = calloc(np, 1);
	if (!hugetlb && mincore(alias, len, vec) < 0) memset(vec, 0, np);
	for (unsigned long i = 0; i < np; i++)
		if (!(vec[i] & 1)) {
			if (hugetlb)
				(void)*(volatile char *)(alias + i * PG); // existing huge pages keep their content
			else
				*(volatile char *)(alias + i * PG) = 1;
		}
	free(vec);
	munmap(alias, len);
uffd:;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) return errno;
	int err = 0;
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_MINOR_HUGETLBFS};
	struct uffdio_register reg = {.range = {.start = (unsigned long)addr, .len = len}, .mode = UFFDIO_REGISTER_MODE_MINOR};
	struct uffdio_continue cont = {.range = {.start = (unsigned long)addr, .len = len}};
	if (ioctl(uffd, UFFDIO_API, &api) < 0) err = errno;
	else if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) err = errno;
	else {
		if (ioctl(uffd, UFFDIO_CONTINUE, &cont) < 0) err = errno;
		if (ioctl(uffd, UFFDIO_UNREGISTER, &reg.range) < 0 && !err) err = errno;
	}
	close(uffd);
	return err;
}

static void worker(int slot);

// [extension] pins (docs/scenario-language.md §8.5): pipes holding vmsplice() references, per worker.
// A pipe holds at most pipe-max-size bytes (1 MiB by default) unless the caller has CAP_SYS_RESOURCE,
// which root lacks on some machines (this VM's CapEff has no bit 24: F_SETPIPE_SZ beyond it is EPERM),
// so a pin is spread over as many pipes as it needs, each at most the largest power of two <= that size.
// A 1G pin takes 1024 pipes (2048 descriptors).
#define MAX_PIN_PIPES 8192
static int pin_pipe[MAX_PIN_PIPES][2];
static int n_pins;

static void drop_pins_from(int first) {
	for (int i = first; i < n_pins; i++) {
		close(pin_pipe[i][0]);
		close(pin_pipe[i][1]);
	}
	n_pins = first;
}

static void drop_pins(void) { drop_pins_from(0); }

// pipe_chunk: the bytes one pin pipe may hold: the largest power of two <= /proc/sys/fs/pipe-max-size
static unsigned long pipe_chunk(void) {
	static unsigned long chunk;
	if (chunk) return chunk;
	unsigned long max = 1UL << 20;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	if (f) {
		if (fscanf(f, "%lu", &max) != 1) max = 1UL << 20;
		fclose(f);
	}
	chunk = 16 * PG;
	while (chunk * 2 <= max) chunk *= 2;
	return chunk;
}

// do_pin: 0, a signal number negated (the read fault), or an errno; a failed pin holds nothing
static int do_pin(char *addr, unsigned long len) {
	int sig = touch(addr, len, 0);
	if (sig) return -sig;
	int first = n_pins;
	for (unsigned long off = 0; off < len;) {
		unsigned long n = len - off < pipe_chunk() ? len - off : pipe_chunk();
		int p[2];
		if (n_pins == MAX_PIN_PIPES) { drop_pins_from(first); return EMFILE; }
		if (pipe(p) < 0) { int e = errno; drop_pins_from(first); return e; }
		pin_pipe[n_pins][0] = p[0];
		pin_pipe[n_pins][1] = p[1];
		n_pins++;
		// one pipe buffer per page: grow the pipe so vmsplice never blocks
		if (n > 16 * PG && fcntl(p[1], F_SETPIPE_SZ, (int)n) < 0) { int e = errno; drop_pins_from(first); return e; }
		struct iovec v = {.iov_base = addr + off, .iov_len = n};
		while (v.iov_len > 0) {
			ssize_t r = vmsplice(p[1], &v, 1, SPLICE_F_NONBLOCK);
			if (r <= 0) { int e = r < 0 ? errno : EAGAIN; drop_pins_from(first); return e; }
			v.iov_base = (char *)v.iov_base + r;
			v.iov_len -= (size_t)r;
		}
		off += n;
	}
	return 0;
}

static void worker_op(int slot, char *line) {
	char op[32] = "", a[32] = "", b[32] = "";
	unsigned long x = 0, y = 0, z = 0, w = 0;
	int n = sscanf(line, "%31s", op);
	if (n != 1) return reply(slot, "fatal empty worker instruction");
	if (!strcmp(op, "mmap")) {
		int file;
		if (sscanf(line, "%*s %lu %lu %31s %31s %d", &x, &y, a, b, &file) != 5) return reply(slot, "fatal bad mmap");
		int shared = !strcmp(b, "shared");
		int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
		int fd = -1;
		if (!strcmp(a, "anon"))
			flags |= MAP_ANONYMOUS;
		else if ((fd = open_file(file, a, y)) < 0)
			return reply(slot, "err %s", errname(errno));
		void *p = mmap((void *)x, y, PROT_READ | PROT_WRITE, flags, fd, 0);
		if (p == MAP_FAILED) return reply(slot, "err %s", errname(errno));
		if (p != (void *)x) return reply(slot, "fatal mmap placed the mapping elsewhere");
		return reply(slot, "ok");
	}
	if (!strcmp(op, "munmap") || !strcmp(op, "read") || !strcmp(op, "write") || !strcmp(op, "mprotect") || !strcmp(op, "madvise")) {
		if (sscanf(line, "%*s %lu %lu %31s", &x, &y, a) < 2) return reply(slot, "fatal bad %s", op);
		int r;
		if (!strcmp(op, "munmap"))
			r = munmap((void *)x, y);
		else if (!strcmp(op, "mprotect"))
			r = mprotect((void *)x, y, !strcmp(a, "ro") ? PROT_READ : PROT_READ | PROT_WRITE);
		else if (!strcmp(op, "madvise"))
			r = madvise((void *)x, y, atoi(a));
		else {
			int sig = touch((char *)x, y, op[0] == 'w');
			if (sig) return reply(slot, "err %s", sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
			return reply(slot, "ok");
		}
		if (r < 0) return reply(slot, "err %s", errname(errno));
		return reply(slot, "ok");
	}
	if (!strcmp(op, "mremap")) {
		if (sscanf(line, "%*s %lu %lu %lu", &x, &y, &z) != 3) return reply(slot, "fatal bad mremap");
		void *p = mremap((void *)x, y, y, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)z);
		if (p == MAP_FAILED) return reply(slot, "err %s", errname(errno));
		return reply(slot, "ok");
	}
	if (!strcmp(op, "punch")) {
		int file;
		if (sscanf(line, "%*s %d %lu %lu", &file, &x, &y) != 3 || file < 0 || file >= MAX_FILES) return reply(slot, "fatal bad punch");
		if (fallocate(file_fd[file], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)x, (off_t)y) < 0) return reply(slot, "err %s", errname(errno));
		return reply(slot, "ok");
	}
	if (!strcmp(op, "continue")) {
		int file, huge = 0;
		if (sscanf(line, "%*s %lu %lu %d %lu %d", &x, &y, &file, &z, &huge) != 5) return reply(slot, "fatal bad continue");
		int e = do_continue((char *)x, y, file, z, huge);
		if (e) return reply(slot, "err %s", errname(e));
		return reply(slot, "ok");
	}
	if (!strcmp(op, "pin")) {
		if (sscanf(line, "%*s %lu %lu", &x, &y) != 2) return reply(slot, "fatal bad pin");
		int e = do_pin((char *)x, y);
		if (e < 0) return reply(slot, "err %s", -e == SIGBUS ? "SIGBUS" : "SIGSEGV");
		if (e) return reply(slot, "err %s", errname(e));
		return reply(slot, "ok");
	}
	if (!strcmp(op, "unpin")) {
		drop_pins();
		return reply(slot, "ok");
	}
	if (!strcmp(op, "fork")) {
		if (sscanf(line, "%*s %lu", &w) != 1 || w >= MAX_SLOTS) return reply(slot, "fatal bad fork");
		fflush(stdout);
		pid_t c = fork();
		if (c < 0) return reply(slot, "err %s", errname(errno));
		if (c == 0) {
			drop_pins(); // the parent's pipes: a pin belongs to the process that took it
			worker((int)w);
		}
		return reply(slot, "ok %d", (int)c);
	}
	if (!strcmp(op, "exit")) {
		reply(slot, "ok");
		_exit(0);
	}
	if (!strcmp(op, "pid")) return reply(slot, "ok %d", (int)getpid());
	reply(slot, "fatal unknown worker op %s", op);
}

static void worker(int slot) {
	static char line[512];
	signal(SIGCHLD, SIG_IGN); // forked children are reaped automatically
	reply(slot, "hello %d", (int)getpid());
	for (;;) {
		ssize_t r = read_line(cmd_pipe[slot][0], line, sizeof line, 1000);
		if (r == -2) {
			if (kill(controller, 0) < 0 && errno == ESRCH) _exit(0);
			continue;
		}
		if (r < 0) _exit(0);
		worker_op(slot, line);
	}
}

// ---- controller ----

static int kpagecount_fd, kpageflags_fd;
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16

static uint64_t pread64u(int fd, uint64_t idx) {
	uint64_t v = 0;
	if (pread(fd, &v, 8, (off_t)(idx * 8)) != 8) return 0;
	return v;
}

static uint64_t cached_head, cached_nr;

static void folio_of(uint64_t pfn, uint64_t flags, uint64_t *head, uint64_t *nr) {
	if (cached_nr && pfn >= cached_head && pfn < cached_head + cached_nr) {
		*head = cached_head;
		*nr = cached_nr;
		return;
	}
	uint64_t h = pfn, f = flags;
	uint64_t buf[512];
	while ((f >> KPF_COMPOUND_TAIL) & 1) {
		if (h == 0 || pfn - h > (1UL << 18)) break;
		h--;
		f = pread64u(kpageflags_fd, h);
	}
	uint64_t n = 1;
	if ((f >> KPF_COMPOUND_HEAD) & 1) {
		for (;;) {
			ssize_t got = pread(kpageflags_fd, buf, sizeof buf, (off_t)((h + n) * 8));
			if (got <= 0) break;
			int k, cnt = (int)(got / 8), stop = 0;
			for (k = 0; k < cnt; k++) {
				if (!((buf[k] >> KPF_COMPOUND_TAIL) & 1) || ((buf[k] >> KPF_COMPOUND_HEAD) & 1)) {
					stop = 1;
					break;
				}
			}
			n += k;
			if (stop || n > (1UL << 18)) break;
		}
	}
	cached_head = *head = h;
	cached_nr = *nr = n;
}

static void do_pm(int slot, unsigned long addr, unsigned long np) {
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/pagemap", (int)slot_pid[slot]);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("fatal cannot open %s: %s\n", path, errname(errno));
		return;
	}
	cached_nr = 0;
	for (unsigned long i = 0; i < np; i++) {
		uint64_t e = pread64u(fd, addr / PG + i);
		if (!(e >> 63)) {
			printf("n %llx\n", (unsigned long long)e);
			continue;
		}
		uint64_t pfn = e & ((1ULL << 55) - 1);
		uint64_t cnt = pread64u(kpagecount_fd, pfn), fl = pread64u(kpageflags_fd, pfn), head, nr;
		folio_of(pfn, fl, &head, &nr);
		printf("p %llx %llu %llu %llx %llu %llu\n", (unsigned long long)e, (unsigned long long)pfn, (unsigned long long)cnt,
		       (unsigned long long)fl, (unsigned long long)head, (unsigned long long)nr);
	}
	close(fd);
	printf("ok %d\n", (int)slot_pid[slot]);
}

static void kill_workers(void) {
	for (int s = 0; s < MAX_SLOTS; s++)
		if (slot_pid[s] > 0) kill(slot_pid[s], SIGKILL);
}

static void wait_gone(pid_t pid) {
	for (int i = 0; i < 5000; i++) {
		char path[64], st[256] = "";
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0) return;
		ssize_t n = read(fd, st, sizeof st - 1);
		close(fd);
		char *rp = n > 0 ? strrchr(st, ')') : NULL;
		if (rp && (rp[2] == 'Z' || rp[2] == 'X')) return; // mm already released
		usleep(1000);
	}
}

static int forward(int slot, const char *ins, char *rep, size_t cap) {
	if (slot < 0 || slot >= MAX_SLOTS || slot_pid[slot] <= 0) die("no worker in slot %d", slot);
	size_t len = strlen(ins);
	if (write(cmd_pipe[slot][1], ins, len) != (ssize_t)len || write(cmd_pipe[slot][1], "\n", 1) != 1) die("worker %d gone", slot);
	ssize_t r = read_line(rep_pipe[slot][0], rep, cap, 60000);
	if (r < 0) die("worker %d did not answer '%s'", slot, ins);
	return 0;
}

/*
 * Blank struct pages (docs/observation-format.md §3): on this VM some free 4K pages read all-zero flags in
 * /proc/kpageflags even while mapped, and the allocator hands them out first (hot pages near the top of
 * memory, at the head of the free lists). Before the workers start, the controller soaks them up: it faults
 * 4 MiB chunks of 4K pages (not inherited by the workers) and holds them all until a chunk holds no blank
 * page (or 256 MiB); then it gives back the pages that read normal (freed last, they are the first the
 * workers get) and keeps the blank ones until the runner exits. Pages are given back only at the end: a
 * page freed at once would be the next one faulted, and the free lists would never drain.
 */
static void sink_blank_pages(void) {
	enum { CHUNK = 1024, MAX_CHUNKS = 64 };
	char *chunk[MAX_CHUNKS];
	int n = 0, pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0) return;
	static uint8_t blank[MAX_CHUNKS][CHUNK];
	while (n < MAX_CHUNKS) {
		char *p = mmap(NULL, CHUNK * 4096UL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) break;
		madvise(p, CHUNK * 4096UL, MADV_NOHUGEPAGE);
		madvise(p, CHUNK * 4096UL, MADV_DONTFORK);
		chunk[n] = p;
		int found = 0;
		for (int i = 0; i < CHUNK; i++) {
			char *page = p + i * 4096UL;
			*(volatile char *)page = 1;
			uint64_t e = pread64u(pm, (uintptr_t)page / 4096);
			blank[n][i] = (e >> 63) && pread64u(kpageflags_fd, e & ((1ULL << 55) - 1)) == 0;
			found += blank[n][i];
		}
		n++;
		if (!found) break;
	}
	for (int c = 0; c < n; c++)
		for (int i = 0; i < CHUNK; i++)
			if (!blank[c][i]) madvise(chunk[c] + i * 4096UL, 4096, MADV_DONTNEED);
	close(pm);
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: kernel-runner TMPDIR\n");
		return 2;
	}
	tmpdir = argv[1];
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	controller = getpid();
	for (int i = 0; i < MAX_FILES; i++) file_fd[i] = -1;
	// One CPU for every process: per-CPU LRU batches then hold no stray references on other CPUs.
	int cpu = sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
	kpagecount_fd = open("/proc/kpagecount", O_RDONLY);
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (kpagecount_fd < 0 || kpageflags_fd < 0) die("cannot open /proc/kpagecount or /proc/kpageflags: %s", errname(errno));
	sink_blank_pages();
	// Keep one MADV_HUGEPAGE region registered with khugepaged for the whole run (registration happens
	// at the first THP fault, not at madvise): its scan list is then never empty, so the workers' first
	// THP faults do not wake it for a pass in the middle of the scenario (the client settles it first).
	void *anchor = mmap((void *)(16UL << 40), 4UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (anchor != MAP_FAILED && madvise(anchor, 4UL << 20, MADV_HUGEPAGE) == 0) *(volatile char *)anchor = 1; // the fault registers the mm
	for (int s = 0; s < MAX_SLOTS; s++)
		if (pipe2(cmd_pipe[s], O_CLOEXEC) < 0 || pipe2(rep_pipe[s], O_CLOEXEC) < 0) die("pipe: %s", errname(errno));
	char line[512], rep[512], ins[512];
	pid_t p0 = fork();
	if (p0 < 0) die("fork: %s", errname(errno));
	if (p0 == 0) worker(0);
	if (read_line(rep_pipe[0][0], rep, sizeof rep, 10000) < 0) die("worker p0 did not start");
	slot_pid[0] = p0;
	printf("ready %d\n", (int)p0);
	fflush(stdout);
	while (read_line(0, line, sizeof line, -1) >= 0) {
		int slot;
		unsigned long addr, np;
		if (!strcmp(line, "quit")) break;
		if (sscanf(line, "pm %d %lu %lu", &slot, &addr, &np) == 3) {
			if (slot < 0 || slot >= MAX_SLOTS || slot_pid[slot] <= 0) die("no worker in slot %d", slot);
			do_pm(slot, addr, np);
		} else if (sscanf(line, "w %d %511[^\n]", &slot, ins) == 2) {
			forward(slot, ins, rep, sizeof rep);
			if (!strncmp(ins, "fork ", 5) && !strncmp(rep, "ok ", 3)) {
				int child = atoi(ins + 5);
				char hello[64];
				if (read_line(rep_pipe[child][0], hello, sizeof hello, 10000) < 0) die("forked worker did not start");
				slot_pid[child] = atoi(rep + 3);
			} else if (!strcmp(ins, "exit") && !strcmp(rep, "ok")) {
				wait_gone(slot_pid[slot]);
				slot_pid[slot] = 0;
			}
			printf("%s\n", rep);
		} else {
			printf("fatal unknown instruction '%s'\n", line);
		}
		fflush(stdout);
	}
	kill_workers();
	return 0;
}
