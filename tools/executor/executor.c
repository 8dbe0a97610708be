/*
 * anonvma-exec: run AnonVma traces on the running kernel and print what
 * /proc/PID/maps and /proc/PID/smaps show after every call.
 *
 * Build: gcc -static-pie -O2 -Wall -Wextra -o anonvma-exec executor.c
 * Usage: anonvma-exec [--timeout-ms N] [--cgroup DIR] [FILE]   (FILE or stdin)
 *        --cgroup DIR: run every trace's processes in this memory cgroup
 *        --init: as a VM's /init (given after "--" on the kernel command
 *        line): reads /batch, prints to the console, then
 *        reboot(RB_AUTOBOOT). Never inferred from the PID: under gVisor
 *        or in a PID namespace an ordinary run is PID 1 too.
 *        --plain-fork: a trace process forks with clone(SIGCHLD), not
 *        CLONE_PARENT, for re-implementations of Linux that lack it.
 *        --init --serve: as /init, serves the first virtio-serial port
 *        (/dev/vportNpM) instead, batch after batch (tools/qemu/serve.sh).
 *
 * See README.md for the wire format, the output and the safety rules.
 *
 * This file is the batch parser and main(); running a trace (the trace
 * processes, the calls, the checks and the reports) is runtime.h, which the
 * C reproducers embed as well.
 */
#include "runtime.h"
#include "relay.h"
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#endif

/* ------------------------------------------------------------------ */
/* what only the executor has: options, the sleep op, the batch loop   */

/* "sleep <ms>": the process sleeps (a testing aid: exercises the timeout); an op past the call table */
#define OP_SLEEP OP_COUNT

static int extra_op(const struct cmd *c, struct resp *r)
{
	if (c->op != OP_SLEEP)
		return 0;
	struct timespec ts;
	ts.tv_sec = (time_t)(c->a[0] / 1000);
	ts.tv_nsec = (long)(c->a[0] % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	r->ret = 0;
	return 1;
}

/* "option same": a process whose view did not change since its last report prints "O pN same" instead.
 * "option fields A,B": smaps blocks keep only their header and the lines labelled A, B, ... */
static int opt_same, opt_stats, opt_bare, opt_fresh, opt_stepwise, opt_kmsg;
static char opt_fields[512];
static struct sbuf last_view[MAXPROC];

/*
 * "option kmsg": what the kernel logged while a trace ran, read from /dev/kmsg once its processes are gone (an exited
 * mm is checked by check_mm as it is freed, which is when "BUG: Bad rss-counter state" is printed) and printed as
 * "K <message>" lines before the trace's last line.  What was logged before the trace began is skipped: the log of
 * another trace, or of the machine.  Under QEMU the guest's log is the batch's alone; natively it is the host's.
 */
static int kmsg_fd = -1;

/* the records /dev/kmsg has now, each message printed as a K line (print 1) or dropped (0) */
static void kmsg_take(int print)
{
	static char rec[8192];
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof rec - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten before they were read: the next one follows */
		if (n <= 0)
			return;
		rec[n] = 0;
		char *msg = strchr(rec, ';'), *nl;
		if (!msg || !print)
			continue;
		if ((nl = strchr(++msg, '\n')))
			*nl = 0; /* continuation lines (" KEY=value") dropped */
		printf("K %s\n", msg);
	}
}

static void kmsg_done(void)
{
	kmsg_take(1);
}

/* does an smaps line pass "option fields"? (headers always do) */
static int field_wanted(const char *l, size_t n)
{
	return label_listed(opt_fields, l, n);
}

static void print_view(int i, struct sbuf *v)
{
	if (opt_same && last_view[i].len == v->len && !memcmp(last_view[i].buf, v->buf, v->len)) {
		printf("O p%d same\n", i);
	} else {
		fwrite(v->buf, 1, v->len, stdout);
		struct sbuf old = last_view[i]; /* both kept (sbuf_add) */
		last_view[i] = *v;
		*v = old;
	}
}

static void forget_views(void)
{
	for (int i = 0; i < MAXPROC; i++) {
		last_view[i].len = 0;
	}
}

