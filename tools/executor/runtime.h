/*
 * runtime.h: runs one AnonVma trace at a time on the running kernel and
 * prints its results and what /proc/PID/maps and /proc/PID/smaps show of the
 * arena after every call.
 *
 * It is what a C reproducer needs and nothing more: every reproducer that
 * AnonVma writes (tools/anonvma/Judges/CReproducer.cs) is this file, with
 * calls.h (generated from the call table) in place of its #include, followed
 * by a main() that makes one CALL per trace call (see "reproducers" at the
 * end).  tools/executor/executor.c includes it and adds what only the
 * executor needs: the batch parser, the output options, the sleep op and
 * main().  Linux x86-64, no other files needed.
 *
 * See tools/executor/README.md for the output format and the safety rules.
 *
 * Process model: the controller (main) never makes a trace's calls itself.
 * For each trace it creates MAXPROC pipe pairs and forks p0, which becomes
 * the leader of a new process group.  A "fork" by any trace process is a raw
 * clone(CLONE_PARENT|SIGCHLD): the mm is duplicated exactly as by fork()
 * (same dup_mmap), but the new process is a child of the controller, so the
 * controller can reap every trace process, learn how it died, and kill the
 * whole trace with one kill(-pgid).  Trace processes only execute calls
 * (worker() below); the controller reads their maps/smaps itself.  (The
 * executor also relays runs of calls among the trace processes, which then
 * read the views themselves: relay.h, which a reproducer does not have.)
 *
 * With --plain-fork (rt_plain_fork), for re-implementations of Linux that lack CLONE_PARENT (QEMU user mode refuses
 * it; gVisor never reports such a child's exit), a fork is clone(SIGCHLD): the child is its forker's, so the
 * controller sees an exit through /proc/PID/stat (a zombie's state is Z, its exit_code field the wait status) instead
 * of waitpid, also for an unexpected death ("crash p1 SIGSEGV"; "crash p1 gone" where the status is not given).
 */
#ifndef ANONVMA_RUNTIME_H
#define ANONVMA_RUNTIME_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/statfs.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calls.h" /* the calls, flag names and limits: generated from model/Calls/CallTable.cs */

#define PAGE 4096ULL

enum namekind { NK_NONE, NK_NULL, NK_BADPTR, NK_BYTES, NK_PTR };

/*
 * One call, as parsed, and as sent down the command pipe.
 * a[] holds the numeric arguments in wire order, except for mmap where
 * a[] = addr len prot flags off and the fd is in fdhandle.  name and
 * name_arg2 both make prctl(PR_SET_VMA, a[2], a[0], a[1], name): a[2] is 0
 * (PR_SET_VMA_ANON_NAME) for name, and name_arg2's name is "x".  A name
 * NK_PTR is the arena address in a[3]: the process's own bytes there.
 */
struct cmd {
	uint32_t op;
	uint32_t proc;     /* issuing process index */
	uint32_t namekind; /* name: NK_* */
	uint32_t namelen;
	int32_t fdhandle;  /* mmap: -1 or a handle index */
	int32_t aux;       /* fork: index of the new process; memfd/file: handle */
	uint64_t a[5];
	char name[NAME_MAX_BYTES + 1]; /* name bytes, or the file path */
};

struct resp {
	int64_t ret;
	int32_t err;  /* errno, 0 on success */
	int32_t kind; /* RK_* */
	int64_t pid;  /* hello and fork: a pid */
};

enum { RK_VALUE, RK_ESCAPED, RK_SEGV, RK_BUS, RK_HELLO };

/*
 * What the executor adds (executor.c); a reproducer leaves them all NULL.
 * rt_extra_op makes an op past the call table (the executor's "sleep") and
 * returns 1.  rt_keep_line says whether an smaps field line is printed
 * ("option fields"), rt_print_view prints one process's view (and may swap it for another sbuf)
 * ("option same"), and rt_trace_start runs as each trace begins.  For the
 * memory limit, rt_child_hook runs in p0 before its first call, and
 * rt_death_note may add a word to the crash line of a process that died with
 * status st.  rt_trace_done runs once a begun trace's processes are gone,
 * before its last line is printed ("option kmsg").  For relays (relay.h),
 * rt_worker_op takes a command of the executor's own in a trace process (1:
 * taken, nothing is answered),
 * rt_keep_cmd_pipes leaves every command pipe's write end open in them,
 * rt_quiet_start has p0 start without a hello (its first calls are on their way), and rt_first_calls sends them
 * before p0 is forked, so that p0, which the scheduler runs first, finds them.
 */
struct sbuf;
static int (*rt_extra_op)(const struct cmd *c, struct resp *r);
static int (*rt_keep_line)(const char *l, size_t n);
static void (*rt_print_view)(int idx, struct sbuf *v);
static void (*rt_trace_start)(void);
static void (*rt_trace_done)(void);
static void (*rt_child_hook)(void);
static const char *(*rt_death_note)(int st);
static int (*rt_worker_op)(const struct cmd *c, uint64_t base, uint64_t size);
static int rt_keep_cmd_pipes;
static int rt_quiet_start;
static void (*rt_first_calls)(void);

struct trace {
	const char *id;
	int line;
	int has_arena;
	uint64_t base, size;
	struct cmd *calls;
	int ncalls, first; /* first: the executor's parser keeps the index of the first call in its call pool */
};

/* ------------------------------------------------------------------ */
/* tables                                                              */

static const char *errno_name(int e)
{
	static char buf[32];
	switch (e) {
#define E(x) case x: return "-" #x;
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
	E(ENOEXEC) E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES)
	E(EFAULT) E(ENOTBLK) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV)
	E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY)
	E(ETXTBSY) E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE)
	E(EDOM) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS)
	E(ENOTEMPTY) E(ELOOP) E(ENOMSG) E(EIDRM) E(ENODATA) E(ETIME)
	E(EOVERFLOW) E(EBADFD) E(EILSEQ) E(EUSERS) E(ENOTSOCK)
	E(EOPNOTSUPP) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ETIMEDOUT)
	E(EALREADY) E(EINPROGRESS) E(ESTALE) E(EDQUOT) E(ECANCELED)
	E(EOWNERDEAD) E(ENOTRECOVERABLE) E(ERFKILL) E(EHWPOISON)
	E(ENOMEDIUM) E(EMEDIUMTYPE) E(ENOKEY) E(EKEYEXPIRED)
	E(EKEYREVOKED) E(EKEYREJECTED) E(EPROTONOSUPPORT) E(ENOTCONN)
#undef E
	default:
		snprintf(buf, sizeof buf, "-E%d", e);
		return buf;
	}
}

