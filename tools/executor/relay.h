/*
 * relay.h: the executor's relays, calls run one after another without the controller between them.  Included by
 * executor.c after runtime.h; a C reproducer makes every call through its controller and has none of this.
 */
#ifndef ANONVMA_RELAY_H
#define ANONVMA_RELAY_H

#include "runtime.h"
#include <sys/ioctl.h>

/* an internal op: this process's part of a relay follows on its command pipe; past the call table and the executor's own ops */
#define OP_RELAY 0x7fffu

static int relay_data[2] = {-1, -1}; /* records, from the processes to the controller (a relay ends on gone_pipe) */
static int relay_born[2] = {-1, -1}; /* a child forked in a relay tells its forker it has started */
static uint32_t relay_room;   /* what relay_data holds: 1 MiB where F_SETPIPE_SZ allows it */
static uint32_t relay_budget; /* the most view text one record carries: with its header, half of relay_room at most */
static char *rdata;          /* relay_data, as the controller took it */
static size_t rdata_len, rdata_cap;
static uint64_t rt_relays, rt_relayed, rt_ns_made, rt_proved; /* relays run, the calls they made, the time in those calls themselves, the reads the page proof spared */
static int w_smaps[MAXPROC] = {-1, -1, -1, -1, -1, -1, -1, -1}; /* a trace process's smaps descriptors; -1: not open yet */
static uint32_t w_smaps_len[MAXPROC]; /* the arena text's length at its last read of each (read_blocks' hint) */

/*
 * A call's round trip through the controller (command down a pipe, result back, the controller reads the views) costs
 * two context switches, and a switch is what an emulator charges most for (TCG flushes its TLB on every CR3 write).
 * In a relay the trace processes pass the calls among themselves: the controller sends up to RELAY_MAX consecutive
 * calls (none an exit, each by a live process or one a fork before it makes) to the first call's process; each
 * process makes its calls while they are its own, reading after each one the views the controller would have read
 * (its own always; another process's unless the call is page-neutral and that view was seen, as rt_reuse_views says),
 * writes a record per call down relay_data, and hands the rest to the next call's process.  The last one wakes the
 * controller with a byte down gone_pipe; the controller then prints the records exactly as if it had made the calls
 * one at a time: the same lines, the same views, read at the same points between the calls.
 *
 * A fork in a relay is the same clone as the controller's (worker): the child starts as the new process and waits on
 * its command pipe, and its forker goes on once it has said so (relay_born), so that whatever the child's start
 * touches is done before the next call, as when the controller waits for its hello.  A relay that runs to the
 * trace's last call ends the trace itself: its last process kills the process group instead of waking the
 * controller, which wakes once, when gone_pipe hangs up, to print the records and reap.
 *
 * Nothing wakes the controller before the relay ends: relay_data is read only then, and a process writes a record
 * only while the pipe still has room for the largest one (it stops the relay otherwise).  A view that does not fit in
 * a record, or cannot be read, stops the relay too; the controller reads it itself before anything else runs.  Off
 * with --plain-fork (the processes would hold each other's command pipes open) and "option stepwise".
 */
#define RELAY_MAX 32           /* calls per relay (each handover carries the calls left: at most 10 KiB) */
#define RELAY_TEXT (256 << 10) /* the most view text one record carries */

struct relay_go {
	uint32_t n, next;    /* the relay's calls, and the next one to run */
	uint32_t bytes;      /* written down relay_data in this relay so far */
	uint32_t ends;       /* the relay's last call is the trace's: its last process ends the trace */
	int32_t pid[MAXPROC];
	uint8_t live[MAXPROC], seen[MAXPROC];
};

struct relay_rec {
	struct resp r;
	uint64_t call_ns, read_ns; /* the call itself (with the drain before it), the view reads */
	uint32_t len[MAXPROC]; /* each live process's view text that follows, in process order, or VIEW_* */
	uint32_t stop;         /* the relay ends with this record */
	uint32_t proved;       /* the other processes' views the page proof spared reading again */
};

/* a relay's handover: the op, the state, the calls */
struct relay_msg {
	struct cmd op;
	struct relay_go go;
	struct cmd calls[RELAY_MAX];
};


