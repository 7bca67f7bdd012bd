package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Timer lateness (DESIGN §9): 20 000 timers at uniform delays in 1–200 ms, all armed at once by a
 * producer that then only waits. For each timer, lateness = the time its task starts running −
 * its deadline (the arm time plus the delay), recorded in an HdrHistogram; a negative lateness
 * is an early fire and is counted apart.
 *
 * <p>The deadline is read just before the arm call, so it is never later than the deadline the
 * timer itself computes: the measured lateness includes the arm call (tens of nanoseconds) and
 * an early fire counted here is truly early. For cmwq the task runs on a worker after the timer
 * thread hands it over, so the hand-off is part of the lateness; the peers run the task on their
 * timer thread.
 *
 * <p>Peers: cmwq (an isolated runtime's {@code systemWq()}), a one-thread
 * {@link ScheduledThreadPoolExecutor}, Netty's {@link HashedWheelTimer} with a 1 ms tick. They
 * run one after another in the same JVM, each with a fresh instance, the same delays in every
 * round; round 1 is warm-up (printed, marked "warm-up", not to be quoted). Each peer gets two
 * rows: every timer, and "idle": only the timers due after arming had finished.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.cmwq.benchmarks.TimerLateness [rounds] [timers]}
 * (default 2 rounds, 20 000 timers).
 */
public final class TimerLateness {

  static final Duration MIN = Duration.ofMillis(1);
  static final Duration MAX = Duration.ofMillis(200);

  private TimerLateness() {}

  /** A timer implementation under test. */
  interface Peer {
    String name();

    /**
     * Arms one timer per delay, waits for all to fire, and returns: for each timer, its start
     * time minus its deadline, and how long arming them all took.
     */
    Run run(long[] delayNanos) throws Exception;
  }

  /**
   * One peer's round, in nanoseconds: {@code lateness[i]} = start of timer i's task − its
   * deadline; {@code deadline[i]} = that deadline; {@code armStart}, {@code armEnd} = when the
   * producer began and finished arming.
   */
  record Run(long[] lateness, long[] deadline, long armStart, long armEnd) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int timers = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    long[] delays = Delays.uniformNanos(timers, MIN, MAX, 0x1a7e);
    List<Peer> peers = List.of(new Cmwq(), new Stpe(), new Netty());

    System.out.printf(
        Locale.ROOT,
        "%d timers, delays U(%d ms, %d ms), %d round(s), round 1 is warm-up; %s %s, %d CPUs%n",
        timers,
        MIN.toMillis(),
        MAX.toMillis(),
        rounds,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    for (int round = 1; round <= rounds; round++) {
      System.out.printf(Locale.ROOT, "%nround %d%s%n", round, round == 1 && rounds > 1 ? " (warm-up)" : "");
      System.out.printf(
          Locale.ROOT,
          "%-12s %7s %6s %10s %10s %10s %10s %10s %10s %8s%n",
          "peer", "timers", "early", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs", "earliest", "arm ms");
      for (Peer peer : peers) {
        System.gc(); // start every peer from the same quiet heap
        report(peer.name(), peer.run(delays));
      }
    }
  }

  /**
   * Prints two rows: every timer, then (as "idle") only the timers due after the producer had
   * finished arming, when nothing but the timer itself competes for the CPUs.
   */
  static void report(String name, Run run) {
    report(name, run, false);
    report("  idle", run, true);
  }

  static void report(String name, Run run, boolean onlyDueAfterArming) {
    long[] lateness = run.lateness();
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    int early = 0;
    long earliest = Long.MAX_VALUE;
    for (int i = 0; i < lateness.length; i++) {
      if (onlyDueAfterArming && run.deadline()[i] - run.armEnd() < 0) {
        continue;
      }
      long l = lateness[i];
      earliest = Math.min(earliest, l);
      if (l < 0) {
        early++;
      }
      h.recordValue(Math.max(0, l));
    }
    System.out.printf(
        Locale.ROOT,
        "%-12s %7d %6d %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %8.1f%n",
        name,
        h.getTotalCount(),
        early,
        micros(h.getValueAtPercentile(50)),
        micros(h.getValueAtPercentile(90)),
        micros(h.getValueAtPercentile(99)),
        micros(h.getValueAtPercentile(99.9)),
        micros(h.getMaxValue()),
        micros(earliest),
        (run.armEnd() - run.armStart()) / 1e6);
  }

  static double micros(long nanos) {
    return nanos / 1_000.0;
  }

  static void await(CountDownLatch done, String what) throws InterruptedException {
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(what + ": " + done.getCount() + " timers never fired");
    }
  }

