package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

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
 * <p>Usage: {@code java -cp benchmarks.jar dev.cmwq.benchmarks.TimerFootprint [timers]}.
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
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long[] delays = new long[n];
    long[] cycle = Delays.uniformNanos(1 << 16, Duration.ofNanos(MIN_NANOS), Duration.ofNanos(MAX_NANOS), 0xf00d);
    for (int i = 0; i < n; i++) {
      delays[i] = cycle[i & (cycle.length - 1)];
    }

    System.out.println(VM.current().details());
    System.out.println(ClassLayout.parseClass(DelayedWork.class).toPrintable());
    printLayout("java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask");
    printLayout("java.util.concurrent.Executors$RunnableAdapter");
    printLayout("io.netty.util.HashedWheelTimer$HashedWheelTimeout");

    System.out.printf(
        Locale.ROOT,
        "%d timers armed at U(1 h, 2 h); %s %s, GC %s%n%n",
        n,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        ManagementFactory.getGarbageCollectorMXBeans().get(0).getName());
    System.out.printf(
        Locale.ROOT, "%-12s %14s %14s %14s%n", "peer", "objects B/timer", "arm B/timer", "total B/timer");
    for (Peer peer : List.of(new Cmwq(), new Stpe(), new Netty())) {
      peer.start(n);
      long base = usedAfterGc();
      peer.create(delays);
      long created = usedAfterGc();
      peer.armAll(delays);
      long armed = usedAfterGc();
      Reference.reachabilityFence(peer);
      peer.stop();
      System.out.printf(
          Locale.ROOT,
          "%-12s %14.1f %14.1f %14.1f%n",
          peer.name(),
          (created - base) / (double) n,
          (armed - created) / (double) n,
          (armed - base) / (double) n);
    }
  }

  static void printLayout(String className) {
    try {
      System.out.println(ClassLayout.parseClass(Class.forName(className)).toPrintable());
    } catch (ClassNotFoundException e) {
      System.out.println("(no class " + className + " on this JDK / Netty)");
    }
  }

  /** Returns: used heap bytes after full collections have settled. */
  static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100); // let concurrent phases and reference processing finish
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
}
