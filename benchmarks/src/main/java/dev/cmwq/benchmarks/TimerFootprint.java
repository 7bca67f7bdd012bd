package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;
import reactor.core.scheduler.Schedulers;

/**
 * Memory per pending timer (DESIGN §9): heap bytes that 1 000 000 armed timers cost, measured as
 * used heap after full GCs, in three steps per peer:
 *
 * <ol>
 *   <li>base: the peer built and warmed (threads, wheel arrays, classes), plus an empty array to
 *       hold the user's timer objects;
 *   <li>objects: the timer objects a user creates before arming — one {@link DelayedWork} each
 *       for cmwq; nothing for the peers, whose one shared task is armed a million times;
 *   <li>armed: all armed, at delays U(1 h, 2 h) so that none fires while it is measured.
 * </ol>
 *
 * "objects" is what a cmwq user pays once per timer and keeps across re-arms; "arm" is what each
 * arming costs; "total" is both, the cost per pending timer. The JOL layouts of the per-timer
 * objects are printed to cross-check the heap deltas.
 *
 * <p>Peers: cmwq {@link DelayedWork} re-used (objects once, DESIGN §9 wants 0 B per arm); cmwq's
 * Reactor adapter {@code schedule(task, delay)} and RxJava adapter {@code scheduleDirect(task,
 * delay, unit)} (no user object: everything is per arm; DESIGN §9 wants ≤ 48 B); a one-thread
 * STPE; Netty's HWT; Reactor {@code newParallel(N)} (a fresh {@code parallel()}) {@code
 * schedule(task, delay)}; RxJava's computation scheduler (a fresh one, from {@code
 * RxJavaPlugins.createComputationScheduler}) {@code scheduleDirect}. Every peer schedules one
 * shared no-op task and nobody keeps the returned handles, so what is measured is what the
 * scheduler itself retains per pending timer.
 *
 * <p>Usage: {@code java -Xmx4g -cp benchmarks.jar dev.cmwq.benchmarks.TimerFootprint [--quick]
 * [--json FILE] [timers]} (default 1 000 000; {@code --quick}: 20 000, too few for the GC's
 * granularity: proves it runs, figures not to be quoted).
 */
public final class TimerFootprint {

  static final long MIN_NANOS = Duration.ofHours(1).toNanos();
  static final long MAX_NANOS = Duration.ofHours(2).toNanos();

  private TimerFootprint() {}

  /** A timer implementation under test; its steps run in order, once. */
  interface Peer {
    String name();

    /** Builds the timer and warms it; allocates whatever a user would hold, still empty. */
    void start(int n) throws Exception;

    /** Creates the per-timer objects a user holds before arming (may be none). */
    void create(long[] delays);

    /** Arms every timer. */
    void armAll(long[] delays) throws Exception;

    /** Cancels everything and stops. */
    void stop() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    HarnessArgs a = HarnessArgs.parse(args);
    Map<String, Object> report = run(a.intArg(0, a.quick() ? 20_000 : 1_000_000), a.quick());
    if (a.json() != null) {
      Json.write(a.json(), report);
    }
  }

