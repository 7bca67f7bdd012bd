package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.Disposable;

/**
 * Delayed tasks (DESIGN §9, "delayed tasks"): how fast one thread arms and cancels, or re-arms, a
 * timer while {@code pending} other timers are armed far out. The score is operations per second
 * (higher is better); compare the rows of one method and one {@code pending}.
 *
 * <ul>
 *   <li>{@code armCancel_*}: arm one timer at a random delay in 1–200 ms, then cancel it. cmwq
 *       reuses one {@link DelayedWork} ({@code queueDelayedWork} + {@code cancel}); the
 *       {@link ScheduledThreadPoolExecutor} (remove-on-cancel) does {@code schedule} +
 *       {@code cancel(false)}; Netty's {@link HashedWheelTimer} (1 ms tick) does
 *       {@code newTimeout} + {@code cancel}. One operation = one arm + one cancel.
 *   <li>{@code rearm_*}: move an armed timer to a new random delay in 1–200 ms. cmwq
 *       {@code modDelayedWork}; the peers have no re-arm, so cancel + schedule a new one.
 * </ul>
 *
 * The same through the schedulers of the reactive libraries, where a delayed task is a new
 * object per arm and re-arm means dispose + schedule:
 *
 * <ul>
 *   <li>{@code *_reactorCmwq}: cmwq's Reactor adapter, {@code CmwqSchedulers.bound(runtime)} on a
 *       fresh runtime: {@code schedule(task, delay, NANOSECONDS)} + {@code dispose()}. Each arm
 *       makes the adapter's task object, a {@link DelayedWork} armed on the runtime's timer.
 *   <li>{@code *_reactorParallel}: a fresh {@code Schedulers.newParallel} with
 *       {@code parallel()}'s settings (one remove-on-cancel single-thread
 *       {@code ScheduledThreadPoolExecutor} per CPU, picked round-robin), the same calls.
 *   <li>{@code *_rxComputation}: a fresh {@code ComputationScheduler}, the class behind RxJava's
 *       {@code Schedulers.computation()} (one remove-on-cancel single-thread STPE per CPU, picked
 *       round-robin): {@code scheduleDirect(task, delay, NANOSECONDS)} + {@code dispose()}.
 * </ul>
 *
 * <p>The {@code pending} background timers are armed at U(1 s, 60 s); when one fires it arms
 * itself again at a new U(1 s, 60 s) delay, so the count stays constant through the trial. That
 * re-arming, and each peer's own timer thread (Netty moves new and cancelled timeouts into its
 * wheel on its worker thread), run on the machine's other core while the producer is measured.
 *
 * <p>Each peer has its own state class, so only the peer being measured is alive in the fork.
 * Delays come from a small pre-generated array, the same sequence for every peer, in
 * nanoseconds; the measured loop draws no random numbers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimerBenchmark {

  /** Near delays cycle through this many pre-generated values; a power of two. */
  static final int DELAYS = 1 << 10;

  static final Duration NEAR_MIN = Duration.ofMillis(1);
  static final Duration NEAR_MAX = Duration.ofMillis(200);
  static final long FAR_MIN_NANOS = Duration.ofSeconds(1).toNanos();
  static final long FAR_MAX_NANOS = Duration.ofSeconds(60).toNanos();

  static final Runnable NOOP = () -> {};
  static final TimerTask NETTY_NOOP = timeout -> {};

  /** Returns: a fresh U(1 s, 60 s) delay, for the background timers (never the measured loop). */
  static long farNanos() {
    return ThreadLocalRandom.current().nextLong(FAR_MIN_NANOS, FAR_MAX_NANOS + 1);
  }

  static long[] nearNanos() {
    return Delays.uniformNanos(DELAYS, NEAR_MIN, NEAR_MAX, 0x5eed);
  }

  // ---------------------------------------------------------------- cmwq

  /** A background timer that re-arms itself when it fires, keeping {@code pending} constant. */
  static final class FarWork extends DelayedWork {
    private final Workqueue wq;

    FarWork(Workqueue wq) {
      this.wq = wq;
    }

    @Override
    protected void execute() {
      wq.queueDelayedWork(this, Duration.ofNanos(farNanos()));
    }
  }

  /** An isolated runtime with {@code pending} far timers armed on its own workqueue. */
  @State(Scope.Thread)
  public static class Cmwq {
    @Param({"1000", "100000"})
    public int pending;

    WorkqueueRuntime rt;
    Workqueue wq;
    FarWork[] background;
    /** armCancel: armed and cancelled again and again. */
    DelayedWork probe;
    /** rearm: armed at setup, then only re-armed. */
    DelayedWork armed;
    Duration[] near;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      rt = WorkqueueRuntime.builder().build();
      wq = Workqueue.builder("bench").runtime(rt).build();
      near = Delays.durations(nearNanos());
      background = new FarWork[pending];
      for (int i = 0; i < pending; i++) {
        background[i] = new FarWork(wq);
        wq.queueDelayedWork(background[i], Duration.ofNanos(farNanos()));
      }
      probe = DelayedWork.of(NOOP);
      armed = DelayedWork.of(NOOP);
      wq.queueDelayedWork(armed, near[0]);
    }

    Duration nextNear() {
      return near[next++ & (DELAYS - 1)];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      probe.cancel();
      armed.cancel();
      for (FarWork w : background) {
        w.disable(); // cancels, and keeps a firing one from re-arming itself
      }
      wq.destroy();
      rt.shutdown();
      if (!rt.awaitTermination(Duration.ofSeconds(10))) {
        throw new IllegalStateException("cmwq runtime did not terminate:\n" + rt.dump());
      }
    }
  }

  @Benchmark
  public boolean armCancel_cmwq(Cmwq s) {
    DelayedWork w = s.probe;
    return s.wq.queueDelayedWork(w, s.nextNear()) & w.cancel();
  }

  @Benchmark
  public boolean rearm_cmwq(Cmwq s) {
    return s.wq.modDelayedWork(s.armed, s.nextNear());
  }

  // ---------------------------------------------------------------- ScheduledThreadPoolExecutor

  /** One timer thread, remove-on-cancel, {@code pending} far tasks scheduled. */
  @State(Scope.Thread)
  public static class Stpe {
    @Param({"1000", "100000"})
    public int pending;

    ScheduledThreadPoolExecutor stpe;
    ScheduledFuture<?> armed;
    long[] near;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      stpe = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "stpe-timer"));
      // without it a cancelled task stays in the queue until its deadline: arm + cancel would
      // pile up millions of dead entries and measure something else
      stpe.setRemoveOnCancelPolicy(true);
      near = nearNanos();
      Runnable far =
          new Runnable() {
            @Override
            public void run() {
              if (!stpe.isShutdown()) {
                stpe.schedule(this, farNanos(), TimeUnit.NANOSECONDS);
              }
            }
          };
      for (int i = 0; i < pending; i++) {
        stpe.schedule(far, farNanos(), TimeUnit.NANOSECONDS);
      }
      armed = stpe.schedule(NOOP, near[0], TimeUnit.NANOSECONDS);
    }

    long nextNear() {
      return near[next++ & (DELAYS - 1)];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stpe.shutdownNow();
      if (!stpe.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("STPE did not terminate");
      }
    }
  }

  @Benchmark
  public boolean armCancel_stpe(Stpe s) {
    return s.stpe.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS).cancel(false);
  }

  @Benchmark
  public ScheduledFuture<?> rearm_stpe(Stpe s) {
    s.armed.cancel(false);
    return s.armed = s.stpe.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
  }

  // ---------------------------------------------------------------- Netty HashedWheelTimer

  /** A 1 ms-tick wheel of 512 buckets (Netty's default size), {@code pending} far timeouts. */
  @State(Scope.Thread)
  public static class Netty {
    @Param({"1000", "100000"})
    public int pending;

    HashedWheelTimer timer;
    /** Set at tear-down: background timeouts stop re-arming themselves. */
    volatile boolean stopping;
    Timeout armed;
    long[] near;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      timer = new HashedWheelTimer(r -> daemon(r, "netty-hwt"), 1, TimeUnit.MILLISECONDS);
      near = nearNanos();
      TimerTask far =
          new TimerTask() {
            @Override
            public void run(Timeout timeout) {
              if (!stopping) {
                try {
                  timer.newTimeout(this, farNanos(), TimeUnit.NANOSECONDS);
                } catch (IllegalStateException stoppedMeanwhile) {
                  // the trial ended between the check and the call: nothing to re-arm
                }
              }
            }
          };
      for (int i = 0; i < pending; i++) {
        timer.newTimeout(far, farNanos(), TimeUnit.NANOSECONDS);
      }
      armed = timer.newTimeout(NETTY_NOOP, near[0], TimeUnit.NANOSECONDS);
    }

    long nextNear() {
      return near[next++ & (DELAYS - 1)];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      stopping = true;
      timer.stop();
    }
  }

  @Benchmark
  public boolean armCancel_netty(Netty s) {
    return s.timer.newTimeout(NETTY_NOOP, s.nextNear(), TimeUnit.NANOSECONDS).cancel();
  }

  @Benchmark
  public Timeout rearm_netty(Netty s) {
    s.armed.cancel();
    return s.armed = s.timer.newTimeout(NETTY_NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
  }

  // ---------------------------------------------------------------- Reactor schedulers

  /**
   * A Reactor scheduler with {@code pending} far timers, each re-arming itself through the same
   * scheduler when it fires; the subclasses build the scheduler and stop it.
   */
  public abstract static class ReactorTimers {
    reactor.core.scheduler.Scheduler scheduler;
    /** Set at tear-down: background timers stop re-arming themselves. */
    volatile boolean stopping;
    Disposable armed;
    long[] near;
    int next;

    abstract reactor.core.scheduler.Scheduler newScheduler();

    /** Builds the scheduler and arms {@code pending} far timers and the re-arm probe on it. */
    void start(int pending) {
      scheduler = newScheduler();
      near = nearNanos();
      Runnable far =
          new Runnable() {
            @Override
            public void run() {
              if (!stopping) {
                try {
                  scheduler.schedule(this, farNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException disposedMeanwhile) {
                  // the trial ended between the check and the call: nothing to re-arm
                }
              }
            }
          };
      for (int i = 0; i < pending; i++) {
        scheduler.schedule(far, farNanos(), TimeUnit.NANOSECONDS);
      }
      armed = scheduler.schedule(NOOP, near[0], TimeUnit.NANOSECONDS);
    }

    long nextNear() {
      return near[next++ & (DELAYS - 1)];
    }

    void stop() {
      stopping = true;
      armed.dispose();
      scheduler.dispose();
    }
  }

  /** cmwq's Reactor adapter: the bound scheduler over a fresh runtime's {@code systemWq()}. */
  @State(Scope.Thread)
  public static class ReactorCmwq extends ReactorTimers {
    @Param({"1000", "100000"})
    public int pending;

    WorkqueueRuntime rt;

    @Override
    reactor.core.scheduler.Scheduler newScheduler() {
      rt = WorkqueueRuntime.builder().build();
      return dev.cmwq.reactor.CmwqSchedulers.bound(rt);
    }

    @Setup(Level.Trial)
    public void setUp() {
      start(pending);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop(); // the scheduler's far tasks stay armed on the runtime's timer ...
      rt.shutdown(); // ... which cancels them
      if (!rt.awaitTermination(Duration.ofSeconds(10))) {
        throw new IllegalStateException("cmwq runtime did not terminate:\n" + rt.dump());
      }
    }
  }

  /** Reactor's {@code parallel()}, as a fresh instance with the same settings. */
  @State(Scope.Thread)
  public static class ReactorParallel extends ReactorTimers {
    @Param({"1000", "100000"})
    public int pending;

    static final String NAME = "bench-timer-parallel";

    @Override
    reactor.core.scheduler.Scheduler newScheduler() {
      return reactor.core.scheduler.Schedulers.newParallel(
          NAME, reactor.core.scheduler.Schedulers.DEFAULT_POOL_SIZE, true);
    }

    @Setup(Level.Trial)
    public void setUp() {
      start(pending);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop(); // shuts its executors down, dropping the far tasks
      TinyTaskBenchmark.awaitThreadsGone(Duration.ofSeconds(10), NAME);
    }
  }

  @Benchmark
  public Disposable armCancel_reactorCmwq(ReactorCmwq s) {
    Disposable d = s.scheduler.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
    d.dispose();
    return d;
  }

  @Benchmark
  public Disposable rearm_reactorCmwq(ReactorCmwq s) {
    s.armed.dispose();
    return s.armed = s.scheduler.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public Disposable armCancel_reactorParallel(ReactorParallel s) {
    Disposable d = s.scheduler.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
    d.dispose();
    return d;
  }

  @Benchmark
  public Disposable rearm_reactorParallel(ReactorParallel s) {
    s.armed.dispose();
    return s.armed = s.scheduler.schedule(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
  }

  // ---------------------------------------------------------------- RxJava computation()

  /**
   * A fresh {@code ComputationScheduler} (what {@code Schedulers.computation()} returns, but one
   * whose {@code shutdown()} touches no other scheduler) with {@code pending} far timers.
   */
  @State(Scope.Thread)
  public static class RxComputation {
    @Param({"1000", "100000"})
    public int pending;

    io.reactivex.rxjava3.core.Scheduler scheduler;
    /** Set at tear-down: background timers stop re-arming themselves. */
    volatile boolean stopping;
    io.reactivex.rxjava3.disposables.Disposable armed;
    long[] near;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      scheduler = new io.reactivex.rxjava3.internal.schedulers.ComputationScheduler();
      near = nearNanos();
      Runnable far =
          new Runnable() {
            @Override
            public void run() {
              if (!stopping) {
                scheduler.scheduleDirect(this, farNanos(), TimeUnit.NANOSECONDS);
              }
            }
          };
      for (int i = 0; i < pending; i++) {
        scheduler.scheduleDirect(far, farNanos(), TimeUnit.NANOSECONDS);
      }
      armed = scheduler.scheduleDirect(NOOP, near[0], TimeUnit.NANOSECONDS);
    }

    long nextNear() {
      return near[next++ & (DELAYS - 1)];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stopping = true;
      armed.dispose();
      scheduler.shutdown(); // shuts its executors down, dropping the far tasks
      TinyTaskBenchmark.awaitThreadsGone(Duration.ofSeconds(10), "RxComputationThreadPool");
    }
  }

  @Benchmark
  public io.reactivex.rxjava3.disposables.Disposable armCancel_rxComputation(RxComputation s) {
    io.reactivex.rxjava3.disposables.Disposable d =
        s.scheduler.scheduleDirect(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
    d.dispose();
    return d;
  }

  @Benchmark
  public io.reactivex.rxjava3.disposables.Disposable rearm_rxComputation(RxComputation s) {
    s.armed.dispose();
    return s.armed = s.scheduler.scheduleDirect(NOOP, s.nextNear(), TimeUnit.NANOSECONDS);
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