/* relays on (relay.h): not with --plain-fork (the processes would hold each other's command pipes open), "option
 * stepwise" or "option bare" */
static int relays;

/* as each trace begins */
static void trace_start(void)
{
	forget_views();
	if (kmsg_fd >= 0)
		kmsg_take(0);
	if (relays)
		relay_reset();
}

/* the whole trace, before anything of it runs */
static inline int check_trace(const struct trace *t)
{
	struct checker k;
	if (check_arena(t) < 0)
		return -1;
	check_start(&k);
	for (int i = 0; i < t->ncalls; i++)
		if (check_call(&k, t, &t->calls[i], i) < 0)
			return -1;
	return 0;
}

/* the time spent starting and ending traces, for "option stats" */
static uint64_t rt_ns_begin, rt_ns_end;

/*
 * MADV_FREE leaves folios in the lru_lazyfree batch, folios that other processes may map too, and the drain before the
 * next call clears their PG_referenced and PG_swapbacked, which every process mapping them sees in smaps (Referenced,
 * LazyFree): a view can then change without a call that could change it.  So in a trace with an MADV_FREE the executor
 * reuses no view and asks no page proof (run_trace).  The other batches' drains show in no smaps field: lru_add and
 * activation change only LRU state, a deactivation only folios whose PG_referenced the call cleared already.
 */
static int drain_shows_in(const struct trace *t)
{
	for (int i = 0; i < t->ncalls; i++)
		if (t->calls[i].op == OP_MADVISE && t->calls[i].a[2] == MADV_FREE)
			return 1;
	return 0;
}

/* one parsed trace, start to end (the executor's loop) */
static inline void run_trace(const struct trace *t, int tracenum)
{
	if (check_trace(t) < 0) {
		printf("T %s rejected %s\n", t->id, reject_msg);
		return;
	}
	rt_reuse_views = !opt_fresh && !drain_shows_in(t); /* before p0's fork: its relays inherit it */
	uint64_t t0 = now_ns();
	int begun = trace_begin(t, tracenum);
	/* a first relay sent before p0's fork has its time from there on, the fork's included (relay.h) */
	rt_ns_begin += (relays && rl->pending ? rl->t0 : now_ns()) - t0;
	if (begun < 0)
		return;
	for (int i = 0; i < t->ncalls;) {
		int k = relays ? relay_len(t->calls + i, t->ncalls - i) : 0;
		int ran = k ? trace_relay(t->calls + i, k, i + k == t->ncalls) : 0;
		if (ran < 0)
			return;
		if (ran == 0 && trace_call(&t->calls[i++]) < 0)
			return;
		i += ran;
	}
	t0 = now_ns();
	trace_end();
	rt_ns_end += now_ns() - t0;
}


#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/sysmacros.h>

/* ------------------------------------------------------------------ */
/* batch parser                                                        */

static struct trace *traces;
static int ntraces, captraces;
static struct cmd *cmds; /* every trace's calls, in batch order */
static size_t ncmds, capcmds;
static const char *batch_name = "batch";

static void die_batch(int line, const char *fmt, const char *arg) __attribute__((noreturn));
static void die_batch(int line, const char *fmt, const char *arg)
{
	fflush(stdout);
	fprintf(stderr, "%s:%d: ", batch_name, line);
	fprintf(stderr, fmt, arg ? arg : "");
	fputc('\n', stderr);
	exit(2);
}