/* In a trace process (relay_room, relay_budget and rt_reuse_views are set before the first trace, so it has them):
 * the message and the views' text side by side from a page's start.  A trace process's first write to each page of
 * them after its fork is a fault (its pages are its own from then on), and a typical relay fills two or three of
 * them instead of five scattered ones. */
static struct {
	struct relay_msg msg;
	char text[RELAY_TEXT + 1];
} w_buf __attribute__((aligned(4096)));
#define w_msg (w_buf.msg)
#define w_text (w_buf.text)

/*
 * The page proof (rt_page_proof, set before the first trace): a call by this process changed no other process's view
 * when every page of the arena it maps, before the call and after it, is mapped by it alone or is the zero page.
 * Another process's view is its VMAs (changed only by its own calls) and, per page it maps, its own PTE's young and
 * dirty bits and the folio's anon, dirty, referenced, young, swap-backed and KSM flags and mapcount (smaps_account).
 * Its PTEs change only by its own calls here (no migration or KSM; MADV_COLD and MADV_PAGEOUT take only folios the
 * caller maps alone), except for MADV_REMOVE, whose hole punch unmaps the file's pages from every mapping of it
 * (shmem_fallocate, unmap_mapping_range): the proof is never asked for that call (punches_hole).  Otherwise a call
 * reaches a folio only through this process's own page table (its faults, zaps, COW breaks and GUP touches), so a
 * folio another process maps is one this process mapped too, before or after the call, with a mapcount of 2 or more:
 * pagemap's PM_MMAP_EXCLUSIVE bit (folio_precise_page_mapcount == 1) is clear for it.  The zero page is nobody's folio
 * (vm_normal_page is NULL for it; smaps does not count it).  That holds for order-0 folios only: a large folio shares
 * its flags among pages that different processes map alone, so the proof is off on a kernel with transparent or
 * HugeTLB pages (/proc/meminfo names them), where it would not be one.  It also needs pagemap's PFNs
 * (CAP_SYS_ADMIN) to tell the zero page from a shared one.
 */
static int rt_page_proof;

/* madvise(MADV_REMOVE): the one call here that changes other processes' page tables directly (see rt_page_proof) */
static int punches_hole(const struct cmd *c)
{
	return c->op == OP_MADVISE && c->a[2] == MADV_REMOVE;
}
static uint64_t rt_zero_pfn;       /* the zero page's frame; 0: unknown (a zero page then counts as shared) */
static int w_pagemap = -1;         /* this process's /proc/PID/pagemap */
static int w_pagemap_idx = -1;     /* the process it was opened in (a fork's child inherits the descriptor) */
static uint64_t w_pm[4096];       /* pagemap entries of an arena of up to 16 MiB; a larger one goes without the proof */

#define PM_PRESENT_BIT (1ull << 63)
#define PM_EXCL_BIT (1ull << 56)
#define PM_PFN_MASK ((1ull << 55) - 1)

/* 1 if every arena page this process maps is its alone or the zero page (the page proof's test); 0 otherwise or unreadable */
static int w_arena_alone(uint64_t base, uint64_t size)
{
	if (w_pagemap_idx != w_idx) {
		if (w_pagemap >= 0)
			close(w_pagemap);
		char path[64];
		proc_path(path, w_msg.go.pid[w_idx], "pagemap");
		w_pagemap = open(path, O_RDONLY | O_CLOEXEC);
		w_pagemap_idx = w_idx;
	}
	uint64_t pages = size / PAGE;
	if (w_pagemap < 0 || pages > sizeof w_pm / sizeof w_pm[0])
		return 0;
	if (pread(w_pagemap, w_pm, pages * 8, (off_t)(base / PAGE * 8)) != (ssize_t)(pages * 8))
		return 0;
	for (uint64_t k = 0; k < pages; k++) {
		uint64_t e = w_pm[k];
		if ((e & PM_PRESENT_BIT) && !(e & PM_EXCL_BIT) && (!rt_zero_pfn || (e & PM_PFN_MASK) != rt_zero_pfn))
			return 0;
	}
	return 1;
}

