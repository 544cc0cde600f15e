/*
 * vector_state: does a kernel keep every task's FP/vector registers its own?
 *
 * Run in a lab guest, it starts PROCESSES processes of THREADS threads each.
 * Every thread loads its own pattern into the vector registers (ymm0-15 with
 * AVX2; zmm0-31 and k1-k7 with AVX-512, where the CPU has it), spins with
 * them held for a few milliseconds, stores them and compares them with the
 * pattern, again and again for SECONDS. All threads share one guest CPU, so
 * the guest kernel preempts them mid-spin and has to save and restore the
 * whole state; every 2 ms of its CPU time a thread gets a SIGALRM (its own
 * timer) mid-block, whose handler overwrites every vector register: the
 * signal frame has to put them back.
 *
 * Prints one summary line and exits 0 only when there was no mismatch, every
 * thread was preempted while it held its pattern and signals were handled
 * (a run that exercised nothing is a failure too). Exit 1 on mismatches,
 * 2 on a run that proves nothing, 3 on a usage or system error.
 *
 * Build (static, so any Debian guest runs it): gcc -O2 -pthread -static
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
/* zmm0-31 (64 bytes each), then k1-k7 stored as 8 bytes each */
#define ZMM_BYTES (32 * 64)
#define STATE_BYTES (ZMM_BYTES + 8 * 8)

enum isa { ISA_AVX2, ISA_AVX512 };

struct totals {			/* what one process reports to the parent */
	uint64_t blocks, mismatched_blocks, preempted_blocks, signals;
	uint64_t threads_preempted, threads;
	char first_mismatch[200];
};

static enum isa isa;
static long spins = 4000000;	/* spin iterations per block: a few ms */
static double seconds = 10.0;
static volatile sig_atomic_t stop;
static uint64_t signals_handled;	/* per process; only the handler writes */

/* --- loading, holding and storing the registers ---------------------------- */