/* hex with 0x, or decimal; unsigned 64-bit */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* "<letter><decimal>", e.g. p3 or h0; returns the number or -1 */
static int parse_index(const char *s, char letter)
{
	uint64_t v;
	if (s[0] != letter || s[1] < '0' || s[1] > '9')
		return -1;
	for (const char *q = s + 1; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	if (parse_u64(s + 1, &v) < 0 || v > 1000000)
		return -1;
	return (int)v;
}

/* a name argument: NULL, BADPTR, ptr:<hex arena address> or hex:<bytes> of at most NAME_MAX_BYTES */
static void parse_name(int lineno, const char *t, struct cmd *c)
{
	if (!strcmp(t, "NULL")) {
		c->namekind = NK_NULL;
	} else if (!strcmp(t, "BADPTR")) {
		c->namekind = NK_BADPTR;
	} else if (!strncmp(t, "ptr:", 4)) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(t + 4, &end, 16);
		if (errno || end == t + 4 || *end || v == 0)
			die_batch(lineno, "bad pointer name '%s' (want ptr:<hex address>)", t);
		c->namekind = NK_PTR;
		c->a[3] = v;
	} else if (!strncmp(t, "hex:", 4)) {
		const char *h = t + 4;
		size_t hl = strlen(h);
		if (hl % 2)
			die_batch(lineno, "odd number of hex digits in '%s'", t);
		if (hl / 2 > NAME_MAX_BYTES)
			die_batch(lineno, "name longer than the executor takes (NAME_MAX_BYTES)", NULL);
		for (size_t k = 0; k < hl; k += 2) {
			int hi = hexval(h[k]), lo = hexval(h[k + 1]);
			if (hi < 0 || lo < 0)
				die_batch(lineno, "bad hex in '%s'", t);
			c->name[k / 2] = (char)(hi * 16 + lo);
		}
		c->namekind = NK_BYTES;
		c->namelen = (uint32_t)(hl / 2);
	} else {
		die_batch(lineno, "bad name '%s' (want NULL, BADPTR, ptr:... or hex:...)", t);
	}
}

