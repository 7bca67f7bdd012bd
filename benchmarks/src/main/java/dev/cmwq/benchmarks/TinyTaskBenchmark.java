package dev.cmwq.benchmarks;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tiny-task throughput (DESIGN §9): one producer thread submits a batch of 10 000 no-op tasks and
 * waits until all have run; the score is tasks per second (higher is better; JMH divides by the
 * batch through {@code @OperationsPerInvocation}).
 *
 * <p>cmwq, through its core API and through its Reactor and RxJava adapters:
 *
 * <ul>
 *   <li>{@code cmwqBound}: a runtime's {@code systemWq()}; the producer is not a worker, so items
 *       spread round-robin over the CPU slots. A work item can be pending only once, so the batch
 *       is 10 000 distinct, pre-allocated {@link Work} items, queued again every batch.
 *   <li>{@code cmwqUnbound}: the same on {@code systemUnboundWq()}.
 *   <li>{@code reactorCmwqBound}: {@code dev.cmwq.reactor.CmwqSchedulers.bound(runtime)
 *       .schedule(task)} on a fresh runtime: the Reactor adapter over the same {@code systemWq()};
 *       every call makes the adapter's own task object (its work item and {@code Disposable}).
 *   <li>{@code rxjavaCmwqBound}: {@code dev.cmwq.rxjava3.CmwqSchedulers.bound(runtime)
 *       .scheduleDirect(task)}, the RxJava adapter, likewise.
 * </ul>
 *
 * <p>Peers:
 *
 * <ul>
 *   <li>{@code forkJoinPool}: {@code new ForkJoinPool(2)}, {@code execute(Runnable)}.
 *   <li>{@code threadPoolExecutor}: {@code Executors.newFixedThreadPool(2)}.
 *   <li>{@code reactorParallel}: a fresh {@code Schedulers.newParallel} with the settings of
 *       {@code Schedulers.parallel()} (one thread per CPU, daemon), {@code schedule(task)}.
 *   <li>{@code reactorBoundedElastic}: a fresh {@code Schedulers.newBoundedElastic} with the
 *       settings of {@code Schedulers.boundedElastic()} (10 threads per CPU, 100 000 queued tasks
 *       per thread, 60 s time-to-live), {@code schedule(task)}.
 *   <li>{@code rxComputation}: a fresh instance of the class behind RxJava's
 *       {@code Schedulers.computation()} (one event loop per CPU), {@code scheduleDirect(task)}.
 *   <li>{@code rxIo}: a fresh instance of the class behind {@code Schedulers.io()},
 *       {@code scheduleDirect(task)}: each call takes a worker, which holds a cached thread (a new
 *       one if none is free) until its task has run, so a burst can start many threads.
 * </ul>
 *
 * The fresh instances, rather than the process-wide {@code parallel()} or
 * {@code computation()}, let the tear-down stop every thread the peer started; a tear-down fails
 * if one is still alive after 10 s. Every variant counts completions with the same
 * {@link Countdown}, so its cost (one contended atomic decrement per task) is common to all. Each
 * variant has its own state class, so only the measured one exists in the fork.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TinyTaskBenchmark.BATCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TinyTaskBenchmark {

  static final int BATCH = 10_000;

  /**
   * A reusable count-down latch for one waiter: {@link #arrive()} from any thread, the last
   * arrival unparks the waiter.
   */
  static final class Countdown {
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;

    /** Arms it for {@code n} arrivals; the calling thread is the one that will await. */
    void reset(int n) {
      waiter = Thread.currentThread();
      // release store: a task that sees its decrement reach 0 also sees the waiter above
      remaining.set(n);
    }

    void arrive() {
      if (remaining.decrementAndGet() == 0) {
        LockSupport.unpark(waiter);
      }
    }

    void await() {
      // an unpark before the park leaves a permit; a spurious return re-checks the count
      while (remaining.get() != 0) {
        LockSupport.park(this);
      }
    }
  }

  /**
   * Whether this JVM is a JMH fork (one benchmark per JVM). Without forks ({@code -f 0}, the quick
   * suite) earlier benchmarks have touched the host libraries' global schedulers, whose threads
   * (RxJava's {@code Schedulers.io()} evictor, for one) live as long as the JVM and carry the same
   * name prefixes as a fresh peer's.
   */
  static final boolean FORKED =
      String.valueOf(System.getProperty("sun.java.command")).startsWith("org.openjdk.jmh.runner.ForkedMain");

  /**
   * Waits until no live thread's name starts with one of {@code prefixes}: a tear-down that
   * returns while a peer's threads still run would leave them to disturb the next trial, or keep
   * the fork from exiting.
   *
   * @throws IllegalStateException if some are still alive after {@code timeout} in a JMH fork;
   *     without forks it only reports them (see {@link #FORKED})
   */
  static void awaitThreadsGone(Duration timeout, String... prefixes) throws InterruptedException {
    // without forks, a global scheduler's thread would hold every tear-down for the full timeout
    long deadline = System.nanoTime() + (FORKED ? timeout : Duration.ofSeconds(1)).toNanos();
    while (true) {
      List<Thread> live =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.isAlive() && startsWithAny(t.getName(), prefixes))
              .collect(Collectors.toList());
      if (live.isEmpty()) {
        return;
      }
      for (Thread t : live) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          String names = live.stream().map(Thread::getName).collect(Collectors.joining(", "));
          if (!FORKED) {
            System.out.println("note: not a JMH fork, threads left after tear-down (may be global ones): " + names);
            return;
          }
          throw new IllegalStateException("threads still alive " + timeout + " after tear-down: " + names);
        }
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
    }
  }

  private static boolean startsWithAny(String name, String[] prefixes) {
    for (String p : prefixes) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** State shared by the cmwq variants: a runtime and 10 000 work items. */
  public abstract static class CmwqBatch {
    final Countdown countdown = new Countdown();
    final Work[] works = new Work[BATCH];
    WorkqueueRuntime rt;
    Workqueue wq;

    void start(boolean unbound) {
      rt = WorkqueueRuntime.builder().build();
      wq = unbound ? rt.systemUnboundWq() : rt.systemWq();
      Runnable task = countdown::arrive;
      for (int i = 0; i < BATCH; i++) {
        works[i] = Work.of(task);
      }
    }

    void runBatch() {
      countdown.reset(BATCH);
      Workqueue q = wq;
      for (Work w : works) {
        if (!q.queueWork(w)) {
          // it would never arrive: the batch would hang instead of measuring
          throw new IllegalStateException("work still pending from the previous batch: " + w);
        }
      }
      countdown.await();
    }

    void stop(String what) throws InterruptedException {
      stopRuntime(rt, what);
    }
  }

  @State(Scope.Thread)
  public static class CmwqBound extends CmwqBatch {
    @Setup(Level.Trial)
    public void setUp() {
      start(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop("cmwq bound");
    }
  }

  @State(Scope.Thread)
  public static class CmwqUnbound extends CmwqBatch {
    @Setup(Level.Trial)
    public void setUp() {
      start(true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop("cmwq unbound");
    }
  }

  /** State shared by the executor variants: an executor and one shared task. */
  public abstract static class ExecutorBatch {
    final Countdown countdown = new Countdown();
    final Runnable task = countdown::arrive;
    ExecutorService executor;

    void runBatch() {
      countdown.reset(BATCH);
      ExecutorService e = executor;
      Runnable t = task;
      for (int i = 0; i < BATCH; i++) {
        e.execute(t);
      }
      countdown.await();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      executor.shutdownNow();
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("executor did not terminate: " + executor);
      }
    }
  }

  @State(Scope.Thread)
  public static class Fjp extends ExecutorBatch {
    @Setup(Level.Trial)
    public void setUp() {
      executor = new ForkJoinPool(2);
    }
  }

  @State(Scope.Thread)
  public static class Tpe extends ExecutorBatch {
    @Setup(Level.Trial)
    public void setUp() {
      executor = Executors.newFixedThreadPool(2);
    }
  }

  /**
   * State shared by the Reactor variants: a scheduler and one shared task, each
   * {@code schedule(task)} making the scheduler's own task object.
   */
  public abstract static class ReactorBatch {
    final Countdown countdown = new Countdown();
    final Runnable task = countdown::arrive;
    reactor.core.scheduler.Scheduler scheduler;

    void runBatch() {
      countdown.reset(BATCH);
      reactor.core.scheduler.Scheduler sch = scheduler;
      Runnable t = task;
      for (int i = 0; i < BATCH; i++) {
        sch.schedule(t);
      }
      countdown.await();
    }
  }

  /** The Reactor adapter's bound scheduler over a fresh runtime's {@code systemWq()}. */
  @State(Scope.Thread)
  public static class ReactorCmwqBound extends ReactorBatch {
    WorkqueueRuntime rt;

    @Setup(Level.Trial)
    public void setUp() {
      rt = WorkqueueRuntime.builder().build();
      scheduler = dev.cmwq.reactor.CmwqSchedulers.bound(rt);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.dispose(); // leaves the system workqueue to the runtime
      stopRuntime(rt, "reactor cmwq bound");
    }
  }

  /** Reactor's {@code parallel()}, as a fresh instance: one single-thread executor per CPU. */
  @State(Scope.Thread)
  public static class ReactorParallel extends ReactorBatch {
    static final String NAME = "bench-reactor-parallel";

    @Setup(Level.Trial)
    public void setUp() {
      scheduler =
          reactor.core.scheduler.Schedulers.newParallel(
              NAME, reactor.core.scheduler.Schedulers.DEFAULT_POOL_SIZE, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.dispose();
      awaitThreadsGone(Duration.ofSeconds(10), NAME);
    }
  }

  /** Reactor's {@code boundedElastic()}, as a fresh instance with the same settings. */
  @State(Scope.Thread)
  public static class ReactorBoundedElastic extends ReactorBatch {
    static final String NAME = "bench-reactor-boundedElastic";

    @Setup(Level.Trial)
    public void setUp() {
      scheduler =
          reactor.core.scheduler.Schedulers.newBoundedElastic(
              reactor.core.scheduler.Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE,
              reactor.core.scheduler.Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
              NAME,
              60,
              true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.dispose();
      // its workers, and the evictor thread every bounded-elastic scheduler starts
      awaitThreadsGone(Duration.ofSeconds(10), NAME, "boundedElastic-evictor");
    }
  }

  /** State shared by the RxJava variants: a scheduler and one shared task. */
  public abstract static class RxBatch {
    final Countdown countdown = new Countdown();
    final Runnable task = countdown::arrive;
    io.reactivex.rxjava3.core.Scheduler scheduler;

    void runBatch() {
      countdown.reset(BATCH);
      io.reactivex.rxjava3.core.Scheduler sch = scheduler;
      Runnable t = task;
      for (int i = 0; i < BATCH; i++) {
        sch.scheduleDirect(t);
      }
      countdown.await();
    }
  }

  /** The RxJava adapter's bound scheduler over a fresh runtime's {@code systemWq()}. */
  @State(Scope.Thread)
  public static class RxjavaCmwqBound extends RxBatch {
    WorkqueueRuntime rt;

    @Setup(Level.Trial)
    public void setUp() {
      rt = WorkqueueRuntime.builder().build();
      scheduler = dev.cmwq.rxjava3.CmwqSchedulers.bound(rt);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.shutdown(); // leaves the system workqueue to the runtime
      stopRuntime(rt, "rxjava cmwq bound");
    }
  }

  /**
   * RxJava's {@code computation()}: a fresh {@code ComputationScheduler}, the class that
   * {@code Schedulers.computation()} returns, so that its {@code shutdown()} stops its threads
   * without touching the process-wide one (which {@code Schedulers.shutdown()} would stop along
   * with io, single and newThread).
   */
  @State(Scope.Thread)
  public static class RxComputation extends RxBatch {
    @Setup(Level.Trial)
    public void setUp() {
      scheduler = new io.reactivex.rxjava3.internal.schedulers.ComputationScheduler();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.shutdown();
      awaitThreadsGone(Duration.ofSeconds(10), "RxComputationThreadPool");
    }
  }

  /** RxJava's {@code io()}: a fresh {@code IoScheduler}, for the same reason. */
  @State(Scope.Thread)
  public static class RxIo extends RxBatch {
    @Setup(Level.Trial)
    public void setUp() {
      scheduler = new io.reactivex.rxjava3.internal.schedulers.IoScheduler();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.shutdown();
      awaitThreadsGone(Duration.ofSeconds(10), "RxCachedThreadScheduler", "RxCachedWorkerPoolEvictor");
    }
  }

  /** Prints how many pool workers {@code rt} ended with, shuts it down and waits for its threads. */
  static void stopRuntime(WorkqueueRuntime rt, String what) throws InterruptedException {
    System.out.println();
    System.out.println(what + ": " + rt.workerCount() + " pool workers at the end of the trial");
    rt.shutdown();
    if (!rt.awaitTermination(Duration.ofSeconds(10))) {
      throw new IllegalStateException("cmwq runtime did not terminate:\n" + rt.dump());
    }
  }

  @Benchmark
  public void cmwqBound(CmwqBound s) {
    s.runBatch();
  }

  @Benchmark
  public void cmwqUnbound(CmwqUnbound s) {
    s.runBatch();
  }

  @Benchmark
  public void forkJoinPool(Fjp s) {
    s.runBatch();
  }

  @Benchmark
  public void threadPoolExecutor(Tpe s) {
    s.runBatch();
  }

  @Benchmark
  public void reactorCmwqBound(ReactorCmwqBound s) {
    s.runBatch();
  }

  @Benchmark
  public void rxjavaCmwqBound(RxjavaCmwqBound s) {
    s.runBatch();
  }

  @Benchmark
  public void reactorParallel(ReactorParallel s) {
    s.runBatch();
  }

  @Benchmark
  public void reactorBoundedElastic(ReactorBoundedElastic s) {
    s.runBatch();
  }

  @Benchmark
  public void rxComputation(RxComputation s) {
    s.runBatch();
  }

  @Benchmark
  public void rxIo(RxIo s) {
    s.runBatch();
  }
}
