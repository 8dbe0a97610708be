/*
 * forkbench: the fork benchmark of the anonymous VMA naming series (its cover letter: a process with 64K anonymous
 * VMAs carrying the longest names forks many times; the mean fork time, with and without names), for a Linux 6.12
 * that copies names at fork (tools/qemu/build-kernel.sh --variant strdup) and one that shares them (the stock build).
 *
 * Build: gcc -static -O2 -Wall -Wextra -o forkbench forkbench.c
 * Usage: forkbench [--init] VMAS FORKS
 *        --init: as a QEMU guest's /init (tools/forkbench/run.sh): mounts /proc, prints to the console, then ends
 *        the guest.
 *
 * For each content (0, 1 and 10 written pages per VMA), two processes each map VMAS private anonymous VMAs of
 * max(content, 1) pages, one page apart so that none merges, and write one byte in each of their first `content`
 * pages; one of them also names each VMA (one prctl each, 79 characters).  First three forks each, whose children
 * wait, measure what the kernel's unreclaimable slab grows by while the child lives (SUnreclaim in /proc/meminfo, the
 * median, half a second after any earlier exit so that its RCU-deferred frees have landed): the name copies, under
 * the strdup variant (each has forked once to warm up).  Then both fork FORKS times in turn (unnamed first, then named
 * first, and so on), each timing fork() itself (the child exits at once and is reaped outside the timing).  Prints
 * one line per case:
 *
 *   F content=<pages> named=<0|1> vmas=<n> forks=<n> mean_ns=<n> min_ns=<n> max_ns=<n> sd_ns=<n> slab_kb=<n>
 *
 * after "F clock <the kernel's clocksource> tsc_mhz=<the TSC's rate against it>"
 * ("F skip ..." for a named case on a kernel without names), and "F done" at the end, or "F error <what>" and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define PAGE 4096UL

static int as_init;

static void finish(int rc) __attribute__((noreturn));
static void finish(int rc)
{
	fflush(stdout);
	if (as_init) {
		sync();
		reboot(RB_AUTOBOOT); /* QEMU runs with -no-reboot: this ends it (this kernel has no ACPI power-off) */
	}
	exit(rc);
}

static void fail(const char *what)
{
	printf("F error %s: %s\n", what, strerror(errno));
	finish(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Fork times are counted in TSC cycles: under QEMU's TCG this kernel's clock is jiffies-based (4 ms steps) while the
 * TSC follows the host's, so the cycles are turned into nanoseconds by a rate measured against the clock over a
 * second at start (0.4% at worst).
 */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static double ns_per_cycle;

static void calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = rdtsc(), t1;
	while ((t1 = now_ns()) - t0 < 1000000000u)
		;
	ns_per_cycle = (double)(t1 - t0) / (double)(rdtsc() - c0);
}

/* SUnreclaim from /proc/meminfo, in kB; -1 if unreadable */
static long sunreclaim_kb(void)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "SUnreclaim:");
	return p ? strtol(p + strlen("SUnreclaim:"), NULL, 10) : -1;
}

/* one timed fork: the parent's time in fork() */
static uint64_t timed_fork(void)
{
	uint64_t c0 = rdtsc();
	pid_t pid = fork();
	uint64_t t = (uint64_t)((double)(rdtsc() - c0) * ns_per_cycle);
	if (pid < 0)
		fail("fork");
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, NULL, 0) != pid)
		fail("waitpid");
	return t;
}

/* the slab grown by a fork whose child still lives */
static long fork_slab_kb(void)
{
	int p[2];
	if (pipe(p) < 0)
		fail("pipe");
	/* earlier exits free their VMAs after an RCU grace period: let those frees land first, or they count against the
	 * fork (seen: a stock kernel's named fork "freeing" 136 kB) */
	usleep(500000);
	long before = sunreclaim_kb();
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	long after = sunreclaim_kb();
	close(p[0]);
	close(p[1]);
	waitpid(pid, NULL, 0);
	return before < 0 || after < 0 ? -1 : after - before;
}

