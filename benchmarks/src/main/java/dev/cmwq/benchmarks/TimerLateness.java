package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
 * <p>Peers: cmwq (an isolated runtime's {@code systemWq()}, one {@link DelayedWork} per timer),
 * cmwq through its Reactor adapter ({@code CmwqSchedulers.bound(runtime).schedule(task, delay)}),
 * a one-thread {@link ScheduledThreadPoolExecutor}, Netty's {@link HashedWheelTimer} with a 1 ms
 * tick, and Reactor's {@code newParallel(N)} ({@code parallel()}: one STPE per worker, the task
 * runs on the timer thread). They run one after another in the same JVM, each with a fresh instance, the same delays in every
 * round; round 1 is warm-up (printed, marked "warm-up", not to be quoted). Each peer gets two
 * rows: every timer, and "idle": only the timers due after arming had finished.
 *
 * <p>How to read: p50/p90/p99/p99.9/max lateness in µs and the count of early fires (DESIGN
 * §9: p50 ≤ 150 µs, p99 ≤ 2 ms, never early). The report (and the closing lines printed with 3 or
 * more rounds) gives each figure's median over rounds 2..N, and early fires summed over every
 * round: on a VM one round's tail moves by milliseconds for every peer.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.cmwq.benchmarks.TimerLateness [--quick] [--json
 * FILE] [rounds] [timers]} (default 4 rounds, 20 000 timers; {@code --quick}: 1 round of 2 000).
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
    HarnessArgs a = HarnessArgs.parse(args);
    int rounds = a.intArg(0, a.quick() ? 1 : 4);
    int timers = a.intArg(1, a.quick() ? 2_000 : 20_000);
    Map<String, Object> report = run(rounds, timers, a.quick());
    if (a.json() != null) {
      Json.write(a.json(), report);
    }
  }

  /**
   * Runs every peer for {@code rounds} rounds, prints each round, and returns the report: {@code
   * {"harness", "params", "rows": [...]}} with, per peer, the medians over the measured rounds (all timers, then
   * "idle" ones, per peer).
   */
  static Map<String, Object> run(int rounds, int timers, boolean quick) throws Exception {
    long[] delays = Delays.uniformNanos(timers, MIN, MAX, 0x1a7e);
    List<Peer> peers = List.of(new Cmwq(), new CmwqReactor(), new Stpe(), new Netty(), new ReactorParallel());

    System.out.printf(
        Locale.ROOT,
        "TimerLateness: %d timers, delays U(%d ms, %d ms), %d round(s)%s; %s %s, %d CPUs%n",
        timers,
        MIN.toMillis(),
        MAX.toMillis(),
        rounds,
        rounds > 1 ? ", round 1 is warm-up" : " (no warm-up: not to be quoted)",
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    // per peer and set ("all", "idle"): the figures of every measured round (round 1 is warm-up
    // when there are several)
    Map<String, List<Map<String, Object>>> measured = new java.util.LinkedHashMap<>();
    Map<String, Long> earlyFires = new java.util.HashMap<>();
    for (int round = 1; round <= rounds; round++) {
      System.out.printf(Locale.ROOT, "%nround %d%s%n", round, round == 1 && rounds > 1 ? " (warm-up)" : "");
      System.out.printf(
          Locale.ROOT,
          "%-20s %7s %6s %10s %10s %10s %10s %10s %10s %8s%n",
          "peer", "timers", "early", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs", "earliest", "arm ms");
      for (Peer peer : peers) {
        System.gc(); // start every peer from the same quiet heap
        Run run = peer.run(delays);
        Map<String, Object> all = report(peer.name(), run, false);
        Map<String, Object> idle = report("  idle", run, true);
        // early fires count in every round, warm-up included: never early has no warm-up
        earlyFires.merge(peer.name() + "\u0000all", ((Number) all.get("early")).longValue(), Long::sum);
        earlyFires.merge(peer.name() + "\u0000idle", ((Number) idle.get("early")).longValue(), Long::sum);
        if (round > 1 || rounds == 1) {
          measured.computeIfAbsent(peer.name() + "\u0000all", k -> new ArrayList<>()).add(all);
          measured.computeIfAbsent(peer.name() + "\u0000idle", k -> new ArrayList<>()).add(idle);
        }
      }
    }
    // on a VM one round's tail swings by milliseconds for every peer alike (the host's steal,
    // the JIT): the report gives each figure's median over the measured rounds
    List<Object> rows = new ArrayList<>();
    for (Map.Entry<String, List<Map<String, Object>>> e : measured.entrySet()) {
      Map<String, Object> median = medianOf(e.getValue());
      median.put("peer", e.getKey().substring(0, e.getKey().indexOf('\u0000')));
      median.put("rounds", e.getValue().size());
      median.put("early", earlyFires.get(e.getKey())); // a total, not a median
      rows.add(median);
    }
    if (rounds > 2) {
      System.out.printf(Locale.ROOT, "%nmedian of rounds 2..%d%n", rounds);
      for (Object o : rows) {
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) o;
        System.out.printf(
            Locale.ROOT,
            "%-20s %-4s p50 %8.1f µs  p99 %8.1f µs  p99.9 %8.1f µs  early %s%n",
            r.get("peer"),
            r.get("set"),
            r.get("p50Us"),
            r.get("p99Us"),
            r.get("p999Us"),
            r.get("early"));
      }
    }
    Map<String, Object> params = Json.object();
    params.put("timers", timers);
    params.put("minDelayMs", MIN.toMillis());
    params.put("maxDelayMs", MAX.toMillis());
    params.put("rounds", rounds);
    params.put("quick", quick);
    Map<String, Object> report = Json.object();
    report.put("harness", "TimerLateness");
    report.put("params", params);
    report.put("rows", rows);
    return report;
  }

  /**
   * Returns: one row whose numeric fields are the medians of {@code rounds}' (the upper middle
   * for an even count), and whose other fields are the first round's.
   */
  static Map<String, Object> medianOf(List<Map<String, Object>> rounds) {
    Map<String, Object> out = Json.object();
    for (Map.Entry<String, Object> e : rounds.get(0).entrySet()) {
      if (e.getValue() instanceof Number) {
        double[] v = new double[rounds.size()];
        int n = 0;
        for (Map<String, Object> r : rounds) {
          if (r.get(e.getKey()) instanceof Number x) {
            v[n++] = x.doubleValue();
          }
        }
        double[] sorted = java.util.Arrays.copyOf(v, n);
        java.util.Arrays.sort(sorted);
        out.put(e.getKey(), n == 0 ? null : sorted[n / 2]);
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /**
   * Prints one row and returns its figures: every timer, or (as "idle") only the timers due after
   * the producer had finished arming, when nothing but the timer itself competes for the CPUs.
   */
  static Map<String, Object> report(String name, Run run, boolean onlyDueAfterArming) {
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
        "%-20s %7d %6d %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %8.1f%n",
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
    Map<String, Object> m = Json.object();
    m.put("set", onlyDueAfterArming ? "idle" : "all");
    m.put("timers", h.getTotalCount());
    m.put("early", early);
    m.put("p50Us", micros(h.getValueAtPercentile(50)));
    m.put("p90Us", micros(h.getValueAtPercentile(90)));
    m.put("p99Us", micros(h.getValueAtPercentile(99)));
    m.put("p999Us", micros(h.getValueAtPercentile(99.9)));
    m.put("maxUs", micros(h.getMaxValue()));
    m.put("earliestUs", h.getTotalCount() == 0 ? null : micros(earliest));
    m.put("armMs", (run.armEnd() - run.armStart()) / 1e6);
    return m;
  }

  static double micros(long nanos) {
    return nanos / 1_000.0;
  }

  static void await(CountDownLatch done, String what) throws InterruptedException {
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(what + ": " + done.getCount() + " timers never fired");
    }
  }

  /**
   * What every peer's timers record: per timer, its deadline (set by the peer when it arms it)
   * and its lateness (set by the task when it starts), and a latch for the last. The deadline is
   * written before arming and read by the task: arming happens-before the run, in every peer.
   */
  static final class Probe {
    final long[] deadline;
    final long[] lateness;
    final CountDownLatch done;
    /** One task per timer: records its lateness, then counts down. */
    final Runnable[] tasks;

    Probe(int n) {
      deadline = new long[n];
      lateness = new long[n];
      done = new CountDownLatch(n);
      tasks = new Runnable[n];
      for (int i = 0; i < n; i++) {
        int k = i;
        tasks[i] =
            () -> {
              lateness[k] = System.nanoTime() - deadline[k];
              done.countDown();
            };
      }
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
      Probe probe = new Probe(n);
      long[] deadline = probe.deadline;
      long start;
      long end;
      DelayedWork[] works = new DelayedWork[n];
      Duration[] durations = Delays.durations(delays);
      for (int i = 0; i < n; i++) {
        works[i] = DelayedWork.of(probe.tasks[i]);
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
        await(probe.done, name());
      } finally {
        rt.shutdown();
        rt.awaitTermination(Duration.ofSeconds(10));
      }
      return new Run(probe.lateness, deadline, start, end);
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
      Probe probe = new Probe(n);
      long[] deadline = probe.deadline;
      Runnable[] tasks = probe.tasks;
      long start;
      long end;
      ScheduledThreadPoolExecutor stpe =
          new ScheduledThreadPoolExecutor(1, r -> TimerBenchmark.daemon(r, "stpe-timer"));
      try {
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          deadline[i] = System.nanoTime() + delays[i];
          stpe.schedule(tasks[i], delays[i], TimeUnit.NANOSECONDS);
        }
        end = System.nanoTime();
        await(probe.done, name());
      } finally {
        stpe.shutdownNow();
        stpe.awaitTermination(10, TimeUnit.SECONDS);
      }
      return new Run(probe.lateness, deadline, start, end);
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
      Probe probe = new Probe(n);
      long[] deadline = probe.deadline;
      long start;
      long end;
      io.netty.util.TimerTask[] tasks = new io.netty.util.TimerTask[n];
      for (int i = 0; i < n; i++) {
        Runnable task = probe.tasks[i];
        tasks[i] = timeout -> task.run();
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
        await(probe.done, name());
      } finally {
        timer.stop();
      }
      return new Run(probe.lateness, deadline, start, end);
    }
  }

  /** cmwq through its Reactor adapter: {@code CmwqSchedulers.bound(runtime).schedule(task, delay)}. */
  static final class CmwqReactor implements Peer {
    @Override
    public String name() {
      return "cmwq Reactor adapter";
    }

    @Override
    public Run run(long[] delays) throws InterruptedException {
      int n = delays.length;
      Probe probe = new Probe(n);
      long[] deadline = probe.deadline;
      Runnable[] tasks = probe.tasks;
      long start;
      long end;
      WorkqueueRuntime rt = WorkqueueRuntime.builder().build();
      Scheduler scheduler = dev.cmwq.reactor.CmwqSchedulers.bound(rt);
      try {
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          deadline[i] = System.nanoTime() + delays[i];
          scheduler.schedule(tasks[i], delays[i], TimeUnit.NANOSECONDS);
        }
        end = System.nanoTime();
        await(probe.done, name());
      } finally {
        scheduler.dispose();
        rt.shutdown();
        rt.awaitTermination(Duration.ofSeconds(10));
      }
      return new Run(probe.lateness, deadline, start, end);
    }
  }

  /** Reactor's {@code newParallel(N)}, a fresh {@code parallel()}: delayed tasks go to its workers' STPEs. */
  static final class ReactorParallel implements Peer {
    @Override
    public String name() {
      return "Reactor parallel()";
    }

    @Override
    public Run run(long[] delays) throws InterruptedException {
      int n = delays.length;
      Probe probe = new Probe(n);
      long[] deadline = probe.deadline;
      Runnable[] tasks = probe.tasks;
      long start;
      long end;
      Scheduler scheduler =
          Schedulers.newParallel(
              Runtime.getRuntime().availableProcessors(), r -> TimerBenchmark.daemon(r, "reactor-parallel"));
      try {
        start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          deadline[i] = System.nanoTime() + delays[i];
          scheduler.schedule(tasks[i], delays[i], TimeUnit.NANOSECONDS);
        }
        end = System.nanoTime();
        await(probe.done, name());
      } finally {
        scheduler.dispose();
      }
      return new Run(probe.lateness, deadline, start, end);
    }
  }
}
