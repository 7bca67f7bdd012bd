package dev.cmwq.benchmarks;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * waits until all have run; the score is tasks per second.
 *
 * <ul>
 *   <li>{@code cmwqBound}: a runtime's {@code systemWq()}; the producer is not a worker, so items
 *       spread round-robin over the CPU slots. A work item can be pending only once, so the batch
 *       is 10 000 distinct, pre-allocated {@link Work} items, queued again every batch.
 *   <li>{@code cmwqUnbound}: the same on {@code systemUnboundWq()}.
 *   <li>{@code forkJoinPool}: {@code new ForkJoinPool(2)}, {@code execute(Runnable)}.
 *   <li>{@code threadPoolExecutor}: {@code Executors.newFixedThreadPool(2)}.
 * </ul>
 *
 * Every variant counts completions with the same {@link Countdown}, so its cost (one contended
 * atomic decrement per task) is common to all.
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
      System.out.println();
      System.out.println(what + ": " + rt.workerCount() + " pool workers at the end of the trial");
      rt.shutdown();
      if (!rt.awaitTermination(Duration.ofSeconds(10))) {
        throw new IllegalStateException("cmwq runtime did not terminate:\n" + rt.dump());
      }
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
}