/* the median of three slab forks */
static long fork_slab_median_kb(void)
{
	long a = fork_slab_kb(), b = fork_slab_kb(), c = fork_slab_kb();
	return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* maps the VMAs of a case; 0 if this kernel has no names (a named case then has nothing to measure) */
static int map_vmas(unsigned long vmas, int content, int named)
{
	static const char name[] = "anonvma-forkbench-0123456789-0123456789-0123456789-0123456789-0123456789-012";
	unsigned long pages = content > 0 ? (unsigned long)content : 1, stride = (pages + 1) * PAGE;
	/* address space for all of them, then given back: each VMA is mapped at its own place, holes between */
	char *base = mmap(NULL, vmas * stride, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		fail("mmap (reservation)");
	munmap(base, vmas * stride);
	for (unsigned long i = 0; i < vmas; i++) {
		char *a = base + i * stride;
		if (mmap(a, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != a)
			fail("mmap (a VMA)");
		if (named && prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)a, pages * PAGE, name) < 0) {
			if (errno != EINVAL || i > 0)
				fail("prctl(PR_SET_VMA_ANON_NAME)");
			return 0;
		}
		for (int k = 0; k < content; k++)
			a[(unsigned long)k * PAGE] = (char)(i + (unsigned long)k);
	}
	return 1;
}

/*
 * A process that holds one case's VMAs and forks when asked: "f" a timed fork (answers its time in ns), "s" the slab
 * fork (answers the kB), "q" ends it.  The unnamed and the named case of a content are held side by side and asked in
 * turn, so that whatever slows the machine during the run slows both alike.
 */
struct holder {
	pid_t pid;
	int cmd, res;
};

/* starts a holder; 0 if its case cannot run (names unsupported) */
static int holder_start(struct holder *h, unsigned long vmas, int content, int named)
{
	int c[2], r[2];
	if (pipe(c) < 0 || pipe(r) < 0)
		fail("pipe");
	h->pid = fork();
	if (h->pid < 0)
		fail("fork (holder)");
	if (h->pid == 0) {
		close(c[1]);
		close(r[0]);
		int64_t ok = map_vmas(vmas, content, named), v;
		if (ok)
			timed_fork(); /* warm-up, before it answers: nothing of it runs while the other holder measures */
		if (write(r[1], &ok, sizeof ok) != sizeof ok || !ok)
			_exit(0);
		char op;
		while (read(c[0], &op, 1) == 1 && op != 'q') {
			v = op == 'f' ? (int64_t)timed_fork() : fork_slab_median_kb();
			if (write(r[1], &v, sizeof v) != sizeof v)
				_exit(1);
		}
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	h->cmd = c[1];
	h->res = r[0];
	int64_t ok = 0;
	if (read(h->res, &ok, sizeof ok) != sizeof ok)
		fail("a holder died while mapping its VMAs");
	return (int)ok;
}

static int64_t holder_ask(struct holder *h, char op)
{
	int64_t v;
	if (write(h->cmd, &op, 1) != 1 || read(h->res, &v, sizeof v) != sizeof v)
		fail("a holder did not answer");
	return v;
}

static void holder_end(struct holder *h)
{
	char q = 'q';
	if (write(h->cmd, &q, 1) < 0) {
		/* it is gone already */
	}
	close(h->cmd);
	close(h->res);
	waitpid(h->pid, NULL, 0);
}

static void one_content(unsigned long vmas, int forks, int content)
{
	struct holder h[2];
	int can[2];
	for (int named = 0; named < 2; named++)
		can[named] = holder_start(&h[named], vmas, content, named);
	/* the slab first, before any timed fork's child has exited */
	long slab[2] = {0, 0};
	for (int named = 0; named < 2; named++)
		if (can[named])
			slab[named] = (long)holder_ask(&h[named], 's');
	uint64_t sum[2] = {0, 0}, lo[2] = {UINT64_MAX, UINT64_MAX}, hi[2] = {0, 0};
	double sq[2] = {0, 0}; /* for the standard deviation: the spread the benchmark prints beside each mean */
	for (int i = 0; i < forks; i++)
		for (int k = 0; k < 2; k++) {
			int named = (i + k) % 2; /* unnamed first in even rounds, named first in odd ones */
			if (!can[named])
				continue;
			uint64_t t = (uint64_t)holder_ask(&h[named], 'f');
			sum[named] += t;
			sq[named] += (double)t * (double)t;
			lo[named] = t < lo[named] ? t : lo[named];
			hi[named] = t > hi[named] ? t : hi[named];
		}
	for (int named = 0; named < 2; named++) {
		if (!can[named]) {
			printf("F skip content=%d named=1: this kernel has no anonymous VMA names (PR_SET_VMA -> EINVAL)\n", content);
			holder_end(&h[named]);
			continue;
		}
		double mean = (double)sum[named] / forks, var = sq[named] / forks - mean * mean;
		printf("F content=%d named=%d vmas=%lu forks=%d mean_ns=%" PRIu64 " min_ns=%" PRIu64 " max_ns=%" PRIu64 " sd_ns=%.0f slab_kb=%ld\n",
		       content, named, vmas, forks, sum[named] / (uint64_t)forks, lo[named], hi[named], var > 0 ? sqrt(var) : 0.0, slab[named]);
		holder_end(&h[named]);
	}
}

int main(int argc, char **argv)
{
	int a = 1;
	if (a < argc && !strcmp(argv[a], "--init")) {
		as_init = 1;
		a++;
		if (fcntl(1, F_GETFD) < 0) {
			mkdir("/dev", 0755);
			mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
			int fd = open("/dev/console", O_RDWR);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", 0, 0) < 0 && errno != EBUSY)
			fail("mount /proc");
		mkdir("/sys", 0555);
		mount("sysfs", "/sys", "sysfs", 0, 0);
	}
	/* the clock the times come from: a jiffies clock would count in whole ticks */
	char clk[64] = "unknown";
	int cfd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	if (cfd >= 0) {
		ssize_t n = read(cfd, clk, sizeof clk - 1);
		clk[n > 0 ? n : 0] = 0;
		clk[strcspn(clk, "\n")] = 0;
		close(cfd);
	}
	calibrate();
	printf("F clock %s tsc_mhz=%.1f\n", clk, 1000.0 / ns_per_cycle);
	if (argc - a != 2) {
		fprintf(stderr, "usage: forkbench [--init] VMAS FORKS\n");
		finish(2);
	}
	unsigned long vmas = strtoul(argv[a], NULL, 0);
	int forks = atoi(argv[a + 1]);
	if (vmas == 0 || forks <= 0) {
		fprintf(stderr, "forkbench: VMAS and FORKS must be positive\n");
		finish(2);
	}
	/* room for the VMAs and the program's own (the default limit, 65530, is the seed's count) */
	int fd = open("/proc/sys/vm/max_map_count", O_WRONLY);
	if (fd >= 0) {
		char v[32];
		int n = snprintf(v, sizeof v, "%lu", vmas + 1000);
		if (write(fd, v, (size_t)n) < 0 && vmas + 100 > 65530)
			fail("raising vm.max_map_count");
		close(fd);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* a holder that could not name its VMAs is gone before it is told to end */
	static const int contents[] = {0, 1, 10};
	for (int c = 0; c < 3; c++)
		one_content(vmas, forks, contents[c]);
	printf("F done\n");
	finish(0);
}
