/* DAMON sampling experiment (docs/NONDETERMINISM.md): a fork child whose PTEs are old gains Referenced over time. gcc -O2 damon-referenced.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/wait.h>
static long referenced(pid_t pid, unsigned long addr) {
	char path[64], line[256]; snprintf(path, sizeof path, "/proc/%d/smaps", pid);
	FILE *f = fopen(path, "r"); long ref = -1; int in = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && strchr(line, ' ') && line[strlen(line)-1]=='\n' && strstr(line, " rw-p ")) in = (s == addr);
		else if (in && !strncmp(line, "Referenced:", 11)) { ref = atol(line + 11); in = 0; }
	}
	fclose(f); return ref;
}
int main(void) {
	size_t len = 256UL << 20;
	char *p = mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0);
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += 4096) p[i] = 1;
	pid_t c = fork();
	if (c == 0) { pause(); _exit(0); }
	for (int t = 0; t <= 20; t += 2) {
		printf("t=%2ds child Referenced %ld kB, parent %ld kB\n", t, referenced(c, (unsigned long)p), referenced(getpid(), (unsigned long)p));
		fflush(stdout); sleep(2);
	}
	kill(c, 9); wait(NULL); return 0;
}