/* before the first trace: the page proof is on where it holds (see rt_page_proof) and the zero page's frame is known */
static void page_proof_open(void)
{
	char buf[8192];
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (strstr(buf, "AnonHugePages:") || strstr(buf, "HugePages_Total:"))
		return;
	volatile char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	(void)p[0];
	uint64_t e = 0;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8)) == 8 && (e & PM_PRESENT_BIT) && (e & PM_PFN_MASK)) {
		rt_zero_pfn = (e & PM_EXCL_BIT) ? 0 : e & PM_PFN_MASK; /* a private page of its own: no zero page on reads */
		rt_page_proof = 1;
	}
	if (fd >= 0)
		close(fd);
	munmap((void *)p, PAGE);
}

/*
 * An smaps text cut in place to the lines a view keeps (view_line in runtime.h), which observe_text then reads as it
 * would the whole: a relay's process sends this, so the text is copied through its pipe, and examined by the
 * controller, at half its length or less.  Returns the new length.
 */
static size_t view_compact(char *text, size_t len, uint64_t ab, uint64_t ae)
{
	size_t out = 0;
	int inblock = 0;
	for (size_t at = 0; at < len;) {
		const char *l = text + at;
		const char *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) + 1 : len - at;
		if (view_line(l, n, ab, ae, &inblock)) {
			memmove(text + out, l, n);
			out += n;
		}
		at += n;
	}
	return out;
}

/* process i's smaps into buf, on a descriptor this process keeps; -1 unreadable, -2 too long */
static ssize_t w_read_view(int i, uint64_t stop, char *buf, size_t cap)
{
	int fd = smaps_rewound(&w_smaps[i], w_msg.go.pid[i]);
	return fd < 0 ? -1 : read_blocks(fd, &buf, &cap, 0, stop, &w_smaps_len[i]);
}

/* this process's part of a relay (w_msg, read after its OP_RELAY): its calls, then the handover or the end */
static void w_relay(uint64_t base, uint64_t size)
{
	struct relay_go *go = &w_msg.go;
	/* the message as it was written: from after the op up to the calls, padding included, then the calls */
	if (read_full(pipes_cmd[w_idx][0], (char *)&w_msg + sizeof w_msg.op, offsetof(struct relay_msg, calls) - sizeof w_msg.op) <= 0 ||
	    go->n > RELAY_MAX || read_full(pipes_cmd[w_idx][0], w_msg.calls, go->n * sizeof(struct cmd)) <= 0)
		_exit(4);
	int known = -1; /* whether this process's arena pages are all its own now (see rt_page_proof); -1: not known */
	if (!go->pid[w_idx])
		go->pid[w_idx] = getpid(); /* p0's first relay, sent before its fork */
	for (;;) {
		const struct cmd *c = &w_msg.calls[go->next];
		if ((int)c->proc != w_idx) {
			int to = (int)c->proc;
			if (!go->live[to])
				break; /* its fork failed: the controller answers its calls */
			go->n -= go->next;
			memmove(w_msg.calls, c, go->n * sizeof(struct cmd));
			go->next = 0;
			w_msg.op.op = OP_RELAY;
			if (write_full(pipes_cmd[to][1], &w_msg, offsetof(struct relay_msg, calls) + go->n * sizeof(struct cmd)) < 0)
				break; /* it is gone: the controller finds out */
			return;
		}
		struct relay_rec rec;
		memset(&rec, 0, sizeof rec);
		rec.r.kind = RK_VALUE;
		uint64_t t0 = now_ns();
		drain_cpu_batches();
		/* the page proof, asked only when another process has a view to spare; the state after one call is the
		 * state before the next while this process goes on (nothing else runs, and a page-neutral call may still
		 * fault a name's bytes in: it forgets it) */
		int neutral = page_neutral((int)c->op), others = 0, alone = 0;
		for (int i = 0; i < MAXPROC; i++)
			others |= i != w_idx && go->live[i] && go->seen[i];
		if (!neutral && others && rt_page_proof && rt_reuse_views && !punches_hole(c))
			alone = known >= 0 ? known : w_arena_alone(base, size);
		errno = 0;
		if (c->op == OP_FORK) {
			long rc = w_fork(); /* the worker's own (relays are off with --plain-fork) */
			char one = 1;
			if (rc == 0) { /* the child: p<aux>, waiting on its command pipe (worker) */
				w_start(c->aux);
				if (write_full(relay_born[1], &one, 1) < 0)
					_exit(3);
				return;
			}
			sc_result(rc, &rec.r);
			rec.r.pid = rc;
			if (rc > 0) {
				if (read_full(relay_born[0], &one, 1) <= 0)
					_exit(3);
				go->pid[c->aux] = (int32_t)rc;
				go->live[c->aux] = 1;
				go->seen[c->aux] = 0;
			}
		} else {
			w_call(c, &rec.r, base, size);
		}
		rec.call_ns = now_ns() - t0;
		t0 = now_ns();
		known = -1;
		if (alone && rec.r.kind == RK_ESCAPED)
			alone = 0; /* it mapped pages outside the arena, where pagemap was not asked, before the executor unmapped them */
		if (alone)
			known = alone = w_arena_alone(base, size);
		size_t used = 0;
		int unread = 0;
		for (int i = 0; i < MAXPROC; i++) {
			if (!go->live[i]) {
				rec.len[i] = VIEW_NONE;
			} else if (i != w_idx && rt_reuse_views && go->seen[i] && (neutral || alone)) {
				rec.len[i] = VIEW_REUSE;
				rec.proved += !neutral;
			} else {
				ssize_t n = rec.stop ? -1 : w_read_view(i, base + size, w_text + used, relay_budget - used);
				if (n < 0) {
					rec.len[i] = VIEW_UNREAD;
					rec.stop = 1;
					unread = 1;
				} else {
					n = (ssize_t)view_compact(w_text + used, (size_t)n, base, base + size);
					rec.len[i] = (uint32_t)n;
					used += (size_t)n;
					go->seen[i] = 1;
				}
			}
		}
		rec.read_ns = now_ns() - t0;
		go->next++;
		go->bytes += (uint32_t)(sizeof rec + used);
		if (go->next == go->n || go->bytes + sizeof rec + relay_budget > relay_room)
			rec.stop = 1;
		if (write_full(relay_data[1], &rec, sizeof rec) < 0 || write_full(relay_data[1], w_text, used) < 0)
			_exit(3);
		if (rec.stop && go->ends && go->next == go->n && !unread) {
			kill(0, SIGKILL); /* the trace is over: its process group (this process too) */
			for (;;)
				pause();
		}
		if (rec.stop)
			break;
	}
	char one = 1;
	if (write_full(gone_pipe[1], &one, 1) < 0)
		_exit(3);
}

