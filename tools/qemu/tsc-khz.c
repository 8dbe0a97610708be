/*
 * tsc-khz: this host's TSC rate in kHz, rounded to a whole MHz, for the guest kernel's tsc_early_khz= (see tsc-khz.sh).
 * Under TCG the guest's RDTSC reads the host's counter (QEMU's cpu_get_host_ticks), so the host's rate is the guest's.
 * Prints 0 where it cannot tell (no RDTSC, or a rate that moves between two measurements): the guest then calibrates.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double ns_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* one measurement over about 20 ms, in kHz (the two clocks are read side by side, a few tens of ns apart) */
static double measure(void)
{
	double n0 = ns_now();
	uint64_t t0 = __rdtsc();
	struct timespec pause = {0, 20 * 1000 * 1000};
	nanosleep(&pause, NULL);
	double n1 = ns_now();
	uint64_t t1 = __rdtsc();
	return (double)(t1 - t0) / (n1 - n0) * 1e6;
}

int main(void)
{
	/* two measurements in a row that agree to the MHz; a preemption between two clock reads spoils one, so a few tries */
	long prev = -1;
	for (int tries = 0; tries < 6; tries++) {
		long mhz = (long)(measure() / 1000 + 0.5);
		if (mhz == prev && mhz >= 1 && mhz < 10000) {
			printf("%ld\n", mhz * 1000);
			return 0;
		}
		prev = mhz;
	}
	printf("0\n");
	return 0;
}