  /**
   * Measures every peer with {@code n} timers, prints the table, and returns the report: {@code
   * {"harness", "params", "rows": [{"peer", "objectsBytes", "armBytes", "totalBytes"}]}}, bytes
   * per timer.
   */
  static Map<String, Object> run(int n, boolean quick) throws Exception {
    if (quick) {
      gcRounds = 2;
      gcPauseMillis = 30;
    }
    long[] delays = new long[n];
    long[] cycle = Delays.uniformNanos(1 << 16, Duration.ofNanos(MIN_NANOS), Duration.ofNanos(MAX_NANOS), 0xf00d);
    for (int i = 0; i < n; i++) {
      delays[i] = cycle[i & (cycle.length - 1)];
    }

    if (!quick) {
      System.out.println(VM.current().details());
      System.out.println(ClassLayout.parseClass(DelayedWork.class).toPrintable());
      printLayout("java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask");
      printLayout("java.util.concurrent.Executors$RunnableAdapter");
      printLayout("io.netty.util.HashedWheelTimer$HashedWheelTimeout");
    }

    String gc = ManagementFactory.getGarbageCollectorMXBeans().get(0).getName();
    System.out.printf(
        Locale.ROOT,
        "TimerFootprint: %d timers armed at U(1 h, 2 h); %s %s, GC %s, max heap %d MiB%n%n",
        n,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        gc,
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf(
        Locale.ROOT, "%-24s %16s %14s %14s%n", "peer", "objects B/timer", "arm B/timer", "total B/timer");
    List<Object> rows = new ArrayList<>();
    List<Peer> peers =
        List.of(
            new Cmwq(),
            new CmwqReactor(),
            new CmwqRxJava(),
            new Stpe(),
            new Netty(),
            new ReactorParallel(),
            new RxComputation());
    for (Peer peer : peers) {
      peer.start(n);
      long base = usedAfterGc();
      peer.create(delays);
      long created = usedAfterGc();
      peer.armAll(delays);
      long armed = usedAfterGc();
      Reference.reachabilityFence(peer);
      peer.stop();
      double objects = (created - base) / (double) n;
      double arm = (armed - created) / (double) n;
      double total = (armed - base) / (double) n;
      System.out.printf(Locale.ROOT, "%-24s %16.1f %14.1f %14.1f%n", peer.name(), objects, arm, total);
      Map<String, Object> m = Json.object();
      m.put("peer", peer.name());
      m.put("objectsBytes", Math.round(objects * 10) / 10.0);
      m.put("armBytes", Math.round(arm * 10) / 10.0);
      m.put("totalBytes", Math.round(total * 10) / 10.0);
      rows.add(m);
    }
    Map<String, Object> params = Json.object();
    params.put("timers", n);
    params.put("gc", gc);
    params.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    params.put("quick", quick);
    Map<String, Object> report = Json.object();
    report.put("harness", "TimerFootprint");
    report.put("params", params);
    report.put("rows", rows);
    return report;
  }

  static void printLayout(String className) {
    try {
      System.out.println(ClassLayout.parseClass(Class.forName(className)).toPrintable());
    } catch (ClassNotFoundException e) {
      System.out.println("(no class " + className + " on this JDK / Netty)");
    }
  }

  /** Full collections per measurement, and the pause after each; fewer and shorter in quick mode. */
  static int gcRounds = 4;

  static long gcPauseMillis = 100;

  /** Returns: used heap bytes after full collections have settled. */
  static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < gcRounds; i++) {
      System.gc();
      Thread.sleep(gcPauseMillis); // let concurrent phases and reference processing finish
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** cmwq: one {@link DelayedWork} per timer, sharing one function, on {@code systemWq()}. */
  static final class Cmwq implements Peer {
    static final Runnable NOOP = () -> {};
    WorkqueueRuntime rt;
    Workqueue wq;
    DelayedWork[] works;

    @Override
    public String name() {
      return "cmwq";
    }

    @Override
    public void start(int n) {
      rt = WorkqueueRuntime.builder().build();
      wq = rt.systemWq();
      DelayedWork w = DelayedWork.of(NOOP);
      wq.queueDelayedWork(w, Duration.ofHours(1));
      w.cancel();
      works = new DelayedWork[n];
    }

    @Override
    public void create(long[] delays) {
      for (int i = 0; i < works.length; i++) {
        works[i] = DelayedWork.of(NOOP);
      }
    }

    @Override
    public void armAll(long[] delays) {
      for (int i = 0; i < works.length; i++) {
        // a fresh Duration per call is garbage by the time the heap is measured
        if (!wq.queueDelayedWork(works[i], Duration.ofNanos(delays[i]))) {
          throw new IllegalStateException("not armed: " + i);
        }
      }
    }

    @Override
    public void stop() throws InterruptedException {
      for (DelayedWork w : works) {
        w.cancel();
      }
      rt.shutdown();
      rt.awaitTermination(Duration.ofSeconds(10));
      works = null;
    }
  }

  /** A one-thread {@link ScheduledThreadPoolExecutor}; one shared task scheduled n times. */
  static final class Stpe implements Peer {
    static final Runnable NOOP = () -> {};
    ScheduledThreadPoolExecutor stpe;

    @Override
    public String name() {
      return "STPE";
    }

    @Override
    public void start(int n) {
      stpe = new ScheduledThreadPoolExecutor(1, r -> TimerBenchmark.daemon(r, "stpe-timer"));
      stpe.setRemoveOnCancelPolicy(true);
      stpe.schedule(NOOP, 1, TimeUnit.HOURS).cancel(false);
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) {
      for (long d : delays) {
        stpe.schedule(NOOP, d, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void stop() throws InterruptedException {
      stpe.shutdownNow();
      stpe.awaitTermination(10, TimeUnit.SECONDS);
      stpe = null;
    }
  }

  /** Netty's {@link HashedWheelTimer}, 1 ms tick; one shared task armed n times. */
  static final class Netty implements Peer {
    static final TimerTask NOOP = timeout -> {};
    HashedWheelTimer timer;

    @Override
    public String name() {
      return "Netty HWT";
    }

    @Override
    public void start(int n) {
      timer = new HashedWheelTimer(r -> TimerBenchmark.daemon(r, "netty-hwt"), 1, TimeUnit.MILLISECONDS);
      timer.newTimeout(NOOP, 1, TimeUnit.HOURS).cancel();
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) throws InterruptedException {
      for (long d : delays) {
        timer.newTimeout(NOOP, d, TimeUnit.NANOSECONDS);
      }
      // newTimeout only enqueues; the worker moves at most 100 000 a tick into the wheel.
      // Measure the wheel, not the hand-off queue: give it far more ticks than it needs.
      Thread.sleep(500);
    }

    @Override
    public void stop() {
      timer.stop();
      timer = null;
    }
  }

  /** cmwq's Reactor adapter over an isolated runtime: {@code schedule(task, delay)} n times. */
  static final class CmwqReactor implements Peer {
    static final Runnable NOOP = () -> {};
    WorkqueueRuntime rt;
    reactor.core.scheduler.Scheduler scheduler;

    @Override
    public String name() {
      return "cmwq Reactor adapter";
    }

    @Override
    public void start(int n) {
      rt = WorkqueueRuntime.builder().build();
      scheduler = dev.cmwq.reactor.CmwqSchedulers.bound(rt);
      scheduler.schedule(NOOP, 1, TimeUnit.HOURS).dispose();
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) {
      for (long d : delays) {
        scheduler.schedule(NOOP, d, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void stop() throws InterruptedException {
      scheduler.dispose();
      rt.shutdown();
      rt.awaitTermination(Duration.ofSeconds(10));
      scheduler = null;
      rt = null;
    }
  }

  /** cmwq's RxJava adapter over an isolated runtime: {@code scheduleDirect(task, delay, unit)} n times. */
  static final class CmwqRxJava implements Peer {
    static final Runnable NOOP = () -> {};
    WorkqueueRuntime rt;
    io.reactivex.rxjava3.core.Scheduler scheduler;

    @Override
    public String name() {
      return "cmwq RxJava adapter";
    }

    @Override
    public void start(int n) {
      rt = WorkqueueRuntime.builder().build();
      scheduler = dev.cmwq.rxjava3.CmwqSchedulers.bound(rt);
      scheduler.scheduleDirect(NOOP, 1, TimeUnit.HOURS).dispose();
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) {
      for (long d : delays) {
        scheduler.scheduleDirect(NOOP, d, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void stop() throws InterruptedException {
      scheduler.shutdown();
      rt.shutdown();
      rt.awaitTermination(Duration.ofSeconds(10));
      scheduler = null;
      rt = null;
    }
  }

  /** Reactor {@code newParallel(N)}, a fresh {@code parallel()}: {@code schedule(task, delay)} n times. */
  static final class ReactorParallel implements Peer {
    static final Runnable NOOP = () -> {};
    reactor.core.scheduler.Scheduler scheduler;

    @Override
    public String name() {
      return "Reactor parallel()";
    }

    @Override
    public void start(int n) {
      scheduler =
          Schedulers.newParallel(
              Runtime.getRuntime().availableProcessors(), r -> TimerBenchmark.daemon(r, "reactor-parallel"));
      scheduler.schedule(NOOP, 1, TimeUnit.HOURS).dispose();
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) {
      for (long d : delays) {
        scheduler.schedule(NOOP, d, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void stop() {
      scheduler.dispose();
      scheduler = null;
    }
  }

  /** A fresh RxJava computation scheduler: {@code scheduleDirect(task, delay, unit)} n times. */
  static final class RxComputation implements Peer {
    static final Runnable NOOP = () -> {};
    io.reactivex.rxjava3.core.Scheduler scheduler;

    @Override
    public String name() {
      return "RxJava computation()";
    }

    @Override
    public void start(int n) {
      scheduler =
          io.reactivex.rxjava3.plugins.RxJavaPlugins.createComputationScheduler(
              r -> TimerBenchmark.daemon(r, "rx-computation"));
      scheduler.scheduleDirect(NOOP, 1, TimeUnit.HOURS).dispose();
    }

    @Override
    public void create(long[] delays) {}

    @Override
    public void armAll(long[] delays) {
      for (long d : delays) {
        scheduler.scheduleDirect(NOOP, d, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void stop() {
      scheduler.shutdown();
      scheduler = null;
    }
  }
}