static void parse_batch(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	struct trace *cur = NULL;

	while ((n = getline(&line, &cap, f)) >= 0) {
		char *tok[16];
		int nt = 0;
		lineno++;
		/* tokenize on blanks; a token starting with '#' ends the line */
		for (char *p = line; *p;) {
			while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
				p++;
			if (!*p || *p == '#')
				break;
			if (nt == 16)
				die_batch(lineno, "too many tokens", NULL);
			tok[nt++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				p++;
			if (*p)
				*p++ = 0;
		}
		if (nt == 0)
			continue;

		if (!strcmp(tok[0], "option")) {
			if (cur || ntraces)
				die_batch(lineno, "'option' must come before the first trace", NULL);
			if (nt == 2 && !strcmp(tok[1], "same")) {
				opt_same = 1;
			} else if (nt == 2 && !strcmp(tok[1], "stats")) {
				opt_stats = 1;
			} else if (nt == 2 && !strcmp(tok[1], "fresh")) {
				opt_fresh = 1;
			} else if (nt == 2 && !strcmp(tok[1], "stepwise")) {
				opt_stepwise = 1;
			} else if (nt == 2 && !strcmp(tok[1], "bare")) {
				opt_bare = 1;
			} else if (nt == 2 && !strcmp(tok[1], "kmsg")) {
				opt_kmsg = 1;
			} else if (nt == 3 && !strcmp(tok[1], "fields")) {
				if (strlen(tok[2]) >= sizeof opt_fields - 2)
					die_batch(lineno, "option fields: list too long", NULL);
				/* stored as ",A,B,C," so a label matches as ",LABEL," */
				snprintf(opt_fields, sizeof opt_fields, ",%s,", tok[2]);
			} else {
				die_batch(lineno, "usage: option same | option stats | option fresh | option stepwise | option bare | option kmsg | option fields <Label,Label,...>", NULL);
			}
			continue;
		}
		if (!strcmp(tok[0], "trace")) {
			if (cur)
				die_batch(lineno, "'trace' inside trace %s (missing 'end')", cur->id);
			if (nt != 2)
				die_batch(lineno, "usage: trace <id>", NULL);
			if (ntraces == captraces) {
				int cap = captraces ? 2 * captraces : 64;
				traces = dontfork_grow(traces, (size_t)captraces * sizeof *traces, (size_t)cap * sizeof *traces);
				captraces = cap;
			}
			cur = &traces[ntraces++];
			memset(cur, 0, sizeof *cur);
			cur->id = strdup(tok[1]);
			cur->line = lineno;
			continue;
		}
		if (!cur)
			die_batch(lineno, "'%s' outside a trace", tok[0]);
		if (!strcmp(tok[0], "end")) {
			if (nt != 1)
				die_batch(lineno, "usage: end", NULL);
			if (!cur->has_arena)
				die_batch(lineno, "trace %s has no 'arena'", cur->id);
			cur = NULL;
			continue;
		}
		if (!strcmp(tok[0], "arena")) {
			if (nt != 3)
				die_batch(lineno, "usage: arena <base> <size>", NULL);
			if (cur->has_arena)
				die_batch(lineno, "second 'arena'", NULL);
			if (cur->ncalls)
				die_batch(lineno, "'arena' after the first call", NULL);
			if (parse_u64(tok[1], &cur->base) < 0)
				die_batch(lineno, "bad number '%s'", tok[1]);
			if (parse_u64(tok[2], &cur->size) < 0)
				die_batch(lineno, "bad number '%s'", tok[2]);
			cur->has_arena = 1;
			continue;
		}
		/* a call: <p> <op> args... */
		int proc = parse_index(tok[0], 'p');
		if (proc < 0)
			die_batch(lineno, "expected a directive or a process index, got '%s'", tok[0]);
		if (nt < 2)
			die_batch(lineno, "missing operation", NULL);
		int op;
		for (op = 0; op < OP_COUNT; op++)
			if (!strcmp(tok[1], opdesc[op].name))
				break;
		int nargs = op < OP_COUNT ? opdesc[op].nargs : 1;
		if (op == OP_COUNT && !strcmp(tok[1], "sleep"))
			op = OP_SLEEP;
		else if (op == OP_COUNT)
			die_batch(lineno, "unknown operation '%s'", tok[1]);
		if (nt - 2 != nargs)
			die_batch(lineno, "wrong number of arguments for '%s'", tok[1]);
		if (!cur->has_arena)
			die_batch(lineno, "call before 'arena'", NULL);

		if (ncmds == capcmds) {
			size_t cap = capcmds ? 2 * capcmds : 1024;
			cmds = dontfork_grow(cmds, capcmds * sizeof *cmds, cap * sizeof *cmds);
			capcmds = cap;
		}
		if (!cur->ncalls)
			cur->first = (int)ncmds;
		cur->ncalls++;
		struct cmd *c = &cmds[ncmds++];
		memset(c, 0, sizeof *c);
		c->op = (uint32_t)op;
		c->proc = (uint32_t)proc;
		c->fdhandle = -1;
		c->aux = -1;
		int na = 0;
		for (int i = 2; i < nt; i++) {
			const char *t = tok[i];
			int kind = op < OP_COUNT ? opdesc[op].kind[i - 2] : AK_NUM;
			if (kind == AK_HANDLE) {
				if (!strcmp(t, "-1"))
					c->fdhandle = -1;
				else if ((c->fdhandle = parse_index(t, 'h')) < 0)
					die_batch(lineno, "bad fd '%s' (want -1 or h<N>)", t);
			} else if (kind == AK_NAME) {
				parse_name(lineno, t, c);
			} else if (parse_u64(t, &c->a[na++]) < 0) {
				die_batch(lineno, "bad number '%s'", t);
			}
		}
		if (op == OP_STORE && c->a[1] > 0xff)
			die_batch(lineno, "a store's byte must be at most 0xff", NULL);
	}
	free(line);
	if (ferror(f)) {
		fprintf(stderr, "anonvma-exec: read error on %s\n", batch_name);
		exit(1);
	}
	if (cur)
		die_batch(lineno + 1, "end of input inside trace %s (missing 'end')", cur->id);
	for (int i = 0; i < ntraces; i++) /* cmds no longer moves */
		traces[i].calls = traces[i].ncalls ? &cmds[traces[i].first] : NULL;
}

/* ------------------------------------------------------------------ */
/* the memory limit                                                    */
/*
 * Natively the judge makes a memory cgroup (memory.max and no swap, or
 * cgroup v1's memory.limit_in_bytes) and passes it as --cgroup DIR: each
 * trace's p0 moves into it before its first call, so its forks are in it
 * too and the executor itself is not.  A trace process killed with SIGKILL
 * while the cgroup's oom_kill count grew gets "oom-kill" on its crash line.
 * As /init under QEMU the guest's RAM is the limit, and only the guest's OOM
 * killer sends a trace process SIGKILL (a tinyconfig kernel has no oom_kill
 * counter to read), so there every SIGKILL death is marked.
 */

static int cg_procs_fd = -1;
static const char *cg_dir;
static char cg_events[600]; /* memory.events (v2) or memory.oom_control (v1) */
static long cg_oom_seen;
static int cg_as_init;

/* the "oom_kill N" line of cg_events, or -1 */
static long cg_oom_kills(void)
{
	char buf[1024];
	int fd = open(cg_events, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "oom_kill ", 9))
			return strtol(l + 9, NULL, 10);
	return -1;
}

