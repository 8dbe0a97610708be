/*
 * calls.h: the calls AnonVma makes, their flag names and the executor's limits, as the executor and every
 * C reproducer need them.  Generated from model/Calls/CallTable.cs, FlagFamily.cs and ExecutorLimits.cs:
 * do not edit.  Regenerate with
 *     ANONVMA_REGENERATE=1 dotnet test AnonVma.sln --filter CallHeaderTests
 * Include it after the system headers: it defines only the names they lack.
 */
#ifndef ANONVMA_CALLS_H
#define ANONVMA_CALLS_H

#define MAXPROC 8
#define MAXHANDLE 16
#define NAME_MAX_BYTES 255

/* flag and option names */
#ifndef PROT_READ
#define PROT_READ 0x1
#endif
#ifndef PROT_WRITE
#define PROT_WRITE 0x2
#endif
#ifndef PROT_EXEC
#define PROT_EXEC 0x4
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN 0x1000000
#endif
#ifndef PROT_GROWSUP
#define PROT_GROWSUP 0x2000000
#endif
#ifndef MAP_SHARED
#define MAP_SHARED 0x1
#endif
#ifndef MAP_PRIVATE
#define MAP_PRIVATE 0x2
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x3
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x8
#endif
#ifndef MAP_FIXED
#define MAP_FIXED 0x10
#endif
#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS 0x20
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN 0x100
#endif
#ifndef MAP_DENYWRITE
#define MAP_DENYWRITE 0x800
#endif
#ifndef MAP_EXECUTABLE
#define MAP_EXECUTABLE 0x1000
#endif
#ifndef MAP_LOCKED
#define MAP_LOCKED 0x2000
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0x4000
#endif
#ifndef MAP_POPULATE
#define MAP_POPULATE 0x8000
#endif
#ifndef MAP_NONBLOCK
#define MAP_NONBLOCK 0x10000
#endif
#ifndef MAP_STACK
#define MAP_STACK 0x20000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_REFPAGE
#define MAP_REFPAGE 0x200000
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 0x1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 0x2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 0x4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x1
#endif
#ifndef MCL_CURRENT
#define MCL_CURRENT 0x1
#endif
#ifndef MCL_FUTURE
#define MCL_FUTURE 0x2
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 0x4
#endif
#ifndef MADV_NORMAL
#define MADV_NORMAL 0x0
#endif
#ifndef MADV_RANDOM
#define MADV_RANDOM 0x1
#endif
#ifndef MADV_SEQUENTIAL
#define MADV_SEQUENTIAL 0x2
#endif
#ifndef MADV_WILLNEED
#define MADV_WILLNEED 0x3
#endif
#ifndef MADV_DONTNEED
#define MADV_DONTNEED 0x4
#endif
#ifndef MADV_FREE
#define MADV_FREE 0x8
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 0x9
#endif
#ifndef MADV_DONTFORK
#define MADV_DONTFORK 0xa
#endif
#ifndef MADV_DOFORK
#define MADV_DOFORK 0xb
#endif
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 0xc
#endif
#ifndef MADV_UNMERGEABLE
#define MADV_UNMERGEABLE 0xd
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 0xe
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 0xf
#endif
#ifndef MADV_DONTDUMP
#define MADV_DONTDUMP 0x10
#endif
#ifndef MADV_DODUMP
#define MADV_DODUMP 0x11
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 0x12
#endif
#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK 0x13
#endif
#ifndef MADV_COLD
#define MADV_COLD 0x14
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 0x15
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 0x16
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 0x17
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 0x18
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 0x19
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON 0x64
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 0x65
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 0x66
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 0x67
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0x0
#endif

/* the calls, in the order of the table */
enum op {
	OP_MMAP,
	OP_MUNMAP,
	OP_MREMAP,
	OP_MPROTECT,
	OP_MLOCK,
	OP_MLOCK2,
	OP_MUNLOCK,
	OP_MLOCKALL,
	OP_MUNLOCKALL,
	OP_MADVISE,
	OP_PRCTL,
	OP_READ,
	OP_WRITE,
	OP_STORE,
	OP_FORK,
	OP_EXIT,
	OP_MEMFD_CREATE,
	OP_FILE,
	OP_SETCREDS,
	OP_COUNT
};

