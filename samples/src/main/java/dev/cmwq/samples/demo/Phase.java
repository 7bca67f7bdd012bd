package dev.cmwq.samples.demo;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueStats;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import reactor.core.publisher.Mono;

/**
 * Runs the workload once on one scheduler and watches it.
 *
 * <p>A producer thread ({@code demo-producer}) submits item {@code i} at
 * {@code i × intervalNanos} after the start, each as
 * {@code Mono.fromRunnable(item).subscribeOn(scheduler).subscribe(...)}: the same code path for
 * every scheduler. When it is late it catches up, so arrivals never depend on how the scheduler
 * copes. The subscriber's completion callback, which runs on the scheduler's thread right after
 * the item, records the item's latency (arrival to done) and the time of the last completion.
 * Meanwhile the calling thread prints a {@link LiveTable} row every {@code tick} until every item
 * is done.
 *
 * <p>Happens-before: the producer writes {@code arrivedAt[i]} before subscribing item {@code i},
 * and the scheduler's hand-off publishes it to the worker; each callback writes
 * {@code latency[i]} before counting down {@code finished}, and the caller reads the arrays only
 * after {@code finished.await()} returned.
 */
final class Phase {

  private final Contender contender; // I
  private final Workload workload; // I
  private final boolean[] plan; // I: read-only
  private final ThreadCensus census; // I
  private final LiveTable table; // I
  private final Duration tick; // I

  private final long[] arrivedAt; // [i]: written by the producer before item i is subscribed
  private final long[] latency; // [i]: set by item i's callback if it completed, before finished.countDown()
  private final AtomicInteger submitted = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicLong lastDone = new AtomicLong(Long.MIN_VALUE); // max completion time
  private final CountDownLatch finished;
  private volatile long lastArrival; // written once by the producer after its last submission
  private long start; // written before the producer starts (Thread.start publishes it)
  private Optional<WorkqueueStats> base = Optional.empty(); // the counters at start; main thread only

  Phase(Contender contender, Workload workload, boolean[] plan, ThreadCensus census, LiveTable table, Duration tick) {
    this.contender = contender;
    this.workload = workload;
    this.plan = plan;
    this.census = census;
    this.table = table;
    this.tick = tick;
    this.arrivedAt = new long[plan.length];
    this.latency = new long[plan.length];
    this.finished = new CountDownLatch(plan.length);
  }

  /** CPU items run through the same path before the clock starts; see {@link #warmUp()}. */
  static final int WARM_UP_ITEMS = 200;

  /** Runs the phase to the end and closes the contender. Returns: what it measured. */
  PhaseResult run() throws InterruptedException {
    try {
      census.watch(contender.threadPrefix());
      table.header(contender);
      warmUp();
      census.resetPeak();
      return measure();
    } finally {
      contender.close(); // idempotent: measure() closes it first on the normal path
    }
  }

  /**
   * Runs {@link #WARM_UP_ITEMS} CPU items through the same path, one after the other, so that
   * class loading, the first thread start and the JIT are not billed to the phase (in a fresh
   * JVM the first item on a scheduler costs tens to hundreds of milliseconds). One at a time, so
   * that the warm-up itself needs no more than one thread of any scheduler; threads it started
   * that are still alive count in the phase's peak.
   *
   * <p>{@code block()} returns once the item signalled completion, which it does from inside
   * the work item, a moment before the workqueue counts it completed; the flush waits for that
   * moment, so that the phase's counters start from nothing in flight.
   */
  private void warmUp() throws InterruptedException {
    for (int i = 0; i < WARM_UP_ITEMS; i++) {
      Mono.fromRunnable(() -> workload.runItem(false)).subscribeOn(contender.scheduler()).block();
    }
    if (contender.workqueue().isPresent()) {
      contender.workqueue().get().flush();
    }
  }

  private PhaseResult measure() throws InterruptedException {
    base = contender.workqueue().map(Workqueue::stats);
    start = System.nanoTime();
    Thread producer = new Thread(this::produce, "demo-producer");
    producer.setDaemon(true);
    producer.start();

    long nextRow = start + tick.toNanos();
    while (!finished.await(Math.max(0, nextRow - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      row(System.nanoTime());
      nextRow += tick.toNanos();
    }
    producer.join();
    if (contender.workqueue().isPresent()) {
      // the last callback ran inside its item: let the workqueue count that item completed
      contender.workqueue().get().flush();
    }
    long makespan = lastDone.get() - start;
    row(start + makespan);
    int peak = census.peak();
    Optional<WorkqueueStats> stats = // read before the runtime shuts down
        contender.workqueue().map(wq -> LiveTable.since(base.orElseThrow(), wq.stats()));
    contender.close();
    int left = census.awaitGone(Duration.ofSeconds(5));
    table.closed(contender, left);
    return result(makespan, peak, stats, left);
  }

  private void produce() {
    long interval = workload.intervalNanos();
    for (int i = 0; i < plan.length; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      submit(i);
    }
    lastArrival = arrivedAt[plan.length - 1];
  }

  private void submit(int i) {
    boolean blocks = plan[i];
    arrivedAt[i] = System.nanoTime();
    submitted.incrementAndGet();
    Mono.fromRunnable(() -> workload.runItem(blocks))
        .subscribeOn(contender.scheduler())
        .subscribe(null, error -> done(i, false), () -> done(i, true));
  }

  private void done(int i, boolean ok) {
    long now = System.nanoTime();
    if (ok) {
      latency[i] = Math.max(1, now - arrivedAt[i]); // 0 marks "not completed"
      completed.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
    lastDone.accumulateAndGet(now, Math::max);
    finished.countDown();
  }

  /**
   * Prints a live row. Read in this order, the columns never contradict each other: an item's
   * callback runs inside the item, after it started, so {@code done <= total}; and an item starts
   * only after it arrived, so {@code total <= arrived}.
   */
  private void row(long at) {
    int d = completed.get() + failed.get();
    Optional<WorkqueueStats> stats = contender.workqueue().map(wq -> LiveTable.since(base.orElseThrow(), wq.stats()));
    int s = submitted.get();
    table.row(contender, stats, at - start, s, d, s - d, census.count());
  }

  private PhaseResult result(long makespan, int peak, Optional<WorkqueueStats> stats, int left) {
    long[] ok = new long[completed.get()];
    int n = 0;
    for (int i = 0; i < latency.length && n < ok.length; i++) {
      if (latency[i] > 0) {
        ok[n++] = latency[i];
      }
    }
    Arrays.sort(ok, 0, n);
    return new PhaseResult(
        contender.label(),
        plan.length,
        completed.get(),
        failed.get(),
        lastArrival - start,
        makespan,
        peak,
        percentile(ok, n, 50),
        percentile(ok, n, 99),
        stats,
        left);
  }

  private static long percentile(long[] sorted, int n, int p) {
    if (n == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * n) - 1; // nearest-rank
    return sorted[Math.max(0, Math.min(n - 1, rank))];
  }
}