/* in p0, before its first call */
static void cg_join(void)
{
	if (write(cg_procs_fd, "0\n", 2) != 2) {
		fprintf(stderr, "anonvma-exec: cannot join the memory cgroup: %s\n", strerror(errno));
		_exit(4);
	}
	close(cg_procs_fd);
}

static const char *cg_death_note(int st)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return NULL;
	if (cg_as_init)
		return "oom-kill";
	/* mark_oom_victim counts the kill just after sending SIGKILL: give a racing reader a moment */
	for (int i = 0; i < 20; i++) {
		long n = cg_oom_kills();
		if (n > cg_oom_seen) {
			cg_oom_seen = n;
			return "oom-kill";
		}
		usleep(5000);
	}
	return NULL;
}

static void cg_open(const char *dir)
{
	char path[600];
	struct stat sb;
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	cg_procs_fd = open(path, O_WRONLY); /* inherited by p0, which closes it */
	if (cg_procs_fd < 0) {
		fprintf(stderr, "anonvma-exec: --cgroup %s: %s: %s\n", dir, path, strerror(errno));
		exit(1);
	}
	snprintf(cg_events, sizeof cg_events, "%s/memory.events", dir);
	if (stat(cg_events, &sb) < 0)
		snprintf(cg_events, sizeof cg_events, "%s/memory.oom_control", dir);
	cg_oom_seen = cg_oom_kills();
	if (cg_oom_seen < 0) {
		fprintf(stderr, "anonvma-exec: --cgroup %s: no oom_kill count in memory.events or memory.oom_control\n", dir);
		exit(1);
	}
	rt_death_note = cg_death_note;
	cg_dir = dir;
}

/* in p0 before its first call (rt_child_hook) */
static void child_start(void)
{
	if (relays)
		relay_child();
	if (cg_dir)
		cg_join();
}

/* ------------------------------------------------------------------ */
/* the physical limit: "option bare"                                   */
/*
 * Each trace's calls in one process of its own, with no pipes and no
 * reports: the kernel's own cost for the same calls.  A fork forks a child
 * that exits at once; the calls of every process run in this one; an exit
 * is skipped.  Only "S bare ..." is printed.
 */
static void bare_trace(const struct trace *t, int tracenum)
{
	static struct cmd c;
	int nh = 0;
	w_setup();
	if (rt_child_hook)
		rt_child_hook();
	for (int i = 0; i < t->ncalls; i++) {
		struct resp r;
		c = t->calls[i];
		memset(&r, 0, sizeof r);
		drain_cpu_batches();
		errno = 0;
		if (c.op == OP_FORK) {
			pid_t p = fork();
			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
			continue;
		}
		if (c.op == OP_EXIT)
			continue;
		if (c.op < OP_COUNT && opdesc[c.op].effect == EFFECT_NEW_HANDLE) {
			c.aux = nh++;
			if (c.op == OP_FILE)
				file_path(c.name, sizeof c.name, tracenum, c.aux);
		}
		w_call(&c, &r, t->base, t->size);
	}
	_exit(0);
}