/* the controller's side: relay_data into rdata, and the records in it turned into output */

static void relay_take(void)
{
	for (;;) {
		if (rdata_cap - rdata_len < 65536) {
			size_t cap = rdata_cap ? 2 * rdata_cap : 1 << 20;
			rdata = dontfork_grow(rdata, rdata_cap, cap);
			rdata_cap = cap;
		}
		struct pollfd pf = {relay_data[0], POLLIN, 0};
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
			return;
		ssize_t n = read(relay_data[0], rdata + rdata_len, rdata_cap - rdata_len);
		if (n <= 0)
			return;
		rdata_len += (size_t)n;
	}
}

/* prints the complete records taken so far (the calls[] they are for, from *done on); 1 if one said stop */
static int relay_print(const struct cmd *calls, int *done)
{
	size_t at = 0;
	int stop = 0;
	while (!stop && rdata_len - at >= sizeof(struct relay_rec)) {
		struct relay_rec rec;
		memcpy(&rec, rdata + at, sizeof rec);
		size_t text = 0;
		for (int i = 0; i < MAXPROC; i++)
			if (rec.len[i] < VIEW_UNREAD)
				text += rec.len[i];
		if (rdata_len - at - sizeof rec < text)
			break;
		const struct cmd *c = &calls[(*done)++];
		run.callidx++;
		print_result(run.callidx - 1, c, &rec.r);
		if (c->op == OP_FORK && !rec.r.err) {
			procs[c->aux].state = 1;
			procs[c->aux].pid = (pid_t)rec.r.pid;
		}
		rt_ns_read += rec.read_ns;
		rt_ns_made += rec.call_ns;
		rt_proved += rec.proved;
		observe_all(run.t, -1, (int)c->proc, (int)c->op, rec.len, rdata + at + sizeof rec);
		at += sizeof rec + text;
		stop = rec.stop;
	}
	memmove(rdata, rdata + at, rdata_len - at);
	rdata_len -= at;
	return stop;
}