  /** cmwq: one {@link DelayedWork} per timer on an isolated runtime's system workqueue. */
  static final class Cmwq implements Peer {
    @Override
    public String name() {
      return "cmwq";
    }

    @Override
    public Run run(long[] delays) throws InterruptedException {
      int n = delays.length;
      long[] deadline = new long[n];
      long[] lateness = new long[n];
      CountDownLatch done = new CountDownLatch(n);
      long start;
      long end;
      DelayedWork[] works = new DelayedWork[n];
      Duration[] durations = Delays.durations(delays);
      for (int i = 0; i < n; i++) {
        int k = i;
        works[i] =
            DelayedWork.of(
                () -> {
                  lateness[k] = System.nanoTime() - deadline[k];
                  done.countDown();
                });
      }
      WorkqueueRuntime rt = WorkqueueRuntime.builder().build();
      try {
        Workqueue wq = rt.systemWq();
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          // visible to the item when it runs: queueDelayedWork happens-before the run
          deadline[i] = System.nanoTime() + delays[i];
          wq.queueDelayedWork(works[i], durations[i]);
        }
        end = System.nanoTime();
        await(done, name());
      } finally {
        rt.shutdown();
        rt.awaitTermination(Duration.ofSeconds(10));
      }
      return new Run(lateness, deadline, start, end);
    }
  }

  /** A one-thread {@link ScheduledThreadPoolExecutor}: the JDK's timer. */
  static final class Stpe implements Peer {
    @Override
    public String name() {
      return "STPE";
    }

    @Override
    public Run run(long[] delays) throws InterruptedException {
      int n = delays.length;
      long[] deadline = new long[n];
      long[] lateness = new long[n];
      CountDownLatch done = new CountDownLatch(n);
      long start;
      long end;
      Runnable[] tasks = new Runnable[n];
      for (int i = 0; i < n; i++) {
        int k = i;
        tasks[i] =
            () -> {
              lateness[k] = System.nanoTime() - deadline[k];
              done.countDown();
            };
      }
      ScheduledThreadPoolExecutor stpe =
          new ScheduledThreadPoolExecutor(1, r -> TimerBenchmark.daemon(r, "stpe-timer"));
      try {
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          deadline[i] = System.nanoTime() + delays[i];
          stpe.schedule(tasks[i], delays[i], TimeUnit.NANOSECONDS);
        }
        end = System.nanoTime();
        await(done, name());
      } finally {
        stpe.shutdownNow();
        stpe.awaitTermination(10, TimeUnit.SECONDS);
      }
      return new Run(lateness, deadline, start, end);
    }
  }

  /** Netty's {@link HashedWheelTimer}, 1 ms tick, default 512 buckets. */
  static final class Netty implements Peer {
    @Override
    public String name() {
      return "Netty HWT";
    }

    @Override
    public Run run(long[] delays) throws InterruptedException {
      int n = delays.length;
      long[] deadline = new long[n];
      long[] lateness = new long[n];
      CountDownLatch done = new CountDownLatch(n);
      long start;
      long end;
      io.netty.util.TimerTask[] tasks = new io.netty.util.TimerTask[n];
      for (int i = 0; i < n; i++) {
        int k = i;
        tasks[i] =
            timeout -> {
              lateness[k] = System.nanoTime() - deadline[k];
              done.countDown();
            };
      }
      HashedWheelTimer timer =
          new HashedWheelTimer(r -> TimerBenchmark.daemon(r, "netty-hwt"), 1, TimeUnit.MILLISECONDS);
      try {
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          deadline[i] = System.nanoTime() + delays[i];
          timer.newTimeout(tasks[i], delays[i], TimeUnit.NANOSECONDS);
        }
        end = System.nanoTime();
        await(done, name());
      } finally {
        timer.stop();
      }
      return new Run(lateness, deadline, start, end);
    }
  }
}