static void run_bare(void)
{
	uint64_t t0 = now_ns();
	long calls = 0;
	int ran = 0;
	for (int i = 0; i < ntraces; i++) {
		const struct trace *t = &traces[i];
		if (check_trace(t) < 0)
			continue;
		struct trace copy = *t; /* the child does not inherit traces[] */
		pid_t p = fork();
		if (p == 0)
			bare_trace(&copy, i);
		if (p > 0)
			waitpid(p, NULL, 0);
		for (int h = 0; h < MAXHANDLE; h++) {
			char path[NAME_MAX_BYTES];
			file_path(path, sizeof path, i, h);
			unlink(path);
		}
		calls += t->ncalls;
		ran++;
	}
	printf("S bare traces=%d calls=%ld total_ns=%" PRIu64 "\n", ran, calls, now_ns() - t0);
}

/* What the kernel is like (rt_probe, page_proof_open): once per process, and a server's batches inherit it; a guest
 * saved at its first "R ready" has it done before it is restored, so no session starts by asking again.  The read
 * buffer rt_probe grew is MADV_DONTFORK: a batch's process would inherit its address and not its pages, so it goes. */
static void probe_once(void)
{
	static int probed;
	if (!probed) {
		rt_probe();
		page_proof_open();
		probed = 1;
		if (rdbuf)
			munmap(rdbuf, rdcap);
		rdbuf = NULL;
		rdcap = 0;
	}
}