/* the relay sent and not yet taken back: its message, and the run's counters before each of its calls; in
 * MADV_DONTFORK memory (relay_open), as the controller writes it for every relay (three pages) */
static struct relay_sent {
	struct relay_msg m;
	int nhandles[RELAY_MAX + 1], nfiles[RELAY_MAX + 1], nprocs[RELAY_MAX + 1];
	int pending;
	uint64_t t0;
} *rl;

/* calls[0..n) as a relay down its first process's command pipe (p0's may be sent before p0 is forked: its pid is
 * then 0, and p0 takes its own); 0 if it could not be sent (nothing changed) */
static int relay_send(const struct cmd *calls, int n, int ends)
{
	struct relay_msg *m = &rl->m;
	int *nhandles = rl->nhandles, *nfiles = rl->nfiles, *nprocs = rl->nprocs;
	memset(m, 0, sizeof *m);
	for (int k = 0; k < n; k++) {
		nhandles[k] = run.nhandles;
		nfiles[k] = run.nfiles;
		nprocs[k] = run.nprocs;
		m->calls[k] = calls[k];
		prepare_call(&m->calls[k]);
	}
	nhandles[n] = run.nhandles;
	nfiles[n] = run.nfiles;
	nprocs[n] = run.nprocs;
	m->op.op = OP_RELAY;
	m->go.n = (uint32_t)n;
	m->go.ends = (uint32_t)ends;
	for (int i = 0; i < MAXPROC; i++) {
		m->go.pid[i] = procs[i].pid;
		m->go.live[i] = procs[i].state == 1;
		m->go.seen[i] = rt_views[i].len > 0;
	}
	rl->t0 = now_ns();
	if (write_full(pipes_cmd[m->calls[0].proc][1], m, offsetof(struct relay_msg, calls) + (size_t)n * sizeof(struct cmd)) < 0) {
		run.nhandles = nhandles[0];
		run.nfiles = nfiles[0];
		run.nprocs = nprocs[0];
		return 0;
	}
	rl->pending = 1;
	return 1;
}

/* the sent relay's records taken back and printed (*done: how many calls they cover), and the run's counters as they
 * stand after those calls */
static void relay_collect(int *done)
{
	relay_take();
	relay_print(rl->m.calls, done);
	run.nhandles = rl->nhandles[*done];
	run.nfiles = rl->nfiles[*done];
	run.nprocs = rl->nprocs[*done];
}

/*
 * Runs calls[0..n) (relayable: see relay_len) as one relay and prints them: how many ran (fewer if the relay stopped
 * early; 0 if it could not start, and the controller makes the next call itself), or -1 when the trace failed (its
 * last line printed).  ends: calls[n - 1] is the trace's last call; when the relay gets there the trace's processes
 * are gone (or going) on return.
 */