#define LD_Y(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define ST_Y(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
		 M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define ALL32(M) ALL16(M) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
		 M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define LD_Z(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n\t"
#define ST_Z(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n\t"
#define LD_K(n) "kmovw 2048+" #n "*8(%[in]), %%k" #n "\n\t"
#define ST_K(n) "kmovw %%k" #n ", 2048+" #n "*8(%[out])\n\t"
#define K7(M) M(1) M(2) M(3) M(4) M(5) M(6) M(7)

#define YMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", \
	"xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define ZMM_CLOBBERS YMM_CLOBBERS, "xmm16", "xmm17", "xmm18", "xmm19", \
	"xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", \
	"xmm27", "xmm28", "xmm29", "xmm30", "xmm31", \
	"k1", "k2", "k3", "k4", "k5", "k6", "k7"

__attribute__((target("avx2")))
static void hold_avx2(const uint8_t *in, uint8_t *out, long n)
{
	__asm__ volatile(ALL16(LD_Y)
			 "1: dec %[n]\n\tjnz 1b\n\t"
			 ALL16(ST_Y)
			 : [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", "cc", YMM_CLOBBERS);
}

__attribute__((target("avx512f")))
static void hold_avx512(const uint8_t *in, uint8_t *out, long n)
{
	__asm__ volatile(ALL32(LD_Z) K7(LD_K)
			 "1: dec %[n]\n\tjnz 1b\n\t"
			 ALL32(ST_Z) K7(ST_K)
			 : [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", "cc", ZMM_CLOBBERS);
}

static void hold(const uint8_t *in, uint8_t *out, long n)
{
	if (isa == ISA_AVX512)
		hold_avx512(in, out, n);
	else
		hold_avx2(in, out, n);
}

/* Bytes of state a block compares: ymm0-15, or zmm0-31 plus k1-k7 (16 bits each). */
static int compare(const uint8_t *want, const uint8_t *got, char *where, size_t size)
{
	if (isa == ISA_AVX2) {
		for (int i = 0; i < 16 * 32; i++)
			if (want[i] != got[i]) {
				snprintf(where, size, "ymm%d byte %d: want %#04x got %#04x",
					 i / 32, i % 32, want[i], got[i]);
				return 1;
			}
		return 0;
	}
	for (int i = 0; i < ZMM_BYTES; i++)
		if (want[i] != got[i]) {
			snprintf(where, size, "zmm%d byte %d: want %#04x got %#04x",
				 i / 64, i % 64, want[i], got[i]);
			return 1;
		}
	for (int k = 1; k <= 7; k++)
		if (memcmp(want + 2048 + k * 8, got + 2048 + k * 8, 2)) {
			snprintf(where, size, "k%d differs", k);
			return 1;
		}
	return 0;
}

/* --- the signal handler: overwrite every vector register ----------------------- */

static uint8_t clobber_pattern[STATE_BYTES] __attribute__((aligned(64)));

static int corrupt_frames;	/* -c: prove that a changed register is seen */

static void on_alarm(int sig, siginfo_t *info, void *context)
{
	static __thread uint8_t scratch[STATE_BYTES] __attribute__((aligned(64)));
	ucontext_t *uc = context;

	(void)sig;
	(void)info;
	hold(clobber_pattern, scratch, 1);
	/* The control run: change xmm0 in the interrupted thread's saved state, which
	 * sigreturn loads; the block that held it must then report a mismatch. */
	if (corrupt_frames && uc->uc_mcontext.fpregs)
		uc->uc_mcontext.fpregs->_xmm[0].element[0] ^= 0x5a5a5a5a;
	__atomic_fetch_add(&signals_handled, 1, __ATOMIC_RELAXED);
}

/* --- the workers ---------------------------------------------------------------- */

struct worker {
	pthread_t thread;
	int id;
	uint64_t blocks, mismatched_blocks, preempted_blocks;
	char first_mismatch[200];
};

static void fill_pattern(uint8_t *pattern, unsigned seed)
{
	/* Distinct for every worker, register and byte: a leak shows whose it was. */
	for (int i = 0; i < STATE_BYTES; i++)
		pattern[i] = (uint8_t)(seed * 37 + i * 11 + (i >> 6) * 5 + 1);
}

static long involuntary_switches(void)
{
	struct rusage usage;

	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_nivcsw;
}

/* SIGALRM to this thread every 2 ms of its own CPU time: it arrives mid-block. */
static void start_thread_timer(void)
{
	struct sigevent event = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM};
	struct itimerspec every = {{0, 2000000}, {0, 2000000}};
	sigset_t alarm;
	timer_t timer;

	event._sigev_un._tid = gettid();	/* sigev_notify_thread_id, which glibc 2.36 lacks */
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &timer) ||
	    timer_settime(timer, 0, &every, NULL)) {
		perror("timer_create");
		exit(3);
	}
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t want[STATE_BYTES] __attribute__((aligned(64)));
	uint8_t got[STATE_BYTES] __attribute__((aligned(64)));
	char where[sizeof(w->first_mismatch)];

	fill_pattern(want, (unsigned)w->id);
	start_thread_timer();
	while (!stop) {
		long before = involuntary_switches();

		memset(got, 0, sizeof(got));
		hold(want, got, spins);
		w->blocks++;
		if (involuntary_switches() != before)
			w->preempted_blocks++;
		if (compare(want, got, where, sizeof(where))) {
			if (!w->mismatched_blocks)
				memcpy(w->first_mismatch, where, sizeof(where));
			w->mismatched_blocks++;
		}
	}
	return NULL;
}

static void run_process(int index, int threads, int report_fd)
{
	struct worker workers[MAX_THREADS];
	struct totals t = {0};
	struct sigaction action = {.sa_sigaction = on_alarm, .sa_flags = SA_RESTART | SA_SIGINFO};
	sigset_t alarm;
	struct timespec nap = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};

	memset(workers, 0, sizeof(workers));
	sigaction(SIGALRM, &action, NULL);
	/* Only the workers take SIGALRM (each from its own timer), never this thread. */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm, NULL);
	for (int i = 0; i < threads; i++) {
		workers[i].id = index * MAX_THREADS + i;
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i])) {
			perror("pthread_create");
			exit(3);
		}
	}
	while (nanosleep(&nap, &nap) == -1 && errno == EINTR)
		;
	stop = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(workers[i].thread, NULL);
		t.blocks += workers[i].blocks;
		t.mismatched_blocks += workers[i].mismatched_blocks;
		t.preempted_blocks += workers[i].preempted_blocks;
		t.threads_preempted += workers[i].preempted_blocks > 0;
		if (!t.first_mismatch[0] && workers[i].first_mismatch[0])
			snprintf(t.first_mismatch, sizeof(t.first_mismatch), "process %d thread %d: %s",
				 index, i, workers[i].first_mismatch);
	}
	t.threads = threads;
	t.signals = signals_handled;
	if (write(report_fd, &t, sizeof(t)) != (ssize_t)sizeof(t))
		exit(3);
	exit(0);
}