/* a parsed batch, start to end, after rt_init */
static void run_batch(void)
{
	probe_once();
	rt_extra_op = extra_op;
	rt_trace_start = trace_start;
	rt_reuse_views = !opt_fresh;
	relays = !opt_stepwise && !rt_plain_fork && !opt_bare && relay_open();
	rt_quiet_start = relays; /* p0's first calls follow its fork at once, in a relay */
	rt_child_hook = child_start;
	if (opt_same)
		rt_print_view = print_view;
	if (opt_fields[0])
		rt_keep_line = field_wanted;
	if (opt_kmsg) {
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (kmsg_fd < 0) {
			fprintf(stderr, "option kmsg: cannot read /dev/kmsg: %s\n", strerror(errno));
			exit(1);
		}
		rt_trace_done = kmsg_done;
	}
	if (opt_bare) {
		run_bare();
		fflush(stdout);
		return;
	}
	uint64_t t0 = now_ns();
	long calls = 0;
	for (int i = 0; i < ntraces; i++) {
		run_trace(&traces[i], i);
		calls += traces[i].ncalls;
	}
	if (opt_stats)
		printf("S traces=%d calls=%ld total_ns=%" PRIu64 " call_ns=%" PRIu64 " read_ns=%" PRIu64 " out_ns=%" PRIu64
		       " begin_ns=%" PRIu64 " end_ns=%" PRIu64 " relays=%" PRIu64 " relayed=%" PRIu64 " made_ns=%" PRIu64
		       " proved=%" PRIu64 "\n",
		       ntraces, calls, now_ns() - t0, rt_ns_call, rt_ns_read, rt_ns_out, rt_ns_begin, rt_ns_end, rt_relays, rt_relayed,
		       rt_ns_made, rt_proved);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* serving many batches: --serve                                      */
/*
 * Batch after batch on one input, so a judge starts (or boots) the
 * executor once.  A batch is its lines up to a line "run".  Each runs in a
 * child of its own, exactly as a batch file would (no state carries over),
 * and its output is followed by any "! <line>" the child wrote on stderr (a
 * malformed batch's "batch:LINE: problem") and "Z <exit status>", or
 * "Z sig<N>" if it died.  "R ready" comes first, and again after each
 * line "hello" (a guest restored from a snapshot taken while it waited
 * greets its new host this way).  End of input ends: on a virtio port,
 * the host's leaving, so a guest whose judge died powers off.
 */
static void serve_one(int out, int batchfd)
{
	int errfd = (int)syscall(SYS_memfd_create, "stderr", 0L);
	pid_t server = getpid(), pid = fork();
	if (pid == 0) {
		/* A batch dies with its server: a judge that ends (or is killed) mid-batch leaves nothing running. Seen under
		 * QEMU user mode: a batch orphaned when its server ended kept a core busy for half an hour. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != server) /* it died before the line above */
			_exit(1);
		dup2(out, 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		lseek(batchfd, 0, SEEK_SET);
		FILE *in = fdopen(batchfd, "r");
		if (!in)
			_exit(1);
		if (cg_procs_fd >= 0)
			cg_oom_seen = cg_oom_kills(); /* earlier batches' kills are not this one's */
		rt_init();
		parse_batch(in);
		fclose(in);
		run_batch();
		_exit(0);
	}
	int st = 0;
	if (pid > 0)
		while (waitpid(-1, &st, 0) != pid) /* as /init, orphans are ours to reap too */
			if (errno == ECHILD)
				break;
	char line[600];
	if (errfd >= 0) {
		FILE *e = fdopen(errfd, "r");
		if (e) {
			rewind(e);
			while (fgets(line, sizeof line, e)) {
				line[strcspn(line, "\n")] = 0;
				dprintf(out, "! %s\n", line);
			}
			fclose(e);
		} else {
			close(errfd);
		}
	}
	if (pid < 0)
		dprintf(out, "! anonvma-exec: fork: %s\nZ 1\n", strerror(errno));
	else if (WIFSIGNALED(st))
		dprintf(out, "Z sig%d\n", WTERMSIG(st));
	else
		dprintf(out, "Z %d\n", WEXITSTATUS(st));
}

static int serve(int in, int out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, from = 0;
	probe_once();
	if (write_full(out, "R ready\n", 8) < 0)
		return 1;
	for (;;) {
		/* a complete "run" line in buf[from..len)? */
		char *run_at = NULL;
		for (char *l = buf + from; l < buf + len;) {
			char *nl = memchr(l, '\n', (size_t)(buf + len - l));
			if (!nl)
				break;
			size_t n = (size_t)(nl - l);
			if (n && l[n - 1] == '\r')
				n--;
			if (n == 3 && !memcmp(l, "run", 3)) {
				run_at = l;
				break;
			}
			if (n == 5 && !memcmp(l, "hello", 5) && l == buf) {
				if (write_full(out, "R ready\n", 8) < 0)
					return 1;
				len -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, len);
				l = buf;
				from = 0;
				continue;
			}
			l = nl + 1;
			from = (size_t)(l - buf);
		}
		if (run_at) {
			int fd = (int)syscall(SYS_memfd_create, "batch", 0L);
			if (fd < 0 || write_full(fd, buf, (size_t)(run_at - buf)) < 0) {
				dprintf(out, "! anonvma-exec: cannot hold the batch: %s\nZ 1\n", strerror(errno));
			} else {
				serve_one(out, fd);
			}
			if (fd >= 0)
				close(fd);
			char *rest = memchr(run_at, '\n', (size_t)(buf + len - run_at)) + 1;
			len = (size_t)(buf + len - rest);
			memmove(buf, rest, len);
			from = 0;
			continue;
		}
		if (cap - len < 65536) {
			size_t ncap = cap ? 2 * cap : 1 << 20;
			buf = dontfork_grow(buf, cap, ncap);
			cap = ncap;
		}
		ssize_t r = read(in, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0;
		len += (size_t)r;
	}
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static void init_console(void)
{
	if (fcntl(1, F_GETFD) >= 0)
		return;
	mkdir("/dev", 0755);
	mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
	int fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* /dev/vport<N>p<M>, the QEMU judge's virtio-serial port, on a devtmpfs mounted at /dev */
static int open_vport(void)
{
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, 0) < 0 && errno != EBUSY)
		return -1;
	char path[64];
	for (int n = 0; n < 4; n++)
		for (int m = 0; m < 8; m++) {
			snprintf(path, sizeof path, "/dev/vport%dp%d", n, m);
			int fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
	errno = ENOENT;
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: anonvma-exec [--timeout-ms N] [--cgroup DIR] [--cpu N] [--plain-fork] [--serve | --init | FILE]\n");
	exit(2);
}

/*
 * glibc (2.35 on) registers an rseq area in the thread's control block, and the kernel writes to it on the way back
 * to user space after every context switch: in each new trace process a copy-on-write fault of the page a fork
 * shares, and in every process more user memory touched after each switch, which an emulator's TLB has just lost.
 * Nothing here uses rseq, so it is unregistered before the first fork (forks inherit the registration; sched_getcpu
 * then asks the kernel).  The length is the one glibc registered: its __rseq_size, or struct rseq's 32 bytes, which
 * glibc 2.35 and 2.36 register while saying 20.  Where neither is accepted nothing changes.
 */
static void rseq_off(void)
{
#ifdef RSEQ_SIG
	if (__rseq_size == 0)
		return;
	char *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	if (syscall(SYS_rseq, area, (long)__rseq_size, (long)RSEQ_FLAG_UNREGISTER, (long)RSEQ_SIG) < 0 && __rseq_size != 32)
		syscall(SYS_rseq, area, 32L, (long)RSEQ_FLAG_UNREGISTER, (long)RSEQ_SIG);
#endif
}

int main(int argc, char **argv)
{
	int as_init = 0, serving = 0;
	const char *path = NULL;
	FILE *in;

	rseq_off();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout-ms")) {
			uint64_t v;
			if (i + 1 >= argc || parse_u64(argv[i + 1], &v) < 0 || v == 0 || v > 3600000)
				usage();
			timeout_ms = (int)v;
			i++;
		} else if (!strncmp(argv[i], "--timeout-ms=", 13)) {
			uint64_t v;
			if (parse_u64(argv[i] + 13, &v) < 0 || v == 0 || v > 3600000)
				usage();
			timeout_ms = (int)v;
		} else if (!strcmp(argv[i], "--cpu")) {
			uint64_t v;
			if (i + 1 >= argc || parse_u64(argv[i + 1], &v) < 0 || v >= CPU_SETSIZE)
				usage();
			rt_cpu = (int)v;
			i++;
		} else if (!strcmp(argv[i], "--plain-fork")) {
			rt_plain_fork = 1;
		} else if (!strcmp(argv[i], "--serve")) {
			serving = 1;
		} else if (!strcmp(argv[i], "--init")) {
			as_init = 1;
		} else if (!strcmp(argv[i], "--cgroup")) {
			if (i + 1 >= argc)
				usage();
			cg_open(argv[++i]);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage();
		} else if (!path) {
			path = argv[i];
		} else {
			usage();
		}
	}
	if (as_init) {
		if (path || cg_dir)
			usage();
		init_console();
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", 0, 0) < 0 && errno != EBUSY)
			fprintf(stderr, "anonvma-exec: mount /proc: %s\n", strerror(errno));
		path = "/batch";
		cg_as_init = 1;
		rt_death_note = cg_death_note;
		if (serving) {
			int port = open_vport();
			if (port < 0)
				fprintf(stderr, "anonvma-exec: --init --serve: no virtio port: %s\n", strerror(errno));
			if (port >= 0)
				serve(port, port);
			goto reboot;
		}
	}

	if (serving) {
		if (path)
			usage();
		int rc = serve(0, 1);
		/* the judge removes the cgroup too, but a judge killed outright cannot: every trace process is gone now */
		if (cg_dir)
			rmdir(cg_dir);
		return rc;
	}

	rt_init();

	if (path && strcmp(path, "-")) {
		in = fopen(path, "r");
		if (!in) {
			fprintf(stderr, "anonvma-exec: %s: %s\n", path, strerror(errno));
			if (as_init)
				goto reboot;
			return 1;
		}
		batch_name = "batch";
	} else {
		in = stdin;
	}
	if (as_init) {
		/* a malformed batch must not leave init to exit (panic) */
		pid_t p = fork();
		if (p == 0) {
			parse_batch(in);
			_exit(0);
		}
		int st = 0;
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fflush(stderr);
			goto reboot;
		}
		rewind(in);
	}
	parse_batch(in);
	if (in != stdin)
		fclose(in);
	run_batch();
	if (!as_init)
		return 0;
reboot:
	fflush(stdout);
	fflush(stderr);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