static int trace_relay(const struct cmd *calls, int n, int ends)
{
	if (!rl->pending && !relay_send(calls, n, ends))
		return 0;
	rl->pending = 0;
	const struct relay_msg *m = &rl->m;
	n = (int)m->go.n; /* a relay sent before p0's fork is the one the caller asks for: the same calls */
	ends = (int)m->go.ends;
	int done = 0;
	uint64_t t0 = rl->t0, read0 = rt_ns_read;
	int64_t deadline = now_ms() + timeout_ms;
	size_t seen_bytes = 0;
	int hung = 0; /* every trace process is gone */
	uint64_t waited;
	for (;;) {
		struct pollfd pf = {gone_pipe[0], POLLIN, 0};
		int64_t left = deadline - now_ms();
		/* woken by the end, or by gone_pipe's hang-up when all died; one process's death is looked for every 100 ms
		 * (a wake-up costs two context switches, and a relay under emulation may well outlast 20 ms) */
		int pr = poll(&pf, 1, left < 0 ? 0 : left > 100 ? 100 : (int)left);
		if (pr > 0) {
			char one;
			if ((pf.revents & POLLIN) && read(gone_pipe[0], &one, 1) == 1)
				break;
			if (pf.revents & (POLLHUP | POLLERR)) {
				hung = 1;
				break;
			}
		}
		int avail = 0;
		if (ioctl(relay_data[0], FIONREAD, &avail) == 0 && (size_t)avail != seen_bytes) {
			seen_bytes = (size_t)avail; /* a call ended: the next has its own time */
			deadline = now_ms() + timeout_ms;
		}
		int st;
		pid_t w = waitpid(-pgid, &st, WNOHANG);
		if (w > 0 || now_ms() >= deadline) {
			waited = now_ns() - t0;
			relay_collect(&done);
			if (w > 0 && ends && done == n)
				goto ended; /* one of the processes the relay's end killed */
			if (w > 0)
				describe_death(w, st, -1);
			else
				snprintf(fail_msg, sizeof fail_msg, "timeout %d", run.callidx);
			return trace_fail();
		}
	}
	waited = now_ns() - t0;
	relay_collect(&done);
	if (hung && !(ends && done == n)) { /* they all died before the relay's end */
		int st;
		pid_t w = waitpid(-pgid, &st, 0);
		if (w > 0)
			describe_death(w, st, -1);
		else
			snprintf(fail_msg, sizeof fail_msg, "crash p? gone");
		return trace_fail();
	}
	/* a relay that ended early without saying stop could not hand over: its next process is gone */
	if (!hung && check_deaths(-1) < 0)
		return trace_fail();
ended:
	rt_ns_call += waited - (rt_ns_read - read0 < waited ? rt_ns_read - read0 : 0);
	rt_relays += done > 0;
	rt_relayed += (uint64_t)done;
	return done;
}

/* how many of calls[0..n) from the first on can run as one relay: none an exit, each by a live process or one a fork
 * in the relay makes */
static int relay_len(const struct cmd *calls, int n)
{
	int k = 0, next = run.nprocs;
	unsigned forked = 0;
	while (k < n && k < RELAY_MAX && calls[k].op != OP_EXIT && calls[k].proc < MAXPROC &&
	       (procs[calls[k].proc].state == 1 || (forked >> calls[k].proc & 1))) {
		if (calls[k].op == OP_FORK && next < MAXPROC)
			forked |= 1u << next++;
		k++;
	}
	return k;
}

/* ------------------------------------------------------------------ */
/* setting relays up                                                   */

/* the controller's hook before p0's fork (rt_first_calls): p0's first relay, if its first calls make one */
static void relay_first(void)
{
	const struct trace *t = run.t;
	int k = relay_len(t->calls, t->ncalls);
	if (k)
		relay_send(t->calls, k, k == t->ncalls);
}

/* a trace process's hook (rt_worker_op): 1 if the command was a relay, run now */
static int relay_worker_op(const struct cmd *c, uint64_t base, uint64_t size)
{
	if (c->op != OP_RELAY)
		return 0;
	w_relay(base, size);
	return 1;
}

/* in p0, before its first call: the controller's end is not a trace process's */
static void relay_child(void)
{
	close(relay_data[0]);
	relay_data[0] = -1;
}

/* as each trace begins: nothing left of an earlier trace's relays */
static void relay_reset(void)
{
	rdata_len = 0;
	rl->pending = 0;
	drain_fd(relay_data[0]);
	drain_fd(relay_born[0]);
}

/* before the first trace: the two pipes, and the hooks; 0 if relays cannot run (every call goes through the controller) */
static int relay_open(void)
{
	if (pipe(relay_data) < 0)
		return 0;
	if (pipe(relay_born) < 0) {
		close(relay_data[0]);
		close(relay_data[1]);
		relay_data[0] = relay_data[1] = -1;
		return 0;
	}
	fcntl(relay_data[0], F_SETPIPE_SZ, 1 << 20);
	int room = fcntl(relay_data[0], F_GETPIPE_SZ);
	relay_room = room > 0 ? (uint32_t)room : 4096;
	relay_budget = relay_room / 2 - sizeof(struct relay_rec) < RELAY_TEXT ? relay_room / 2 - (uint32_t)sizeof(struct relay_rec) : RELAY_TEXT;
	rl = dontfork_grow(NULL, 0, page_align(sizeof *rl));
	rt_worker_op = relay_worker_op;
	rt_first_calls = relay_first;
	rt_keep_cmd_pipes = 1; /* in a relay the processes hand calls to each other */
	return 1;
}

#endif