static const char *signal_name(int s)
{
	static char buf[32];
	switch (s) {
#define S(x) case x: return #x;
	S(SIGHUP) S(SIGINT) S(SIGQUIT) S(SIGILL) S(SIGTRAP) S(SIGABRT)
	S(SIGBUS) S(SIGFPE) S(SIGKILL) S(SIGUSR1) S(SIGSEGV) S(SIGUSR2)
	S(SIGPIPE) S(SIGALRM) S(SIGTERM) S(SIGSTKFLT) S(SIGCHLD) S(SIGCONT)
	S(SIGSTOP) S(SIGTSTP) S(SIGTTIN) S(SIGTTOU) S(SIGURG) S(SIGXCPU)
	S(SIGXFSZ) S(SIGVTALRM) S(SIGPROF) S(SIGWINCH) S(SIGIO) S(SIGPWR)
	S(SIGSYS)
#undef S
	default:
		snprintf(buf, sizeof buf, "SIG%d", s);
		return buf;
	}
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static int write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 1: all read; 0: EOF before any byte; -1: error or short read */
static int read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return got ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

/* where the controller's time goes, for the executor's "S" line: the calls' round trips, the smaps reads, the output */
static uint64_t rt_ns_call, rt_ns_read, rt_ns_out;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* the kernel's PAGE_ALIGN: rounds up, 0 when it wraps */
static uint64_t page_align(uint64_t len)
{
	return (len + PAGE - 1) & ~(PAGE - 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Memory the trace processes must not inherit (MADV_DONTFORK: fork leaves it out): the parsed batch, the /proc read
 * buffer, the output buffer, the views (sbuf_add).  Every smaps read walks every present page of the process, so a trace process that
 * inherited megabytes of the controller's batch made each report many times slower than its arena alone.
 */
static void *dontfork_grow(void *p, size_t oldsize, size_t newsize)
{
	void *q = oldsize ? mremap(p, oldsize, newsize, MREMAP_MAYMOVE)
			  : mmap(NULL, newsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED) {
		fprintf(stderr, "anonvma-exec: out of memory\n");
		exit(1);
	}
	if (!oldsize)
		madvise(q, newsize, MADV_DONTFORK);
	return q;
}

/* ------------------------------------------------------------------ */
/* trace processes (workers)                                           */

static int pipes_cmd[MAXPROC][2];  /* controller -> process */
static int pipes_resp[MAXPROC][2]; /* process -> controller */
/* One per trace: every trace process holds its write end and nobody else does, so it hangs up once they have all
 * exited, which wakes the controller once however many there were (kill_trace).  Relays end on it too (relay.h). */
static int gone_pipe[2] = {-1, -1};

static int w_idx;                 /* this process's index */
static int w_fd[MAXHANDLE];       /* handle -> fd, -1 if none */
static char w_name[NAME_MAX_BYTES + 1];
static sigjmp_buf w_jmp;

static void w_fault(int sig)
{
	siglongjmp(w_jmp, sig);
}

static void w_send(const struct resp *r)
{
	if (write_full(pipes_resp[w_idx][1], r, sizeof *r) < 0)
		_exit(3);
}

/* --plain-fork: forks are clone(SIGCHLD), and exits are seen in /proc (see the process model above) */
static int rt_plain_fork;

/* a trace process's fork: a raw clone that makes the child the controller's (see the process model above) */
static long w_fork(void)
{
	return syscall(SYS_clone, (long)(rt_plain_fork ? SIGCHLD : CLONE_PARENT | SIGCHLD), 0L, 0L, 0L, 0L);
}

/* every trace process runs this when it starts, as process idx */
static void w_start(int idx)
{
	w_idx = idx;
	/* Dies with the controller, its parent. A plain fork's child (--plain-fork) is its forker's, whose exit call must
	 * not take it along: it ends instead at end of input on its command pipe, once the controller is gone. */
	if (!rt_plain_fork || idx == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* w_start, then the hello the controller waits for */
static void w_hello(int idx)
{
	struct resp r;
	memset(&r, 0, sizeof r);
	w_start(idx);
	r.kind = RK_HELLO;
	r.pid = getpid();
	w_send(&r);
}

static void sc_result(long rc, struct resp *r)
{
	if (rc == -1) {
		r->err = errno ? errno : EIO;
		r->ret = -1;
	} else {
		r->ret = rc;
	}
}

static int w_fd_of(int h)
{
	if (h < 0 || h >= MAXHANDLE)
		return -1;
	return w_fd[h];
}

static long w_setcreds(uint64_t bytes, uint64_t ipc_lock)
{
	struct rlimit rl;
	rl.rlim_cur = bytes;
	rl.rlim_max = bytes;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -1;
	if (ipc_lock == 0) {
		struct __user_cap_header_struct h;
		struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
		memset(d, 0, sizeof d);
		h.version = _LINUX_CAPABILITY_VERSION_3;
		h.pid = 0;
		if (syscall(SYS_capget, &h, d) < 0)
			return -1;
		d[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
		d[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
		h.version = _LINUX_CAPABILITY_VERSION_3;
		h.pid = 0;
		if (syscall(SYS_capset, &h, d) < 0)
			return -1;
	}
	return 0;
}

static const char *name_ptr(const struct cmd *c)
{
	switch (c->namekind) {
	case NK_NULL:
		return NULL;
	case NK_BADPTR:
		return (const char *)1;
	case NK_PTR:
		return (const char *)(uintptr_t)c->a[3];
	default:
		memcpy(w_name, c->name, c->namelen);
		w_name[c->namelen] = 0;
		return w_name;
	}
}

/*
 * Every call starts with this CPU's folio batches drained. What this program does between calls (its own
 * allocations, frees and stack faults) would otherwise decide whether a batch still holds a trace's folio, and with it
 * whether a write fault reuses or copies a page. MADV_POPULATE_READ of a read-only page outside the arena drains them
 * on every kernel (faultin_page_range ends in lru_add_drain; since 6.14 an munmap or exit no longer drains). The page
 * is mapped by p0 at its first call, before the call runs, and forks inherit it. The model drains at the same point
 * (LinuxModel.Apply).
 */
static long drain_page = -1;

static void drain_cpu_batches(void)
{
	if (drain_page == -1)
		drain_page = syscall(SYS_mmap, 0L, 4096L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
	if (drain_page != -1)
		syscall(SYS_madvise, drain_page, 4096L, MADV_POPULATE_READ);
}

/* a mapping or move the kernel placed at rc (-1: none): unmapped and reported ESCAPED when [rc, rc + PAGE_ALIGN(len))
 * leaves the arena, so nothing outside the arena outlives the call */
static void unmap_escaped(long rc, uint64_t len, uint64_t base, uint64_t size, struct resp *r)
{
	uint64_t s = (uint64_t)rc, e = s + page_align(len);
	if (rc != -1 && (s < base || e < s || e > base + size)) {
		syscall(SYS_munmap, s, len);
		r->kind = RK_ESCAPED;
	}
}

/* one call other than fork and exit, made by this process with its arguments unchanged */
static void w_call(const struct cmd *cp, struct resp *r, uint64_t base, uint64_t size)
{
	static struct cmd c; /* static: keeps the stack small and unchanging */
	c = *cp;
	switch (c.op) {
	case OP_MMAP: {
		long fd = c.fdhandle < 0 ? -1 : w_fd_of(c.fdhandle);
		long rc = syscall(SYS_mmap, c.a[0], c.a[1], c.a[2], c.a[3], fd, c.a[4]);
		sc_result(rc, r);
		if (!(c.a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			unmap_escaped(rc, c.a[1], base, size, r);
		break;
	}
	case OP_MUNMAP:
		sc_result(syscall(SYS_munmap, c.a[0], c.a[1]), r);
		break;
	case OP_MREMAP: { /* a[] = addr old_len new_len flags new_addr */
		long rc = syscall(SYS_mremap, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
		sc_result(rc, r);
		unmap_escaped(rc, c.a[2], base, size, r); /* a move the kernel placed (MREMAP_MAYMOVE, a MREMAP_DONTUNMAP hint) */
		break;
	}
	case OP_MPROTECT:
		sc_result(syscall(SYS_mprotect, c.a[0], c.a[1], c.a[2]), r);
		break;
	case OP_MLOCK:
		sc_result(syscall(SYS_mlock, c.a[0], c.a[1]), r);
		break;
	case OP_MLOCK2:
		sc_result(syscall(SYS_mlock2, c.a[0], c.a[1], c.a[2]), r);
		break;
	case OP_MUNLOCK:
		sc_result(syscall(SYS_munlock, c.a[0], c.a[1]), r);
		break;
	case OP_MLOCKALL:
		sc_result(syscall(SYS_mlockall, c.a[0]), r);
		break;
	case OP_MUNLOCKALL:
		sc_result(syscall(SYS_munlockall), r);
		break;
	case OP_MADVISE:
		sc_result(syscall(SYS_madvise, c.a[0], c.a[1], c.a[2]), r);
		break;
	case OP_PRCTL: { /* a[] = arg2 addr len */
		const char *p = name_ptr(&c);
		sc_result(syscall(SYS_prctl, (long)PR_SET_VMA, c.a[0], c.a[1], c.a[2], p), r);
		break;
	}
	case OP_READ:
	case OP_WRITE:
	case OP_STORE: {
		volatile char *p = (volatile char *)(uintptr_t)c.a[0];
		int sig = sigsetjmp(w_jmp, 1);
		if (sig == 0) {
			if (c.op != OP_READ)
				*p = c.op == OP_STORE ? (char)c.a[1] : 1;
			else
				(void)*p;
			r->ret = 0;
		} else {
			r->kind = sig == SIGBUS ? RK_BUS : RK_SEGV;
		}
		break;
	}
	case OP_MEMFD_CREATE: {
		int fd = (int)syscall(SYS_memfd_create, "m", 0L);
		if (fd < 0) {
			sc_result(-1, r);
			break;
		}
		if (ftruncate(fd, (off_t)c.a[0]) < 0) {
			sc_result(-1, r);
			close(fd);
			break;
		}
		w_fd[c.aux] = fd;
		break;
	}
	case OP_FILE: {
		int fd = open(c.name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			sc_result(-1, r);
			break;
		}
		if (ftruncate(fd, (off_t)c.a[0]) < 0) {
			sc_result(-1, r);
			close(fd);
			break;
		}
		w_fd[c.aux] = fd;
		break;
	}
	case OP_SETCREDS:
		sc_result(w_setcreds(c.a[0], c.a[1]), r);
		break;
	default:
		if (!rt_extra_op || !rt_extra_op(&c, r)) {
			r->err = ENOSYS;
			r->ret = -1;
		}
		break;
	}
}

/* a trace process: SIGSEGV and SIGBUS become results, no handles yet */
static void w_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = w_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAXHANDLE; i++)
		w_fd[i] = -1;
}

static void worker(int idx, uint64_t base, uint64_t size) __attribute__((noreturn));
static void worker(int idx, uint64_t base, uint64_t size)
{
	static struct cmd c; /* static: keeps the stack small and unchanging */

	w_setup();
	if (rt_quiet_start)
		w_start(idx);
	else
		w_hello(idx);

	for (;;) {
		int rr = read_full(pipes_cmd[w_idx][0], &c, sizeof c);
		if (rr <= 0)
			_exit(rr == 0 ? 0 : 4);
		if (rt_worker_op && rt_worker_op(&c, base, size))
			continue;
		struct resp r;
		memset(&r, 0, sizeof r);
		r.kind = RK_VALUE;
		drain_cpu_batches();
		errno = 0;
		switch (c.op) {
		case OP_FORK: {
			long rc = w_fork();
			if (rc == 0)
				w_hello(c.aux); /* the child goes on in the loop as p<aux> */
			else {
				sc_result(rc, &r);
				r.pid = rc;
				w_send(&r);
			}
			continue;
		}
		case OP_EXIT:
			w_send(&r);
			_exit(0);
		default:
			w_call(&c, &r, base, size);
			break;
		}
		w_send(&r);
	}
}

/* ------------------------------------------------------------------ */
/* safety checks                                                       */
/* The executor checks a whole trace before any of it runs (check_trace);
 * a reproducer checks each call just before it runs (rt_call). */

static uint64_t task_size = 0x7ffffffff000ULL; /* probed by rt_probe */

static char reject_msg[256];

static int in_arena(const struct trace *t, uint64_t s, uint64_t len)
{
	uint64_t e, ae = t->base + t->size;
	if (__builtin_add_overflow(s, len, &e))
		return 0;
	return s >= t->base && e <= ae;
}

/*
 * Range rule.  [addr, addr+PAGE_ALIGN(len)) must lie in the arena, except
 * when the kernel refuses the call before touching any VMA: the rounded
 * length is 0 (len 0, or a "negative" len) or addr+len wraps.  For mmap
 * with MAP_FIXED* and munmap, an end above TASK_SIZE is refused as well;
 * madvise, prctl(PR_SET_VMA), mprotect and mlock* do not check TASK_SIZE
 * (madvise and PR_SET_VMA walk every VMA up to the end, the stack
 * included), so for them that exception does not apply.
 */
static int range_ok(const struct trace *t, uint64_t addr, uint64_t len, int tasksize_refused)
{
	uint64_t rl = page_align(len), end;
	if (rl == 0)
		return 1;
	if (__builtin_add_overflow(addr, rl, &end) || __builtin_add_overflow(addr, len, &end))
		return 1;
	if (tasksize_refused == 1 && addr + rl > task_size) /* mmap: rounded len */
		return 1;
	if (tasksize_refused == 2 && (addr > task_size || len > task_size - addr)) /* munmap */
		return 1;
	return in_arena(t, addr, rl);
}

/*
 * mremap's range rule (a[] = addr old_len new_len flags new_addr): refused before it touches a VMA when its flags or
 * lengths are invalid; otherwise addr (vma_lookup) and the old range lie in the arena, MREMAP_FIXED's destination too
 * (it is unmapped first, unless refused for alignment or TASK_SIZE), and a growth in place stays in the arena.  A move
 * the kernel places (MREMAP_MAYMOVE without MREMAP_FIXED, a MREMAP_DONTUNMAP hint) may land anywhere: the executor
 * unmaps it when it leaves the arena, as it does a mapping (ESCAPED).
 */
static int mremap_range_ok(const struct trace *t, const uint64_t *a)
{
	uint64_t addr = a[0], ol = page_align(a[1]), nl = page_align(a[2]), fl = a[3], na = a[4], end;
	if ((fl & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) || ((fl & MREMAP_FIXED) && !(fl & MREMAP_MAYMOVE)) ||
	    ((fl & MREMAP_DONTUNMAP) && (!(fl & MREMAP_MAYMOVE) || a[1] != a[2])) || (addr & (PAGE - 1)) || nl == 0)
		return 1;
	if (!in_arena(t, addr, PAGE))
		return 0;
	if (ol != 0 && !__builtin_add_overflow(addr, ol, &end) && !in_arena(t, addr, ol))
		return 0;
	if (fl & MREMAP_FIXED)
		return (na & (PAGE - 1)) || nl > task_size || na > task_size - nl || in_arena(t, na, nl);
	if (!(fl & MREMAP_DONTUNMAP) && nl > ol && !__builtin_add_overflow(addr, nl, &end))
		return in_arena(t, addr, nl);
	return 1;
}

/* the arena itself: page-aligned, non-empty, in user space */
static int check_arena(const struct trace *t)
{
	if (t->size == 0 || (t->base & (PAGE - 1)) || (t->size & (PAGE - 1)) || t->base == 0 ||
	    t->base + t->size < t->base || t->base + t->size > task_size) {
		snprintf(reject_msg, sizeof reject_msg,
			 "arena 0x%" PRIx64 " 0x%" PRIx64 " must be page-aligned, non-empty, in user space",
			 t->base, t->size);
		return -1;
	}
	return 0;
}

/* what the checks know of a trace's calls so far */
struct checker {
	int alive[MAXPROC], exists;
	unsigned handles[MAXPROC];
	int nhandles;
};

static void check_start(struct checker *k)
{
	memset(k, 0, sizeof *k);
	k->alive[0] = 1;
	k->exists = 1;
}

/* call i of trace t, after the calls before it went through check_call: 0 ok, -1 with reject_msg */
static int check_call(struct checker *k, const struct trace *t, const struct cmd *c, int i)
{
	int p = (int)c->proc, ok = 1;

	if (p < 0 || p >= MAXPROC || !k->alive[p]) {
		snprintf(reject_msg, sizeof reject_msg, "call %d: process p%d is not alive", i, p);
		return -1;
	}
	if (c->op >= OP_COUNT) /* the executor's own ops (sleep) */
		return 0;
	const struct opdesc *d = &opdesc[c->op];
	uint64_t a0 = c->a[d->addr], a1 = c->a[d->addr + 1];
	if (c->fdhandle >= 0 && (c->fdhandle >= MAXHANDLE || !(k->handles[p] & (1u << c->fdhandle)))) {
		snprintf(reject_msg, sizeof reject_msg, "call %d: p%d does not hold h%d", i, p, c->fdhandle);
		return -1;
	}
	switch (d->range) {
	case RANGE_MMAP: /* a[3] is mmap's flags */
		if (c->a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			ok = range_ok(t, a0, a1, 1);
		else
			ok = page_align(a1) == 0 || /* refused before any placement */
			     (a0 != 0 && a0 >= t->base && a0 < t->base + t->size);
		break;
	case RANGE_MUNMAP:
		ok = range_ok(t, a0, a1, 2);
		break;
	case RANGE_MREMAP:
		ok = mremap_range_ok(t, c->a);
		break;
	case RANGE_PLAIN:
		ok = range_ok(t, a0, a1, 0);
		break;
	case RANGE_MLOCK: {
		uint64_t off = a0 & (PAGE - 1), l2;
		if (__builtin_add_overflow(a1, off, &l2))
			ok = 1; /* PAGE_ALIGN(len+off) wraps to 0: refused */
		else
			ok = range_ok(t, a0 - off, l2, 0);
		break;
	}
	case RANGE_BYTE:
		ok = a0 >= t->base && a0 < t->base + t->size;
		break;
	default:
		break;
	}
	if (!ok) {
		snprintf(reject_msg, sizeof reject_msg,
			 "call %d: %s 0x%" PRIx64 " 0x%" PRIx64 " leaves the arena", i, d->name, a0, a1);
		return -1;
	}
	if (c->namekind == NK_PTR && !(c->a[3] >= t->base && c->a[3] < t->base + t->size)) {
		snprintf(reject_msg, sizeof reject_msg, "call %d: the name pointer 0x%" PRIx64 " is outside the arena", i, c->a[3]);
		return -1;
	}
	switch (d->effect) {
	case EFFECT_FORK:
		if (k->exists >= MAXPROC) {
			snprintf(reject_msg, sizeof reject_msg, "call %d: more than %d processes", i, MAXPROC);
			return -1;
		}
		k->alive[k->exists] = 1;
		k->handles[k->exists] = k->handles[p];
		k->exists++;
		break;
	case EFFECT_EXIT:
		k->alive[p] = 0;
		break;
	case EFFECT_NEW_HANDLE:
		if (k->nhandles >= MAXHANDLE) {
			snprintf(reject_msg, sizeof reject_msg, "call %d: more than %d handles", i, MAXHANDLE);
			return -1;
		}
		k->handles[p] |= 1u << k->nhandles;
		k->nhandles++;
		break;
	default:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* controller                                                          */

static int timeout_ms = 2000;

struct proc {
	int state; /* 0 never, 1 alive, 2 gone */
	pid_t pid;
	int smaps_fd; /* the controller's /proc/PID/smaps, open while the process lives; -1: not yet */
	uint32_t smaps_len; /* the length of its arena text at the controller's last read (read_blocks' hint) */
};

static struct proc procs[MAXPROC];
static pid_t pgid;
static char *rdbuf;
static size_t rdcap;

/*
 * Whether a "Label: ..." line's label is in list (",A,B,"); a line without one (an smaps block's header) always is,
 * and with no list no label is.  "option fields" and a conformance reproducer's comparison both ask.
 */
static int label_listed(const char *list, const char *l, size_t n)
{
	/* the list taken apart once: this runs for every smaps line, in the relay's process and again in the controller */
	static struct {
		const char *list;
		int n;
		uint8_t len[64];
		const char *at[64];
	} ls;
	size_t k = 0;
	while (k < n && k < 61 && l[k] != ':' && l[k] != ' ')
		k++;
	if (k >= n || l[k] != ':')
		return 1;
	if (!list)
		return 0;
	if (ls.list != list) {
		ls.list = list;
		ls.n = 0;
		/* a label of 62 bytes or more is no line's (k stops at 61) */
		for (const char *p = list + 1, *e; ls.n >= 0 && *p && (e = strchr(p, ',')); p = e + 1)
			if (e - p < 62) {
				if (ls.n == 64)
					ls.n = -1; /* too many to keep: the list is read each time */
				else {
					ls.len[ls.n] = (uint8_t)(e - p);
					ls.at[ls.n++] = p;
				}
			}
	}
	for (int i = 0; i < ls.n; i++)
		if (ls.len[i] == k && !memcmp(ls.at[i], l, k))
			return 1;
	if (ls.n < 0)
		for (const char *p = list + 1, *e; *p && (e = strchr(p, ',')); p = e + 1)
			if ((size_t)(e - p) == k && !memcmp(p, l, k))
				return 1;
	return 0;
}

/* "start-end ..." header? sets s/e */
static int parse_header(const char *l, uint64_t *s, uint64_t *e)
{
	uint64_t v = 0;
	int n = 0, h;
	while ((h = hexval(*l)) >= 0 && !(*l >= 'A' && *l <= 'F')) {
		v = v * 16 + (uint64_t)h;
		l++;
		n++;
	}
	if (!n || *l != '-')
		return 0;
	*s = v;
	l++;
	v = 0;
	n = 0;
	while ((h = hexval(*l)) >= 0 && !(*l >= 'A' && *l <= 'F')) {
		v = v * 16 + (uint64_t)h;
		l++;
		n++;
	}
	if (!n || *l != ' ')
		return 0;
	*e = v;
	return 1;
}

/*
 * The label of an smaps block's last line ("VmFlags:" on 6.12 and 6.18), probed by rt_probe from the executor's own
 * smaps; "" when unknown (a read then ends only at a header past the arena, or the end).
 */
static char rt_block_end[32];
static size_t rt_block_end_len; /* its length, kept so that a read asks no strlen (code a trace process would fault in) */

/*
 * Read /proc/PID/maps or smaps up to the first VMA that starts at or above stop, into *bufp (holding *capp bytes and a
 * NUL, grown if growable); returns the length read, -1 on an error, -2 when it does not fit and cannot grow.
 *
 * What a read costs is the blocks the kernel formats, and seq_read_iter formats blocks in address order until it has
 * as many bytes as asked, the last one often past the arena, where nothing is kept. So a read asks for little more
 * than the arena's text: *hint (when not NULL) holds the length this process's arena text had at the last read, the
 * first read asks for that much, the next ones for 512 bytes (under one block, so one block more at a time). A block
 * whose VMA reaches stop ends the text once its last line (rt_block_end) is in: no VMA can start below stop after it.
 * Otherwise the header of the first block past stop ends it, and what is read from there on is dropped. Built
 * static-pie, the executor keeps all of its own mappings (image, heap, stack, vdso) far above the arena AnonVma
 * generates (Trace.DefaultArenaBase), so only the arena's VMAs come first. Any arena still reads correctly; one among
 * the executor's mappings only reads more.
 */
static ssize_t read_blocks(int fd, char **bufp, size_t *capp, int growable, uint64_t stop, uint32_t *hint)
{
	size_t len = 0, scanned = 0, endlen = rt_block_end_len;
	uint64_t last_end = 0; /* the end of the VMA whose block is being read */
	char *buf = *bufp;
	for (;;) {
		size_t ask = hint && len < *hint ? *hint - len : 512;
		if (*capp - len < ask + 1) {
			if (growable) {
				size_t cap = *capp ? 2 * *capp : 1 << 20;
				while (cap - len < ask + 1)
					cap *= 2;
				buf = *bufp = dontfork_grow(*bufp, *capp ? *capp + PAGE : 0, cap + PAGE);
				*capp = cap;
			} else if (*capp - len >= 512 + 1) {
				ask = *capp - len - 1 < ask ? *capp - len - 1 : ask;
			} else {
				return -2;
			}
		}
		ssize_t r = read(fd, buf + len, ask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		for (char *nl; (nl = memchr(buf + scanned, '\n', len - scanned)); scanned = (size_t)(nl + 1 - buf)) {
			uint64_t s, e;
			if (parse_header(buf + scanned, &s, &e)) {
				if (s >= stop) {
					len = scanned;
					goto done;
				}
				last_end = e;
			} else if (endlen && last_end >= stop && (size_t)(nl - (buf + scanned)) >= endlen &&
				   memcmp(buf + scanned, rt_block_end, endlen) == 0) {
				len = (size_t)(nl + 1 - buf);
				goto done;
			}
		}
	}
done:
	buf[len] = 0;
	if (hint)
		*hint = (uint32_t)len;
	return (ssize_t)len;
}

/* the controller's reads, into rdbuf (grown as needed); hint as read_blocks has it */
static ssize_t slurp_fd(int fd, uint64_t stop, uint32_t *hint)
{
	return read_blocks(fd, &rdbuf, &rdcap, 1, stop, hint);
}

static ssize_t slurp(const char *path, uint64_t stop)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t len = slurp_fd(fd, stop, NULL);
	close(fd);
	return len;
}

/*
 * "/proc/<pid>/<leaf>" into out (64 bytes), formatted by hand: snprintf's code and tables lie in pages of the
 * executor that a new trace process would otherwise fault in (three faults, natively, of the 25 a trace process
 * takes) and map until it exits, for this one path.
 */
static void proc_path(char *out, pid_t pid, const char *leaf)
{
	char digits[16];
	int n = 0;
	unsigned v = (unsigned)pid;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	char *p = out, *end = out + 63;
	for (const char *s = "/proc/"; *s; s++)
		*p++ = *s;
	while (n)
		*p++ = digits[--n];
	*p++ = '/';
	while (*leaf && p < end)
		*p++ = *leaf++;
	*p = 0;
}

/* process pid's /proc/PID/smaps on the descriptor *fd keeps for it, opened on first use and rewound after (lseek to 0
 * makes seq_file begin anew); -1 if it cannot be */
static int smaps_rewound(int *fd, pid_t pid)
{
	if (*fd < 0) {
		char path[64];
		proc_path(path, pid, "smaps");
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		return *fd;
	}
	return lseek(*fd, 0, SEEK_SET) == 0 ? *fd : -1;
}

/* process idx's smaps from the start, on the controller's descriptor for it */
static ssize_t slurp_smaps(int idx, uint64_t stop)
{
	int fd = smaps_rewound(&procs[idx].smaps_fd, procs[idx].pid);
	return fd < 0 ? -1 : slurp_fd(fd, stop, &procs[idx].smaps_len);
}

/* a process that is gone no longer holds its mm (proc_mem_open's mmgrab) through the controller */
static void forget_smaps(int idx)
{
	if (procs[idx].smaps_fd >= 0)
		close(procs[idx].smaps_fd);
	procs[idx].smaps_fd = -1;
}

/* a growable byte buffer */
struct sbuf {
	char *buf;
	size_t len, cap;
};

/* Views are built in these, kept and reused for the controller's life, in MADV_DONTFORK memory: written after
 * every call, they would otherwise be pages each trace's p0 inherits and each write after its fork copies. */
static void sbuf_add(struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = page_align((b->len + n) * 2 + 4096);
		b->buf = dontfork_grow(b->buf, b->cap, cap);
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

/*
 * What a view keeps of one line of an smaps text: 0 nothing, 1 the line, 2 the line as a VMA's header (its maps line).
 * It keeps the blocks of the VMAs touching [ab, ae): their headers, and the lines rt_keep_line keeps ("option fields").
 * *inblock says, from one line to the next, whether the current block touches the range.
 */
static int view_line(const char *l, size_t n, uint64_t ab, uint64_t ae, int *inblock)
{
	uint64_t s, e;
	int header = parse_header(l, &s, &e);
	if (header)
		*inblock = s < ae && e > ab;
	if (!*inblock)
		return 0;
	return header ? 2 : !rt_keep_line || rt_keep_line(l, n);
}

/*
 * One process's view, from the text of its smaps (len -1: unreadable, an empty view): "O pN maps", the maps lines
 * touching the arena, "O pN smaps", the smaps lines of those VMAs, as "| " lines.  Both come from one read of
 * /proc/PID/smaps: each of its blocks starts with the VMA's maps line, which
 * show_smap prints with the same show_map_vma as /proc/PID/maps, and nothing runs between the two reads it replaces.
 */
static void observe_text(const struct trace *t, int idx, const char *text, ssize_t len, int compact, struct sbuf *out)
{
	static struct sbuf sm;
	char head[64];
	uint64_t ab = t->base, ae = t->base + t->size;
	int hn = snprintf(head, sizeof head, "O p%d maps\n", idx);
	sbuf_add(out, head, (size_t)hn);
	sm.len = 0;
	hn = snprintf(head, sizeof head, "O p%d smaps\n", idx);
	sbuf_add(&sm, head, (size_t)hn);
	int inblock = 0;
	for (const char *l = text; len > 0 && l < text + len;) {
		const char *nl = memchr(l, '\n', (size_t)(text + len - l));
		size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(text + len - l);
		/* a relay's text holds only the lines a view keeps (view_compact): its headers need telling apart only */
		uint64_t s, e;
		int kept = compact ? 1 + parse_header(l, &s, &e) : view_line(l, n, ab, ae, &inblock);
		if (kept) {
			sbuf_add(&sm, "| ", 2);
			sbuf_add(&sm, l, n);
			if (!n || l[n - 1] != '\n')
				sbuf_add(&sm, "\n", 1);
			if (kept == 2) {
				sbuf_add(out, "| ", 2);
				sbuf_add(out, l, n);
				if (!n || l[n - 1] != '\n')
					sbuf_add(out, "\n", 1);
			}
		}
		l += n;
	}
	sbuf_add(out, sm.buf, sm.len);
}

/* process idx's view, read by the controller now */
static void observe(const struct trace *t, int idx, struct sbuf *out)
{
	uint64_t t0 = now_ns();
	ssize_t len = slurp_smaps(idx, t->base + t->size);
	rt_ns_read += now_ns() - t0;
	observe_text(t, idx, rdbuf, len, 0, out);
}

/*
 * The executor's shortcut (rt_reuse_views, off in a reproducer): after a call that cannot change another process's
 * maps or smaps, another process's view is its last one, not read again.  A process's maps change only by its own
 * calls; its smaps also by another's calls that map, unmap, fault, lock or fork pages it shares (mapcounts: Pss,
 * Shared_*, Private_*) or that walk them (young bits: Referenced).  These calls do none of that: prctl(PR_SET_VMA)
 * changes only the caller's VMAs (anon_vma_name objects are immutable and refcounted), setcreds only its rlimit and
 * capabilities, memfd_create and file only create a file and a descriptor in it.  Not mprotect: making a VM_LOCKED
 * VMA writable populates it for write (mprotect_fixup), which breaks COW sharing with a fork.  "option fresh" reads
 * every process after every call; KernelViewTests hold the two to the same output on generated traces.  The executor
 * turns it off for a trace with MADV_FREE (executor.c, drain_shows_in).
 */
static int rt_reuse_views;
static struct sbuf rt_views[MAXPROC];

static int page_neutral(int op)
{
	return op < 0 || op == OP_PRCTL || op == OP_SETCREDS || op == OP_MEMFD_CREATE || op == OP_FILE;
}

/* what a relayed call's record says of a process's view (struct relay_rec), when not the length of its text */
#define VIEW_NONE 0xffffffffu   /* not live */
#define VIEW_REUSE 0xfffffffeu  /* unchanged by the call: the last one stands */
#define VIEW_UNREAD 0xfffffffdu /* the controller reads it (the relay stopped) */

/*
 * Every live process's view after a call by process caller (op -1: nothing ran).  texts: for a relayed call, what its
 * record says of each view (a length into text, or VIEW_*); NULL: the controller reads them now.
 */
static void observe_all(const struct trace *t, int gone_now, int caller, int op, const uint32_t *texts, const char *text)
{
	static struct sbuf v; /* rt_print_view may swap it for a buffer of its own */
	for (int i = 0; i < MAXPROC; i++) {
		if (procs[i].state == 1) {
			v.len = 0;
			uint32_t tl = texts ? texts[i] : VIEW_UNREAD;
			if (tl == VIEW_REUSE || (!texts && rt_reuse_views && i != caller && rt_views[i].len && page_neutral(op))) {
				sbuf_add(&v, rt_views[i].buf, rt_views[i].len);
			} else {
				if (tl == VIEW_UNREAD || tl == VIEW_NONE) {
					observe(t, i, &v);
				} else {
					observe_text(t, i, text, tl, 1, &v);
					text += tl;
				}
				if (rt_reuse_views) {
					rt_views[i].len = 0;
					sbuf_add(&rt_views[i], v.buf, v.len);
				}
			}
			uint64_t t0 = now_ns();
			if (rt_print_view)
				rt_print_view(i, &v);
			else
				fwrite(v.buf, 1, v.len, stdout);
			rt_ns_out += now_ns() - t0;
		} else if (i == gone_now) {
			printf("O p%d gone\n", i);
		}
	}
}

static int proc_of_pid(pid_t pid)
{
	for (int i = 0; i < MAXPROC; i++)
		if (procs[i].state && procs[i].pid == pid)
			return i;
	return -1;
}

static char fail_msg[128];

/* describe how a trace process died */
static void describe_death(pid_t pid, int st, int pending_child)
{
	int i = proc_of_pid(pid);
	char who[16];
	if (i >= 0) {
		procs[i].state = 3; /* reaped */
		forget_smaps(i);
	}
	if (i < 0 && pending_child >= 0)
		i = pending_child;
	if (i >= 0)
		snprintf(who, sizeof who, "p%d", i);
	else
		snprintf(who, sizeof who, "p?");
	if (st < 0)
		snprintf(fail_msg, sizeof fail_msg, "crash %s gone", who);
	else if (WIFSIGNALED(st))
		snprintf(fail_msg, sizeof fail_msg, "crash %s %s", who, signal_name(WTERMSIG(st)));
	else
		snprintf(fail_msg, sizeof fail_msg, "crash %s exit%d", who, WEXITSTATUS(st));
	const char *note = rt_death_note && st >= 0 ? rt_death_note(st) : NULL;
	if (note)
		snprintf(fail_msg + strlen(fail_msg), sizeof fail_msg - strlen(fail_msg), " %s", note);
}

/*
 * Whether process pid, not ours to wait for (--plain-fork), has exited: a zombie, or gone.  *status is then its wait
 * status from the exit_code field of /proc/PID/stat (the 52nd), or -1 where that is not given (gone, or a 0, which a
 * trace process never exits with on its own).
 */
static int stat_gone(pid_t pid, int *status)
{
	char path[64], buf[1024];
	*status = -1;
	proc_path(path, pid, "stat");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	char *q = strrchr(buf, ')');
	if (!q || q[1] != ' ' || (q[2] != 'Z' && q[2] != 'X'))
		return 0;
	char *f = q + 2; /* field 3, the state */
	for (int k = 3; k < 52 && f; k++)
		if ((f = strchr(f, ' ')))
			f++;
	if (f && *f >= '1' && *f <= '9')
		*status = atoi(f);
	return 1;
}

/* whether process pid, not ours to wait for, has exited before the deadline */
static int wait_gone(pid_t pid, int64_t deadline)
{
	int st;
	while (!stat_gone(pid, &st)) {
		if (now_ms() >= deadline)
			return 0;
		usleep(1000);
	}
	return 1;
}

/* an unexpected death of any trace process? */
static int check_deaths(int pending_child)
{
	int st;
	pid_t w = waitpid(-pgid, &st, WNOHANG);
	if (w > 0) {
		describe_death(w, st, pending_child);
		return -1;
	}
	return 0;
}

/* a process that died right after answering (normally: the exit call) */
static pid_t early_pid;
static int early_status;

/* read what is already in the pipe; 1 if the response is complete */
static int drain(int idx, struct resp *r, size_t *got)
{
	for (;;) {
		struct pollfd pf = {pipes_resp[idx][0], POLLIN, 0};
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
			return 0;
		ssize_t n = read(pipes_resp[idx][0], (char *)r + *got, sizeof *r - *got);
		if (n <= 0)
			return 0;
		*got += (size_t)n;
		if (*got == sizeof *r)
			return 1;
	}
}

/*
 * Wait for one response from process idx.  0 ok; -1 failure with fail_msg
 * set ("timeout N" or "crash ...").  If idx died just after answering, the
 * response counts and early_pid/early_status say so.
 */
static int get_resp(int idx, struct resp *r, int callidx, int pending_child)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;
	for (;;) {
		struct pollfd pf = {pipes_resp[idx][0], POLLIN, 0};
		int64_t left = deadline - now_ms();
		if (left < 0)
			left = 0;
		int pr = poll(&pf, 1, left > 20 ? 20 : (int)left);
		if (pr > 0) {
			ssize_t n = read(pipes_resp[idx][0], (char *)r + got, sizeof *r - got);
			if (n > 0) {
				got += (size_t)n;
				if (got == sizeof *r)
					return 0;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			/* EOF cannot normally happen (write ends are shared) */
		} else if (pr < 0 && errno == EINTR) {
			continue;
		}
		int st;
		pid_t w = waitpid(-pgid, &st, WNOHANG);
		if (w > 0) {
			if (w == procs[idx].pid && drain(idx, r, &got)) {
				early_pid = w;
				early_status = st;
				return 0;
			}
			describe_death(w, st, pending_child);
			return -1;
		}
		/* a plain fork's child is its forker's: its death shows in /proc only */
		for (int i = 1; rt_plain_fork && i < MAXPROC; i++)
			if (procs[i].state == 1 && stat_gone(procs[i].pid, &st)) {
				if (i == idx && drain(idx, r, &got)) {
					early_pid = procs[i].pid;
					early_status = st;
					return 0;
				}
				describe_death(procs[i].pid, st, pending_child);
				return -1;
			}
		if (now_ms() >= deadline) {
			snprintf(fail_msg, sizeof fail_msg, "timeout %d", callidx);
			return -1;
		}
	}
}

/* reads and drops whatever a pipe's read end holds, without waiting */
static void drain_fd(int fd)
{
	char junk[512];
	struct pollfd pf = {fd, POLLIN, 0};
	while (poll(&pf, 1, 0) > 0 && (pf.revents & POLLIN) && read(fd, junk, sizeof junk) > 0)
		;
}

/*
 * The pipes outlive a trace: the next one reuses them (sixteen pipe() and thirty-two close() fewer per trace, dear
 * under emulation) once they are empty again.  Every process that held them is reaped by then (kill_trace), so what
 * is left is only what a dead process never read or the controller never took.
 */
static void empty_pipes(void)
{
	for (int i = 0; i < MAXPROC; i++) {
		drain_fd(pipes_resp[i][0]);
		drain_fd(pipes_cmd[i][0]);
	}
}

static void close_pipes(void)
{
	for (int i = 0; i < MAXPROC; i++)
		for (int j = 0; j < 2; j++) {
			if (pipes_cmd[i][j] >= 0)
				close(pipes_cmd[i][j]);
			if (pipes_resp[i][j] >= 0)
				close(pipes_resp[i][j]);
			pipes_cmd[i][j] = pipes_resp[i][j] = -1;
		}
}

/* until gone_pipe hangs up (every trace process has exited), or for at most ms; what was written to it is dropped */
static void wait_hangup(int ms)
{
	int64_t deadline = now_ms() + ms;
	for (;;) {
		struct pollfd pf = {gone_pipe[0], POLLIN, 0};
		int64_t left = deadline - now_ms();
		int pr = poll(&pf, 1, left < 0 ? 0 : (int)left);
		if (pr > 0 && (pf.revents & POLLIN)) {
			char junk[64];
			if (read(gone_pipe[0], junk, sizeof junk) > 0)
				continue;
		}
		if ((pr > 0 && (pf.revents & (POLLHUP | POLLERR))) || (pr == 0 && left <= 0) || (pr < 0 && errno != EINTR))
			return;
	}
}

/*
 * Kill and reap every process of the trace.  All of them are our children
 * in process group pgid, so the group exists (and is ours) exactly while
 * waitpid(-pgid, WNOHANG) does not say ECHILD: never signal a group id
 * that may have been recycled.  Killed, they are waited for on gone_pipe
 * (one wake-up) before they are reaped.
 */
static void kill_trace(void)
{
	int st, hung = gone_pipe[0] < 0;
	if (pgid > 0)
		for (;;) {
			pid_t w = waitpid(-pgid, &st, WNOHANG);
			if (w > 0)
				continue;
			if (w == 0) {
				kill(-pgid, SIGKILL);
				if (!hung) {
					wait_hangup(timeout_ms);
					hung = 1;
					continue;
				}
				w = waitpid(-pgid, &st, 0);
				continue;
			}
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left */
		}
	pgid = 0;
	/* The controller's smaps descriptors hold each mm (proc_mem_open's mmgrab): closed now, every mm of the trace is
	 * freed, and what check_mm logs then ("Bad rss-counter") falls in the trace's kernel log (option kmsg), not after it. */
	for (int i = 0; i < MAXPROC; i++)
		forget_smaps(i);
	if (gone_pipe[0] >= 0)
		close(gone_pipe[0]);
	gone_pipe[0] = -1;
}

static char tmpdir[16];

static void file_path(char *out, size_t n, int tracenum, int h)
{
	snprintf(out, n, "%s/anonvma-exec.%d.%d.h%d", tmpdir, (int)getpid(), tracenum, h);
}

/* the trace being run: trace_begin, then trace_call for each call, then trace_end */
static struct {
	const struct trace *t;
	int tracenum;
	int active;   /* begun, and neither ended nor failed */
	int callidx;  /* the next call's index */
	int nprocs, nhandles, nfiles;
	int fileh[MAXHANDLE];
} run;

/* after the trace's last line (its processes all reaped): remove its files; the pipes stay for the next trace */
static void trace_cleanup(void)
{
	run.active = 0;
	for (int i = 0; i < run.nfiles; i++) {
		char path[NAME_MAX_BYTES];
		file_path(path, sizeof path, run.tracenum, run.fileh[i]);
		unlink(path);
	}
	run.nfiles = 0;
	uint64_t t0 = now_ns();
	fflush(stdout);
	rt_ns_out += now_ns() - t0;
}

/* the trace ends with "T <id> timeout|crash ..." (fail_msg) */
static int trace_fail(void)
{
	kill_trace();
	if (rt_trace_done && run.active) /* K lines belong to a begun trace; otherwise the next trace's start skips them */
		rt_trace_done();
	printf("T %s %s\n", run.t->id, fail_msg);
	trace_cleanup();
	return -1;
}

/* the trace ends with "T <id> rejected <reject_msg>" */
static int trace_reject(void)
{
	kill_trace();
	printf("T %s rejected %s\n", run.t->id, reject_msg);
	trace_cleanup();
	return -1;
}

/*
 * Whether nothing of the controller's is mapped in the arena, so nothing is in p0's, a fork of it (dup_mmap copies
 * every VMA but MADV_DONTFORK ones): a placement that may not replace anything says so in two calls, where reading
 * p0's maps costs an open of a new /proc directory (0.3 ms under emulation).  0: mapped, or not known (a kernel
 * without MAP_FIXED_NOREPLACE takes it for a hint), and p0's maps decide.
 */
static int arena_free_here(const struct trace *t)
{
	void *p = mmap((void *)(uintptr_t)t->base, t->size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, t->size);
	return p == (void *)(uintptr_t)t->base;
}

/*
 * Starts p0 and checks that the arena is empty in it, then prints
 * "T <id> begin": 0.  Otherwise the trace's last line is printed: -1.
 */
static int trace_begin(const struct trace *t, int tracenum)
{
	struct resp r;

	memset(&run, 0, sizeof run);
	run.t = t;
	run.tracenum = tracenum;
	run.nprocs = 1;
	memset(procs, 0, sizeof procs);
	for (int i = 0; i < MAXPROC; i++) {
		procs[i].smaps_fd = -1;
		rt_views[i].len = 0;
	}
	if (rt_trace_start)
		rt_trace_start();
	/* the pipes are all open (an earlier trace's) or all closed (close_pipes undoes a partial set) */
	if (pipes_cmd[0][0] >= 0)
		empty_pipes();
	else
		for (int i = 0; i < MAXPROC; i++) {
			if (pipe(pipes_cmd[i]) < 0 || pipe(pipes_resp[i]) < 0) {
				printf("T %s rejected pipe: %s\n", t->id, strerror(errno));
				close_pipes();
				return -1;
			}
		}
	if (pipe(gone_pipe) < 0) {
		printf("T %s rejected pipe: %s\n", t->id, strerror(errno));
		return -1;
	}
	int arena_free = arena_free_here(t);
	procs[0].state = 1;
	if (arena_free && rt_first_calls)
		rt_first_calls();
	fflush(NULL);
	uint64_t base = t->base, size = t->size; /* t is not inherited (dontfork_grow) */
	/* p0 as a raw clone, like every other trace process: glibc's fork() would add its own work on both sides (fork
	 * handlers, lock resets, the child's TID written and a robust list registered), each one more fault or system
	 * call in every trace, none of it the trace's */
	pid_t pid = (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	if (pid < 0) {
		printf("T %s rejected fork: %s\n", t->id, strerror(errno));
		close_pipes();
		close(gone_pipe[0]);
		close(gone_pipe[1]);
		gone_pipe[0] = gone_pipe[1] = -1;
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		close(gone_pipe[0]);
		for (int i = 0; i < MAXPROC; i++) {
			if (!rt_keep_cmd_pipes) {
				close(pipes_cmd[i][1]);
				pipes_cmd[i][1] = -1;
			}
			close(pipes_resp[i][0]);
			pipes_resp[i][0] = -1;
		}
		if (rt_child_hook)
			rt_child_hook();
		worker(0, base, size);
	}
	setpgid(pid, pid);
	close(gone_pipe[1]);
	gone_pipe[1] = -1;
	pgid = pid;
	procs[0].pid = pid;
	early_pid = 0;
	if (!rt_quiet_start && get_resp(0, &r, -1, -1) < 0)
		return trace_fail();
	if (early_pid) {
		describe_death(early_pid, early_status, -1);
		return trace_fail();
	}

	/* the arena must be empty (p0 maps nothing as it starts: with rt_quiet_start it may not have run yet); p0's maps
	 * are read only when the controller's own arena was not free */
	char path[64];
	proc_path(path, pid, "maps");
	ssize_t len = arena_free ? 0 : slurp(path, t->base + t->size);
	if (len < 0) {
		snprintf(reject_msg, sizeof reject_msg, "cannot read %s", path);
		return trace_reject();
	}
	for (char *l = rdbuf; l < rdbuf + len;) {
		char *nl = memchr(l, '\n', (size_t)(rdbuf + len - l));
		size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(rdbuf + len - l);
		uint64_t s, e;
		if (parse_header(l, &s, &e) && s < t->base + t->size && e > t->base) {
			snprintf(reject_msg, sizeof reject_msg,
				 "arena is not empty: %" PRIx64 "-%" PRIx64 " is mapped", s, e);
			return trace_reject();
		}
		l += n;
	}

	printf("T %s begin\n", t->id);
	run.active = 1;
	return 0;
}

/* before a call is sent: the index of the process a fork makes, or of the handle a memfd or file makes (and its path) */
static void prepare_call(struct cmd *c)
{
	if (c->op == OP_FORK) {
		c->aux = run.nprocs++; /* the index is used up whether or not the fork succeeds */
	} else if (c->op < OP_COUNT && opdesc[c->op].effect == EFFECT_NEW_HANDLE) {
		c->aux = run.nhandles++;
		if (c->op == OP_FILE) {
			file_path(c->name, sizeof c->name, run.tracenum, c->aux);
			run.fileh[run.nfiles++] = c->aux;
		}
	}
}

/* a call's "C" line */
static void print_result(int callidx, const struct cmd *c, const struct resp *r)
{
	printf("C %d p%u ", callidx, c->proc);
	if ((c->op == OP_READ || c->op == OP_WRITE || c->op == OP_STORE) && r->kind != RK_VALUE)
		puts(r->kind == RK_BUS ? "SIGBUS" : "SIGSEGV");
	else if (r->err)
		puts(errno_name(r->err));
	else if (r->kind == RK_ESCAPED)
		puts("ESCAPED");
	else if (c->op == OP_MMAP || c->op == OP_MREMAP)
		printf("0x%" PRIx64 "\n", (uint64_t)r->ret);
	else if (c->op == OP_FORK)
		printf("p%d\n", c->aux);
	else if (c->op < OP_COUNT && opdesc[c->op].effect == EFFECT_NEW_HANDLE)
		printf("h%d\n", c->aux);
	else if (c->op == OP_READ || c->op == OP_WRITE || c->op == OP_STORE || c->op == OP_EXIT)
		puts("ok");
	else
		printf("%" PRId64 "\n", r->ret);
}

/*
 * Runs the next call in its process and prints its "C" line and every
 * process's view: 0.  If a process times out or dies, the trace's last line
 * is printed: -1.
 */
static int trace_call(const struct cmd *call)
{
	static struct cmd c;
	const struct trace *t = run.t;
	struct resp r;
	int callidx = run.callidx++;
	int p, gone_now = -1, pending = -1;

	memcpy(&c, call, sizeof c);
	p = (int)c.proc;
	early_pid = 0;
	if (procs[p].state != 1) { /* an earlier fork failed */
		printf("C %d p%d noproc\n", callidx, p);
		observe_all(t, -1, -1, -1, NULL, NULL);
		return 0;
	}
	prepare_call(&c);
	if (c.op == OP_FORK)
		pending = c.aux;
	uint64_t t0 = now_ns();
	if (write_full(pipes_cmd[p][1], &c, sizeof c) < 0) {
		if (check_deaths(-1) < 0)
			return trace_fail();
		snprintf(fail_msg, sizeof fail_msg, "crash p%d EPIPE", p);
		return trace_fail();
	}
	if (get_resp(p, &r, callidx, pending) < 0)
		return trace_fail();
	rt_ns_call += now_ns() - t0;

	print_result(callidx, &c, &r);

	if (c.op == OP_FORK && !r.err) {
		procs[c.aux].state = 1;
		procs[c.aux].pid = (pid_t)r.pid;
		struct resp h;
		if (get_resp(c.aux, &h, callidx, c.aux) < 0)
			return trace_fail();
	} else if (c.op == OP_EXIT) {
		int st;
		int64_t deadline = now_ms() + timeout_ms;
		pid_t w = early_pid;
		if (w == procs[p].pid)
			early_pid = 0;
		else if (rt_plain_fork && p != 0)
			w = wait_gone(procs[p].pid, deadline) ? procs[p].pid : -1;
		else
			while ((w = waitpid(procs[p].pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
				usleep(1000);
		if (w != procs[p].pid) {
			snprintf(fail_msg, sizeof fail_msg, "timeout %d", callidx);
			return trace_fail();
		}
		procs[p].state = 2;
		forget_smaps(p);
		gone_now = p;
	}
	if (early_pid) {
		describe_death(early_pid, early_status, -1);
		return trace_fail();
	}
	if (check_deaths(-1) < 0)
		return trace_fail();
	observe_all(t, gone_now, p, (int)c.op, NULL, NULL);
	return 0;
}

/* "T <id> end", after the last call */
static void trace_end(void)
{
	kill_trace();
	if (rt_trace_done)
		rt_trace_done();
	printf("T %s end\n", run.t->id);
	trace_cleanup();
}

/* the CPU the executor's trace processes run on (--cpu), or -1: the one it starts on */
static int rt_cpu = -1;

/* before anything else: no pipes open, stdout fully buffered, SIGPIPE ignored */
static void rt_init(void)
{
	char *outbuf = dontfork_grow(NULL, 0, 1 << 16);
	for (int i = 0; i < MAXPROC; i++)
		pipes_cmd[i][0] = pipes_cmd[i][1] = pipes_resp[i][0] = pipes_resp[i][1] = -1;
	setvbuf(stdout, outbuf, _IOFBF, 1 << 16);
	signal(SIGPIPE, SIG_IGN);
	if (rt_plain_fork) /* a dead forker's children come back here, to be reaped with their trace (where supported) */
		prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
	/* Every process of a trace on one CPU (forks inherit the mask): the kernel's per-CPU LRU and mlock batches,
	 * which decide whether a write fault may reuse a page, are then one set, as the model keeps them. The CPU the
	 * program starts on, so that executors running side by side stay spread over the cores. */
	int cpu = rt_cpu >= 0 ? rt_cpu : sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	/* SCHED_BATCH (forks inherit it): a process woken does not preempt the one running, which goes on until it
	 * blocks (check_preempt_wakeup_fair returns before any preemption for a woken task whose policy is not normal).
	 * Otherwise p0, woken by its fork, preempts the controller before the controller has gone to wait, and the
	 * controller takes the CPU back at the next tick, in the middle of p0's calls: two more context switches a trace,
	 * each a full TLB flush under emulation, and the controller's copy-on-write faults after the fork (folios added
	 * to this CPU's LRU batch) at an unknown point among p0's calls.  Where the policy cannot be set, nothing else
	 * changes. */
	struct sched_param sp = {0};
	sched_setscheduler(0, SCHED_BATCH, &sp);
}

/* before the first trace: TASK_SIZE, and where "file" creates its files */
static void rt_probe(void)
{
	/* x86-64: TASK_SIZE is 0x7ffffffff000 with 4-level paging; with
	 * 5-level paging munmap above 47 bits is allowed, so probe it. */
	if (syscall(SYS_munmap, 0x800000000000UL, 4096UL) == 0)
		task_size = 0xfffffffffff000ULL;

	/* "file" makes a linked tmpfs file on every kernel (the model's regular file): a disk filesystem would read
	 * ahead on the first fault and ask for write notification, which the model does not follow. /dev/shm natively,
	 * the root under QEMU (the initramfs root is tmpfs, and has no /tmp). */
	struct statfs fs;
	struct stat sb;
	const char *dir = stat("/tmp", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/tmp" : ""; /* "" is the initramfs root */
	if (statfs("/dev/shm", &fs) == 0 && fs.f_type == 0x01021994 /* TMPFS_MAGIC */)
		dir = "/dev/shm";
	snprintf(tmpdir, sizeof tmpdir, "%s", dir);

	/* rt_block_end: the label of the line just before the second block's header in this program's own smaps */
	ssize_t len = slurp("/proc/self/smaps", ~0ULL);
	int headers = 0;
	const char *prev = NULL;
	for (const char *l = rdbuf; len > 0 && l < rdbuf + len;) {
		const char *nl = memchr(l, '\n', (size_t)(rdbuf + len - l));
		if (!nl)
			break;
		uint64_t s, e;
		if (parse_header(l, &s, &e) && ++headers == 2) {
			const char *colon = prev ? memchr(prev, ':', (size_t)(l - prev)) : NULL;
			if (colon && (size_t)(colon + 1 - prev) < sizeof rt_block_end) {
				memcpy(rt_block_end, prev, (size_t)(colon + 1 - prev));
				rt_block_end_len = (size_t)(colon + 1 - prev);
			}
			break;
		}
		prev = l;
		l = nl + 1;
	}
}

/* ------------------------------------------------------------------ */
/* reproducers: one trace as straight-line C                           */
/*
 *	int main(void)
 *	{
 *		BEGIN("id", arena_base, arena_size);
 *		CALL(0, sys_mmap(...));
 *		...
 *		return END();
 *	}
 *
 * main() is the controller.  BEGIN starts p0 and prints "T <id> begin".
 * CALL(p, call) sends the call down process p's pipe; p makes it with its
 * arguments unchanged (raw syscall()s, see worker() above), and main prints
 * the result and the maps and smaps of every live process, exactly as the
 * executor does.  END prints "T <id> end".
 *
 * Each call is checked against the executor's safety rules just before it
 * runs.  One that breaks them ends the trace with "T <id> rejected <why>"
 * (the executor refuses such a trace whole, before running any of it).  After
 * a timeout or a crash ("T <id> timeout|crash ..."), the remaining CALLs do
 * nothing.
 */

static struct trace rt_trace __attribute__((unused));
static struct checker rt_checker __attribute__((unused));

#define BEGIN(id, base, size) rt_begin((id), (base), (size))
#define CALL(p, call) rt_call((p), (call))
#define END() rt_end()
#define EXPECT(linux_output, fields) rt_expect((linux_output), (fields))

static inline void rt_begin(const char *id, uint64_t base, uint64_t size)
{
	rt_init();
	rt_probe();
	memset(&rt_trace, 0, sizeof rt_trace);
	rt_trace.id = id;
	rt_trace.has_arena = 1;
	rt_trace.base = base;
	rt_trace.size = size;
	check_start(&rt_checker);
	if (check_arena(&rt_trace) < 0) {
		printf("T %s rejected %s\n", id, reject_msg);
		fflush(stdout);
		return;
	}
	trace_begin(&rt_trace, 0);
}

static inline void rt_call(int p, struct cmd c)
{
	if (!run.active)
		return;
	c.proc = (uint32_t)p;
	if (check_call(&rt_checker, &rt_trace, &c, run.callidx) < 0) {
		trace_reject();
		return;
	}
	trace_call(&c);
}

/*
 * A reproducer made for a re-implementation of Linux carries Linux's own output for the trace (EXPECT, before
 * BEGIN): its output is held back until END, printed, and then compared with Linux's on the results ("C" lines),
 * the arena's maps lines and the smaps lines of the fields listed (",Rss,Pss,"), a file's device and inode numbers and
 * path left aside.  It ends with a line saying whether it agrees with Linux, or where it first differs, and END
 * returns 1 on a difference.
 */
static const char *rt_expected, *rt_fields;
static int rt_stdout = -1, rt_held = -1;

static inline void rt_expect(const char *linux_output, const char *fields)
{
	fflush(stdout);
	rt_held = (int)syscall(SYS_memfd_create, "output", 0L);
	rt_stdout = rt_held < 0 ? -1 : dup(1);
	if (rt_held < 0 || rt_stdout < 0 || dup2(rt_held, 1) < 0) {
		fprintf(stderr, "reproducer: cannot hold the output back: %s\n", strerror(errno));
		exit(2);
	}
	rt_expected = linux_output;
	rt_fields = fields;
	rt_plain_fork = 1; /* forks as the re-implementation's judge makes them (--plain-fork) */
}

/* the next compared line of an output from *p on (advancing *p), normalised into out; 0 at the end.  *section: 0
 * outside a view, 1 in "O pN maps", 2 in "O pN smaps" */
static int rt_next_compared(const char **p, int *section, char *out, size_t cap)
{
	while (**p) {
		const char *l = *p, *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		*p = nl ? nl + 1 : l + n;
		if (n >= 2 && l[0] == 'O' && l[1] == ' ') {
			*section = n > 5 && !strncmp(l + n - 5, " maps", 5) ? 1 : n > 6 && !strncmp(l + n - 6, " smaps", 6) ? 2 : 0;
			if (!*section)
				continue;
		} else if (n >= 2 && l[0] == 'C' && l[1] == ' ') {
			*section = 0;
		} else if (!(*section && n >= 2 && l[0] == '|') || (*section == 2 && !label_listed(rt_fields, l + 2, n - 2))) {
			continue;
		}
		if (n >= cap)
			n = cap - 1;
		memcpy(out, l, n);
		out[n] = 0;
		/* "| start-end perms offset dev inode path": a file's dev, inode and path differ from machine to machine */
		uint64_t hs, he;
		if (out[0] == '|' && n > 2 && !parse_header(out + 2, &hs, &he)) {
			/* an smaps field: "Rss:    4 kB", its padding left aside */
			char *w = out;
			for (const char *r = out; *r; r++)
				if (*r != ' ' || (w > out && w[-1] != ' '))
					*w++ = *r;
			*w = 0;
		} else if (out[0] == '|') {
			char *f[6];
			int k = 0;
			for (char *q = out + 1; k < 6 && *q;) {
				while (*q == ' ')
					q++;
				if (!*q)
					break;
				f[k++] = q;
				while (*q && *q != ' ')
					q++;
			}
			if (k >= 5 && strncmp(f[4], "0", 1) == 0 && (f[4][1] == ' ' || !f[4][1]))
				; /* anonymous: compared whole, its [anon:NAME] included */
			else if (k >= 4)
				strcpy(f[3], "(file)");
		}
		return 1;
	}
	return 0;
}

static int rt_compare_with_linux(const char *ours)
{
	static char a[512], b[512];
	const char *p = rt_expected, *q = ours;
	int ma = 0, mb = 0, last_call = -1;
	for (;;) {
		int ha = rt_next_compared(&p, &ma, a, sizeof a), hb = rt_next_compared(&q, &mb, b, sizeof b);
		if (!ha && !hb) {
			printf("AGREES with Linux: every result, and the arena's maps and compared smaps after every call\n");
			return 0;
		}
		if (ha && hb && !strcmp(a, b)) {
			if (a[0] == 'C')
				last_call = atoi(a + 2);
			continue;
		}
		printf("DIFFERS from Linux after call %d:\n  Linux: %s\n  here:  %s\n", last_call, ha ? a : "(nothing more)", hb ? b : "(nothing more)");
		return 1;
	}
}

static inline int rt_end(void)
{
	if (run.active)
		trace_end();
	fflush(stdout);
	if (!rt_expected)
		return 0;
	/* the held output back on the real stdout, then the verdict */
	off_t len = lseek(rt_held, 0, SEEK_END);
	char *ours = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (!ours || pread(rt_held, ours, (size_t)len, 0) != len) {
		fprintf(stderr, "reproducer: cannot read the held output back\n");
		return 2;
	}
	ours[len] = 0;
	dup2(rt_stdout, 1);
	fwrite(ours, 1, (size_t)len, stdout);
	int rc = rt_compare_with_linux(ours);
	fflush(stdout);
	free(ours);
	return rc;
}

/* a reproducer's own mistake, e.g. a name longer than the executor takes */
static inline void rt_usage_error(const char *what)
{
	fflush(stdout);
	fprintf(stderr, "reproducer: %s\n", what);
	exit(2);
}

static inline struct cmd rt_cmd(enum op op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct cmd c;
	memset(&c, 0, sizeof c);
	c.op = op;
	c.fdhandle = -1;
	c.aux = -1;
	c.a[0] = a0;
	c.a[1] = a1;
	c.a[2] = a2;
	return c;
}

/* the calls, named after what the trace process does; fd: -1 or HANDLE(n) for hN */
#define HANDLE(n) (-2 - (n))

static inline struct cmd sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int fd,
				  uint64_t off)
{
	struct cmd c = rt_cmd(OP_MMAP, addr, len, prot);
	if (fd >= 0)
		rt_usage_error("sys_mmap: the fd is -1 or HANDLE(n)");
	c.fdhandle = fd == -1 ? -1 : -2 - fd;
	c.a[3] = flags;
	c.a[4] = off;
	return c;
}

static inline struct cmd sys_munmap(uint64_t addr, uint64_t len)
{
	return rt_cmd(OP_MUNMAP, addr, len, 0);
}

static inline struct cmd sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	struct cmd c = rt_cmd(OP_MREMAP, addr, old_len, new_len);
	c.a[3] = flags;
	c.a[4] = new_addr;
	return c;
}

static inline struct cmd sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	return rt_cmd(OP_MPROTECT, addr, len, prot);
}

static inline struct cmd sys_mlock(uint64_t addr, uint64_t len)
{
	return rt_cmd(OP_MLOCK, addr, len, 0);
}

static inline struct cmd sys_mlock2(uint64_t addr, uint64_t len, uint64_t flags)
{
	return rt_cmd(OP_MLOCK2, addr, len, flags);
}

static inline struct cmd sys_munlock(uint64_t addr, uint64_t len)
{
	return rt_cmd(OP_MUNLOCK, addr, len, 0);
}

static inline struct cmd sys_mlockall(uint64_t flags)
{
	return rt_cmd(OP_MLOCKALL, flags, 0, 0);
}

static inline struct cmd sys_munlockall(void)
{
	return rt_cmd(OP_MUNLOCKALL, 0, 0, 0);
}

static inline struct cmd sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	return rt_cmd(OP_MADVISE, addr, len, advice);
}

/* NAME_AT(address): a name argument that is the trace process's own memory at that arena address, not a string */
static int name_at_arena;
#define NAME_AT(a) (name_at_arena = 1, (const char *)(uintptr_t)(a))

/* prctl(PR_SET_VMA, arg2, addr, len, name): name is NULL, (char *)1 (a bad pointer), NAME_AT(address) or at most 255 bytes */
static inline struct cmd sys_prctl5(uint64_t option, uint64_t arg2, uint64_t addr, uint64_t len, const char *name)
{
	struct cmd c = rt_cmd(OP_PRCTL, arg2, addr, len);
	if (option != PR_SET_VMA)
		rt_usage_error("sys_prctl5: only PR_SET_VMA");
	if (name == NULL) {
		c.namekind = NK_NULL;
	} else if (name == (const char *)1) {
		c.namekind = NK_BADPTR;
	} else if (name_at_arena) {
		c.namekind = NK_PTR;
		c.a[3] = (uint64_t)(uintptr_t)name;
		name_at_arena = 0;
	} else {
		size_t n = strnlen(name, NAME_MAX_BYTES + 1);
		if (n > NAME_MAX_BYTES)
			rt_usage_error("sys_prctl5: a name of more than 255 bytes");
		c.namekind = NK_BYTES;
		c.namelen = (uint32_t)n;
		memcpy(c.name, name, n);
	}
	return c;
}

/* one volatile byte read; the result is ok, SIGSEGV or SIGBUS */
static inline struct cmd read_byte(uint64_t addr)
{
	return rt_cmd(OP_READ, addr, 0, 0);
}

/* one volatile byte write of 1 */
static inline struct cmd write_byte(uint64_t addr)
{
	return rt_cmd(OP_WRITE, addr, 0, 0);
}

/* one volatile byte write of value */
static inline struct cmd store_byte(uint64_t addr, uint64_t value)
{
	return rt_cmd(OP_STORE, addr, value, 0);
}

/* clone(CLONE_PARENT | SIGCHLD): fork()'s copy of the mm; the child is the next unused pN */
static inline struct cmd fork_process(void)
{
	return rt_cmd(OP_FORK, 0, 0, 0);
}

/* _exit(0) */
static inline struct cmd exit_process(void)
{
	return rt_cmd(OP_EXIT, 0, 0, 0);
}

/* memfd_create("m", 0) and ftruncate(size): the next handle hN */
static inline struct cmd new_memfd(uint64_t size)
{
	return rt_cmd(OP_MEMFD_CREATE, size, 0, 0);
}

/* a regular (linked tmpfs) file /dev/shm or /tmp/anonvma-exec.<pid>.0.h<N>, O_EXCL, ftruncate(size); removed after the trace */
static inline struct cmd new_file(uint64_t size)
{
	return rt_cmd(OP_FILE, size, 0, 0);
}

/* setrlimit(RLIMIT_MEMLOCK, bytes, bytes); ipc_lock 0 drops CAP_IPC_LOCK (effective and permitted) */
static inline struct cmd set_creds(uint64_t memlock_bytes, uint64_t ipc_lock)
{
	return rt_cmd(OP_SETCREDS, memlock_bytes, ipc_lock, 0);
}

#endif /* ANONVMA_RUNTIME_H */