/* how a batch spells an argument: a number (hex or decimal), a handle (-1 or hN), a name (NULL, BADPTR or hex:...) */
enum argkind { AK_NUM, AK_HANDLE, AK_NAME };

/* the executor's arena rule for a call (tools/executor/README.md, "Range rule") */
enum range { RANGE_NONE, RANGE_MMAP, RANGE_MUNMAP, RANGE_MREMAP, RANGE_PLAIN, RANGE_MLOCK, RANGE_BYTE };

/* what a call does to the trace's processes and handles */
enum effect { EFFECT_NONE, EFFECT_FORK, EFFECT_EXIT, EFFECT_NEW_HANDLE };

static const struct opdesc {
	const char *name;        /* as batches and traces spell it */
	int nargs;               /* argument tokens after the name */
	unsigned char kind[6];   /* each token's enum argkind */
	unsigned char addr;      /* the address's index in cmd.a[] (numeric arguments only, in order) */
	unsigned char range;     /* enum range */
	unsigned char effect;    /* enum effect */
} opdesc[OP_COUNT] = {
	[OP_MMAP] = {"mmap", 6, {AK_NUM, AK_NUM, AK_NUM, AK_NUM, AK_HANDLE, AK_NUM}, 0, RANGE_MMAP, EFFECT_NONE},
	[OP_MUNMAP] = {"munmap", 2, {AK_NUM, AK_NUM}, 0, RANGE_MUNMAP, EFFECT_NONE},
	[OP_MREMAP] = {"mremap", 5, {AK_NUM, AK_NUM, AK_NUM, AK_NUM, AK_NUM}, 0, RANGE_MREMAP, EFFECT_NONE},
	[OP_MPROTECT] = {"mprotect", 3, {AK_NUM, AK_NUM, AK_NUM}, 0, RANGE_PLAIN, EFFECT_NONE},
	[OP_MLOCK] = {"mlock", 2, {AK_NUM, AK_NUM}, 0, RANGE_MLOCK, EFFECT_NONE},
	[OP_MLOCK2] = {"mlock2", 3, {AK_NUM, AK_NUM, AK_NUM}, 0, RANGE_MLOCK, EFFECT_NONE},
	[OP_MUNLOCK] = {"munlock", 2, {AK_NUM, AK_NUM}, 0, RANGE_MLOCK, EFFECT_NONE},
	[OP_MLOCKALL] = {"mlockall", 1, {AK_NUM}, 0, RANGE_NONE, EFFECT_NONE},
	[OP_MUNLOCKALL] = {"munlockall", 0, {0}, 0, RANGE_NONE, EFFECT_NONE},
	[OP_MADVISE] = {"madvise", 3, {AK_NUM, AK_NUM, AK_NUM}, 0, RANGE_PLAIN, EFFECT_NONE},
	[OP_PRCTL] = {"prctl", 4, {AK_NUM, AK_NUM, AK_NUM, AK_NAME}, 1, RANGE_PLAIN, EFFECT_NONE},
	[OP_READ] = {"read", 1, {AK_NUM}, 0, RANGE_BYTE, EFFECT_NONE},
	[OP_WRITE] = {"write", 1, {AK_NUM}, 0, RANGE_BYTE, EFFECT_NONE},
	[OP_STORE] = {"store", 2, {AK_NUM, AK_NUM}, 0, RANGE_BYTE, EFFECT_NONE},
	[OP_FORK] = {"fork", 0, {0}, 0, RANGE_NONE, EFFECT_FORK},
	[OP_EXIT] = {"exit", 0, {0}, 0, RANGE_NONE, EFFECT_EXIT},
	[OP_MEMFD_CREATE] = {"memfd_create", 1, {AK_NUM}, 0, RANGE_NONE, EFFECT_NEW_HANDLE},
	[OP_FILE] = {"file", 1, {AK_NUM}, 0, RANGE_NONE, EFFECT_NEW_HANDLE},
	[OP_SETCREDS] = {"setcreds", 2, {AK_NUM, AK_NUM}, 0, RANGE_NONE, EFFECT_NONE},
};

#endif /* ANONVMA_CALLS_H */
