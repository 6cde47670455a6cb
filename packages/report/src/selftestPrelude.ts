/**
 * SELFTEST_PRELUDE - the fixed part of an exported selftest (see exportSelftestC()): the worker processes
 * of tools/kernel-runner/runner.c (one per scenario process, driven over pipes; the same worker ops and
 * replies), its page reader (pagemap, kpagecount, kpageflags, compound head walk), knob save/set/restore
 * and khugepaged quieting as packages/kernel/src/live does them, and the TAP driver. The generated part
 * defines SCENARIO, NSLOTS, knobs[], steps[], regions[], runs[] and checks[] before it.
 */
export const SELFTEST_PRELUDE = String.raw`
#define PG 4096UL
#define ATTEMPTS 6
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4
#define THP "/sys/kernel/mm/transparent_hugepage"
#define KHUGEPAGED_ASLEEP_MS "86400000"

static int cmd_pipe[ATTEMPTS * NSLOTS][2], rep_pipe[ATTEMPTS * NSLOTS][2];
static pid_t slot_pid[ATTEMPTS * NSLOTS];
static pid_t controller;
static char tmpdir[] = "/tmp/mmsim-selftest-XXXXXX";
static int have_tmpdir;
static int file_fd[MAX_FILES];
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static const char *errname(int e) {
	static char buf[16];
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
	default: snprintf(buf, sizeof buf, "E%d", e); return buf;
	}
}

/* ---- knobs: saved before the first write, restored in reverse order at exit and on signals ---- */

static int knob_read(const char *path, char *out, size_t cap) {
	char buf[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) return -1;
	buf[n] = 0;
	char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;
	char *s = buf, *e = buf + n;
	if (l && r) {
		s = l + 1;
		e = r;
	}
	while (s < e && isspace((unsigned char)*s)) s++;
	while (e > s && isspace((unsigned char)e[-1])) e--;
	snprintf(out, cap, "%.*s", (int)(e - s), s);
	return 0;
}

/* the value that, written back, puts the knob as it is now: a HugeTLB pool's setting is nr_hugepages minus
 * surplus_hugepages (writing nr_hugepages first turns surplus pages, in use or reserved, into persistent ones) */
static int knob_setting(const char *path, char *out, size_t cap) {
	if (knob_read(path, out, cap) < 0) return -1;
	size_t n = strlen(path), k = strlen("nr_hugepages");
	if (n < k || strcmp(path + n - k, "nr_hugepages")) return 0;
	char sibling[512], surplus[64];
	snprintf(sibling, sizeof sibling, "%.*ssurplus_hugepages", (int)(n - k), path);
	if (knob_read(sibling, surplus, sizeof surplus) < 0) return 0;
	snprintf(out, cap, "%ld", atol(out) - atol(surplus));
	return 0;
}

static int knob_write(const char *path, const char *value) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

static void restore_knobs(void) {
	if (getpid() != controller) return;
	for (int i = (int)NKNOBS - 1; i >= 0; i--) {
		char cur[256];
		if (!knobs[i].saved) continue;
		if (knob_setting(knobs[i].path, cur, sizeof cur) == 0 && !strcmp(cur, knobs[i].old)) continue;
		if (knob_write(knobs[i].path, knobs[i].old) < 0) printf("# could not restore %s to %s: %s\n", knobs[i].path, knobs[i].old, errname(errno));
		/* a pool shrinks as its pages are freed: wait for it to read as before (pages still in use stay surplus) */
		for (int t = 0; strstr(knobs[i].path, "nr_hugepages") && t < 200; t++) {
			if (knob_read(knobs[i].path, cur, sizeof cur) == 0 && !strcmp(cur, knobs[i].raw)) break;
			usleep(10 * 1000);
			knob_write(knobs[i].path, knobs[i].old);
		}
		knobs[i].saved = 0;
	}
}

static void wait_gone(pid_t pid);

/* kill every worker and wait until their memory is released (before the HugeTLB pools are restored) */
static void kill_workers(void) {
	for (int s = 0; s < ATTEMPTS * NSLOTS; s++)
		if (slot_pid[s] > 0) kill(slot_pid[s], SIGKILL);
	for (int s = 0; s < ATTEMPTS * NSLOTS; s++)
		if (slot_pid[s] > 0) {
			wait_gone(slot_pid[s]);
			slot_pid[s] = 0;
		}
}

static void cleanup(void) {
	if (getpid() != controller) return;
	kill_workers();
	restore_knobs();
	if (have_tmpdir) rmdir(tmpdir);
	fflush(stdout);
}

static void on_signal(int sig) {
	cleanup();
	_exit(128 + sig);
}

static void skip(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	printf("1..0 # SKIP ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(KSFT_SKIP);
}

static void bail(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	printf("Bail out! ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(KSFT_FAIL);
}

static void apply_knobs(void) {
	for (size_t i = 0; i < NKNOBS; i++) {
		struct knob *k = &knobs[i];
		if (access(k->path, F_OK) < 0) {
			if (k->line) skip("this kernel has no knob %s (for line %d)", k->path, k->line);
			continue;
		}
		if (knob_read(k->path, k->raw, sizeof k->raw) < 0 || knob_setting(k->path, k->old, sizeof k->old) < 0) skip("cannot read %s: %s", k->path, errname(errno));
		k->saved = 1;
	}
	for (size_t i = 0; i < NKNOBS; i++) {
		struct knob *k = &knobs[i];
		char cur[256];
		if (!k->saved || (knob_setting(k->path, cur, sizeof cur) == 0 && !strcmp(cur, k->value))) continue;
		if (knob_write(k->path, k->value) < 0) skip("cannot set %s to %s: %s", k->path, k->value, errname(errno));
		if (strstr(k->path, "nr_hugepages") && (knob_read(k->path, cur, sizeof cur) < 0 || strcmp(cur, k->value))) {
			/* a pool the scenario did not set stays above its default only with pages nothing can free
			 * (reserved: another user, or a leak): harmless to a scenario that maps no HugeTLB page */
			if (!k->line && atol(cur) > atol(k->value)) {
				fprintf(stderr, "%s stays at %s, not %s (reserved pages)\n", k->path, cur, k->value);
				continue;
			}
			skip("the kernel allocated only %s of %s huge pages for %s", cur, k->value, k->path);
		}
	}
}

static long vmemmap_pages(void) {
	char line[256];
	long sum = 0, v;
	/* fold the per-CPU counter deltas into the totals first (vmstat_update does it only every second) */
	knob_write("/proc/sys/vm/stat_refresh", "1");
	FILE *f = fopen("/proc/vmstat", "re");
	if (!f) return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "nr_memmap_pages %ld", &v) == 1 || sscanf(line, "nr_memmap_boot_pages %ld", &v) == 1) sum += v;
	fclose(f);
	return sum;
}

/* khugepaged's pages_collapsed/full_scans: a run during which they move is rerun */
static void khugepaged_activity(char *out, size_t cap) {
	char a[64] = "", b[64] = "";
	knob_read(THP "/khugepaged/pages_collapsed", a, sizeof a);
	knob_read(THP "/khugepaged/full_scans", b, sizeof b);
	snprintf(out, cap, "%s/%s", a, b);
}

/* ---- workers (tools/kernel-runner/runner.c): one process per scenario process ---- */

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
	if (idx < 0 || idx >= MAX_FILES) {
		errno = EINVAL;
		return -1;
	}
	if (!strcmp(kind, "shmem"))
		fd = memfd_create("mmsim-shmem", MFD_CLOEXEC);
	else if (!strcmp(kind, "huge2M"))
		fd = memfd_create("mmsim-huge", MFD_CLOEXEC | MFD_HUGETLB | (21 << MFD_HUGE_SHIFT));
	else if (!strcmp(kind, "huge1G"))
		fd = memfd_create("mmsim-huge", MFD_CLOEXEC | MFD_HUGETLB | (30 << MFD_HUGE_SHIFT));
	else {
		char path[128];
		snprintf(path, sizeof path, "%s/file%d", tmpdir, idx);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) unlink(path); /* the descriptor keeps it; nothing is left behind */
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

/* docs/scenario-language.md rule 7: populate missing page-cache pages through a temporary shared alias, then one
 * UFFDIO_CONTINUE over the range with a minor-mode userfaultfd */
static int do_continue(char *addr, unsigned long len, int file, unsigned long foff, int hugetlb) {
	int fd = file >= 0 && file < MAX_FILES ? file_fd[file] : -1;
	/* the alias sits at the same offset inside a 1G-aligned slot (at 24 TiB) as the range it serves, so its
	   faults create the same folio sizes (docs/scenario-language.md rule 7, as the project's runner does) */
	unsigned long at = (24UL << 40) + ((unsigned long)addr & ((1UL << 30) - 1));
	char *alias = fd < 0 ? NULL : mmap((void *)at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, (off_t)foff);
	if (alias == MAP_FAILED) return errno;
	if (alias && alias != (char *)at) {
		munmap(alias, len);
		return EEXIST;
	}
	if (!alias) goto uffd;
	unsigned long np = len / PG;
	unsigned char *vec = calloc(np, 1);
	if (!vec) return ENOMEM;
	if (!hugetlb && mincore(alias, len, vec) < 0) memset(vec, 0, np);
	for (unsigned long i = 0; i < np; i++)
		if (!(vec[i] & 1)) {
			if (hugetlb)
				(void)*(volatile char *)(alias + i * PG);
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

static void worker_op(int slot, char *line) {
	char op[32] = "", a[32] = "", b[32] = "";
	unsigned long x = 0, y = 0, z = 0, w = 0;
	if (sscanf(line, "%31s", op) != 1) return reply(slot, "fatal empty worker instruction");
	if (!strcmp(op, "mmap")) {
		int file;
		if (sscanf(line, "%*s %lu %lu %31s %31s %d", &x, &y, a, b, &file) != 5) return reply(slot, "fatal bad mmap");
		int flags = (!strcmp(b, "shared") ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
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
	if (!strcmp(op, "fork")) {
		if (sscanf(line, "%*s %lu", &w) != 1 || w >= ATTEMPTS * NSLOTS) return reply(slot, "fatal bad fork");
		fflush(stdout);
		pid_t c = fork();
		if (c < 0) return reply(slot, "err %s", errname(errno));
		if (c == 0) worker((int)w);
		return reply(slot, "ok %d", (int)c);
	}
	if (!strcmp(op, "exit")) {
		reply(slot, "ok");
		_exit(0);
	}
	reply(slot, "fatal unknown worker op %s", op);
}

static void worker(int slot) {
	static char line[512];
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_IGN); /* forked children are reaped automatically */
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

static void forward(int slot, const char *ins, char *rep, size_t cap) {
	size_t len = strlen(ins);
	if (slot_pid[slot] <= 0) bail("no worker in slot %d", slot);
	if (write(cmd_pipe[slot][1], ins, len) != (ssize_t)len || write(cmd_pipe[slot][1], "\n", 1) != 1) bail("worker %d gone", slot);
	if (read_line(rep_pipe[slot][0], rep, cap, 60000) < 0) bail("worker %d did not answer '%s'", slot, ins);
	if (!strncmp(rep, "fatal", 5)) bail("%s", rep);
}

static void wait_gone(pid_t pid) {
	for (int i = 0; i < 5000; i++) {
		char path[64], st[256] = "";
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) return;
		ssize_t n = read(fd, st, sizeof st - 1);
		close(fd);
		char *rp = n > 0 ? strrchr(st, ')') : NULL;
		if (rp && (rp[2] == 'Z' || rp[2] == 'X')) return; /* mm already released */
		usleep(1000);
	}
}

/* ---- reading pages: pagemap, kpagecount, kpageflags (runner.c's do_pm) ---- */

static int kpagecount_fd, kpageflags_fd;
#define KPF_ANON 12
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_ZERO_PAGE 24

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
	uint64_t h = pfn, f = flags, buf[512];
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
			for (k = 0; k < cnt; k++)
				if (!((buf[k] >> KPF_COMPOUND_TAIL) & 1) || ((buf[k] >> KPF_COMPOUND_HEAD) & 1)) {
					stop = 1;
					break;
				}
			n += k;
			if (stop || n > (1UL << 18)) break;
		}
	}
	cached_head = *head = h;
	cached_nr = *nr = n;
}

/* one observed page: what the assertions compare (label -1: not present, or a zero page) */
struct seen {
	int8_t present, excl, order;
	int64_t mapcount;
	int32_t label;
};

struct label_map {
	uint64_t *keys;
	int32_t *vals;
	size_t cap;
	int32_t next;
};

static int32_t label_of(struct label_map *m, uint64_t head) {
	size_t i = (size_t)(head * 0x9E3779B97F4A7C15ULL) & (m->cap - 1);
	while (m->vals[i] >= 0 && m->keys[i] != head) i = (i + 1) & (m->cap - 1);
	if (m->vals[i] < 0) {
		m->keys[i] = head;
		m->vals[i] = m->next++;
	}
	return m->vals[i];
}

/* read every page of check @c into @out (canonical labels in walk order); returns 0, or -1 when a present
 * page shows blank kpageflags (struct pages not initialized: the attempt is invalid, see docs/observation-format.md section 3) */
static int observe(const struct check *c, int base, struct seen *out) {
	struct label_map m;
	size_t total = 0;
	for (int r = c->first; r < c->first + c->nregions; r++) total += regions[r].npages;
	m.cap = 16;
	while (m.cap < 2 * total) m.cap <<= 1;
	m.keys = calloc(m.cap, sizeof *m.keys);
	m.vals = malloc(m.cap * sizeof *m.vals);
	if (!m.keys || !m.vals) bail("out of memory");
	memset(m.vals, 0xff, m.cap * sizeof *m.vals);
	m.next = 0;
	int bad = 0;
	struct seen *o = out;
	for (int r = c->first; r < c->first + c->nregions && !bad; r++) {
		const struct region *g = &regions[r];
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/pagemap", (int)slot_pid[base + g->slot]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) bail("cannot open %s: %s", path, errname(errno));
		cached_nr = 0;
		for (unsigned long i = 0; i < g->npages; i++, o++) {
			uint64_t e = pread64u(fd, g->addr / PG + i);
			memset(o, 0, sizeof *o);
			o->label = -1;
			if (!(e >> 63)) continue;
			uint64_t pfn = e & ((1ULL << 55) - 1);
			uint64_t cnt = pread64u(kpagecount_fd, pfn), fl = pread64u(kpageflags_fd, pfn), head, nr;
			if (fl == 0) {
				bad = 1;
				break;
			}
			folio_of(pfn, fl, &head, &nr);
			int order = 0;
			while ((1ULL << (order + 1)) <= nr) order++;
			if (((fl >> KPF_HUGE) & 1) && g->huge_order) {
				/* HVO "fake heads" make the flag walk unreliable: the geometry comes from the mapping */
				order = g->huge_order;
				head = pfn - (pfn % (1ULL << order));
			}
			o->present = 1;
			o->order = (int8_t)order;
			o->mapcount = (int64_t)cnt;
			o->excl = (e >> 56) & 1;
			o->label = ((fl >> KPF_ZERO_PAGE) & 1) ? -1 : label_of(&m, head);
		}
		close(fd);
	}
	free(m.keys);
	free(m.vals);
	return bad ? -1 : 0;
}

/* ---- one execution of the scenario ---- */

static char refusal_diag[64][640];
static int refusal_bad, refusal_ndiag;
static struct seen *seen_of[NCHECKS > 0 ? NCHECKS : 1];
static long vmemmap_base, vmemmap_seen[NCHECKS > 0 ? NCHECKS : 1];

static void start_slots(int base) {
	for (int s = base; s < base + NSLOTS; s++)
		if (pipe2(cmd_pipe[s], O_CLOEXEC) < 0 || pipe2(rep_pipe[s], O_CLOEXEC) < 0) bail("pipe: %s", errname(errno));
	char rep[64];
	pid_t p0 = fork();
	if (p0 < 0) bail("fork: %s", errname(errno));
	if (p0 == 0) worker(base);
	if (read_line(rep_pipe[base][0], rep, sizeof rep, 10000) < 0) bail("worker p0 did not start");
	slot_pid[base] = p0;
}

static void stop_slots(int base) {
	for (int s = base; s < base + NSLOTS; s++) {
		if (slot_pid[s] > 0) {
			kill(slot_pid[s], SIGKILL);
			wait_gone(slot_pid[s]);
		}
		slot_pid[s] = 0;
	}
}

/* run every step in fresh workers at @base; 0 ok, -1 invalid observation (rerun) */
static int attempt(int base) {
	char ins[512], rep[512], expect[64];
	int ck = 0;
	refusal_bad = refusal_ndiag = 0;
	start_slots(base);
	for (size_t i = 0; i < NSTEPS; i++) {
		const struct step *st = &steps[i];
		if (st->kind == STEP_CHECK) {
			const struct check *c = &checks[ck];
			size_t total = 0;
			for (int r = c->first; r < c->first + c->nregions; r++) total += regions[r].npages;
			struct seen *again = calloc(total ? total : 1, sizeof *again);
			if (!again) bail("out of memory");
			if (!seen_of[ck]) seen_of[ck] = calloc(total ? total : 1, sizeof *again);
			if (!seen_of[ck]) bail("out of memory");
			/* observe twice in a row and accept when both agree (docs/observation-format.md section 3) */
			if (observe(c, base, seen_of[ck]) < 0) return free(again), -1;
			for (int tries = 0;; tries++) {
				if (observe(c, base, again) < 0) return free(again), -1;
				if (!memcmp(again, seen_of[ck], total * sizeof *again)) break;
				if (tries >= 4) bail("line %d: two successive observations never agreed", c->line);
				memcpy(seen_of[ck], again, total * sizeof *again);
			}
			free(again);
			vmemmap_seen[ck] = vmemmap_pages() - vmemmap_base;
			ck++;
			continue;
		}
		int slot = base + st->slot;
		if (st->kind == STEP_FORK)
			snprintf(ins, sizeof ins, "fork %d", base + st->child);
		else
			snprintf(ins, sizeof ins, "%s", st->ins);
		forward(slot, ins, rep, sizeof rep);
		if (st->kind == STEP_FORK && !strncmp(rep, "ok ", 3)) {
			char hello[64];
			if (read_line(rep_pipe[base + st->child][0], hello, sizeof hello, 10000) < 0) bail("forked worker did not start");
			slot_pid[base + st->child] = atoi(rep + 3);
		} else if (st->kind == STEP_EXIT && !strcmp(rep, "ok")) {
			wait_gone(slot_pid[slot]);
			slot_pid[slot] = 0;
		}
		if (st->refused)
			snprintf(expect, sizeof expect, "err %s", st->refused);
		else
			snprintf(expect, sizeof expect, "ok");
		int ok = st->kind == STEP_FORK && !st->refused ? !strncmp(rep, "ok ", 3) : !strcmp(rep, expect);
		if (!ok) {
			refusal_bad++;
			if (refusal_ndiag < 64)
				snprintf(refusal_diag[refusal_ndiag++], sizeof refusal_diag[0], "line %d (%s): the model predicts %s, the kernel answered %s", st->line, st->op,
					 st->refused ? st->refused : "success", rep);
			if (st->kind == STEP_FORK && !st->refused) bail("line %d: fork refused (%s); the rest of the scenario cannot run", st->line, rep);
		}
	}
	return 0;
}

/* ---- TAP ---- */

static int test_no, failed;
static char notes[ATTEMPTS][96]; /* why attempts were rerun: printed after the TAP header */

static void describe(char *buf, size_t cap, const struct seen *s) {
	if (!s->present)
		snprintf(buf, cap, "not present");
	else if (s->label < 0)
		snprintf(buf, cap, "mapcount %lld, %sexclusive, order %d, zero page", (long long)s->mapcount, s->excl ? "" : "not ", s->order);
	else
		snprintf(buf, cap, "mapcount %lld, %sexclusive, order %d, folio %d", (long long)s->mapcount, s->excl ? "" : "not ", s->order, s->label);
}

static void report(void) {
	int ck = 0;
	printf("TAP version 13\n1..%d\n# mmsim scenario %s\n", NTESTS, SCENARIO);
	for (int a = 0; a < ATTEMPTS; a++)
		if (notes[a][0]) printf("# %s\n", notes[a]);
	for (size_t i = 0; i < NSTEPS; i++) {
		if (steps[i].kind != STEP_CHECK) continue;
		const struct check *c = &checks[ck];
		const struct seen *o = seen_of[ck];
		for (int r = c->first; r < c->first + c->nregions; r++) {
			const struct region *g = &regions[r];
			unsigned long bad = 0, p = 0;
			char diag[8][256];
			int nd = 0;
			for (int k = g->run0; k < g->run0 + g->nruns; k++) {
				const struct run *u = &runs[k];
				for (unsigned long j = 0; j < u->n; j++, p++, o++) {
					struct seen want = {.present = u->present, .excl = u->excl, .order = u->order, .mapcount = u->mapcount,
							    .label = u->label < 0 ? -1 : u->label + (int32_t)(j * u->step)};
					if (!want.present) want.excl = want.order = 0, want.mapcount = 0, want.label = -1;
					if (want.present == o->present && want.excl == o->excl && want.order == o->order && want.mapcount == o->mapcount && want.label == o->label) continue;
					if (bad++ < 8) {
						char a[96], b[96];
						describe(a, sizeof a, &want);
						describe(b, sizeof b, o);
						snprintf(diag[nd++], sizeof diag[0], "+0x%lx: the model predicts %s; the kernel shows %s", p * PG, a, b);
					}
				}
			}
			test_no++;
			if (bad) failed++;
			printf("%sok %d line %d %s %s: %lu pages as the model predicts (kpagecount, pagemap present/exclusive, folio order and identity)\n", bad ? "not " : "",
			       test_no, c->line, g->proc, g->name, g->npages);
			for (int d = 0; d < nd; d++) printf("# %s\n", diag[d]);
			if (bad > 8) printf("# ... %lu pages differ in all\n", bad);
		}
		if (c->vmemmap) {
			test_no++;
			int ok = vmemmap_seen[ck] == c->vmemmap_delta;
			if (!ok) failed++;
			printf("%sok %d line %d check vmemmap: struct pages changed by %ld (the model predicts %ld)\n", ok ? "" : "not ", test_no, c->line, vmemmap_seen[ck],
			       (long)c->vmemmap_delta);
		}
		ck++;
	}
	test_no++;
	if (refusal_bad) failed++;
	printf("%sok %d refused operations as the model predicts (%d predicted)\n", refusal_bad ? "not " : "", test_no, NREFUSED);
	for (int d = 0; d < refusal_ndiag; d++) printf("# %s\n", refusal_diag[d]);
}

int main(void) {
	controller = getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < MAX_FILES; i++) file_fd[i] = -1;
	if (geteuid() != 0) skip("needs root (reads /proc/kpagecount, changes THP knobs)");
	kpagecount_fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kpagecount_fd < 0 || kpageflags_fd < 0) skip("no /proc/kpagecount or /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR)");
	if (!mkdtemp(tmpdir)) skip("cannot create %s: %s", tmpdir, errname(errno));
	have_tmpdir = 1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	atexit(cleanup);
	/* one CPU for every process: per-CPU LRU batches then hold no stray references on other CPUs */
	int cpu = sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
	vmemmap_base = vmemmap_pages();
	apply_knobs();
	/* keep one MADV_HUGEPAGE region registered with khugepaged for the whole run, then re-write its
	 * timer: it makes one pass now (over this region only) and sleeps 24 h (as the live runner does) */
	void *anchor = mmap((void *)(16UL << 40), 4UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (anchor != MAP_FAILED && madvise(anchor, 4UL << 20, MADV_HUGEPAGE) == 0) *(volatile char *)anchor = 1;
	if (access(THP "/khugepaged/scan_sleep_millisecs", F_OK) == 0) {
		knob_write(THP "/khugepaged/scan_sleep_millisecs", KHUGEPAGED_ASLEEP_MS);
		usleep(200 * 1000);
	}
	int a;
	for (a = 0; a < ATTEMPTS; a++) {
		char before[160], after[160];
		khugepaged_activity(before, sizeof before);
		int r = attempt(a * NSLOTS);
		khugepaged_activity(after, sizeof after);
		if (r == 0 && !strcmp(before, after)) break;
		snprintf(notes[a], sizeof notes[a], "attempt %d: %s; rerunning", a + 1, r ? "a present page showed blank kpageflags" : "khugepaged scanned during the run");
		/* a run with blank struct pages keeps holding its memory (steers the allocator elsewhere), except
		 * HugeTLB runs, whose pages the next attempt's pool needs */
		if (r == 0 || USES_HUGETLB) stop_slots(a * NSLOTS);
	}
	if (a == ATTEMPTS) skip("no valid observation in %d attempts", ATTEMPTS);
	report();
	return failed ? KSFT_FAIL : KSFT_PASS;
}
`