int main(int argc, char **argv)
{
	int processes = 2, threads = 2, opt, fds[2];
	struct totals all = {0};

	while ((opt = getopt(argc, argv, "p:t:s:n:c")) != -1) {
		switch (opt) {
		case 'c': corrupt_frames = 1; break;
		case 'p': processes = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'n': spins = atol(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-p processes] [-t threads] [-s seconds] "
				"[-n spins per block] [-c]\n"
				"  -c: corrupt xmm0 in every signal frame (a control: must fail)\n",
				argv[0]);
			return 3;
		}
	}
	if (processes < 1 || threads < 1 || threads > MAX_THREADS || seconds <= 0 || spins < 1) {
		fprintf(stderr, "vector_state: bad arguments\n");
		return 3;
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		isa = ISA_AVX512;
	else if (__builtin_cpu_supports("avx2"))
		isa = ISA_AVX2;
	else {
		fprintf(stderr, "vector_state: this CPU has neither AVX2 nor AVX-512\n");
		return 3;
	}
	fill_pattern(clobber_pattern, 0xA5);
	if (pipe(fds)) {
		perror("pipe");
		return 3;
	}
	for (int p = 0; p < processes; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 3;
		}
		if (pid == 0) {
			close(fds[0]);
			run_process(p, threads, fds[1]);
		}
	}
	close(fds[1]);
	for (int p = 0; p < processes; p++) {
		struct totals t;
		int status;

		if (read(fds[0], &t, sizeof(t)) != (ssize_t)sizeof(t)) {
			fprintf(stderr, "vector_state: a process did not report\n");
			return 3;
		}
		all.blocks += t.blocks;
		all.mismatched_blocks += t.mismatched_blocks;
		all.preempted_blocks += t.preempted_blocks;
		all.signals += t.signals;
		all.threads += t.threads;
		all.threads_preempted += t.threads_preempted;
		if (!all.first_mismatch[0] && t.first_mismatch[0])
			memcpy(all.first_mismatch, t.first_mismatch, sizeof(all.first_mismatch));
		wait(&status);
	}
	printf("vector_state: isa=%s processes=%d threads=%d seconds=%.1f blocks=%llu "
	       "preempted_blocks=%llu threads_preempted=%llu signals=%llu mismatches=%llu%s%s\n",
	       isa == ISA_AVX512 ? "avx512" : "avx2", processes, threads, seconds,
	       (unsigned long long)all.blocks, (unsigned long long)all.preempted_blocks,
	       (unsigned long long)all.threads_preempted,
	       (unsigned long long)all.signals, (unsigned long long)all.mismatched_blocks,
	       all.first_mismatch[0] ? " first: " : "", all.first_mismatch);
	if (all.mismatched_blocks)
		return 1;
	if (all.threads_preempted < all.threads || all.signals == 0)
		return 2;
	return 0;
}
