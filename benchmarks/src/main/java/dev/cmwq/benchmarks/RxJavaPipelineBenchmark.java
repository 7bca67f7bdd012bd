package dev.cmwq.benchmarks;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.rxjava3.CmwqSchedulers;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.internal.schedulers.ComputationScheduler;
import io.reactivex.rxjava3.internal.schedulers.IoScheduler;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RxJava 3 pipelines on cmwq's RxJava adapter and on RxJava's own schedulers (DESIGN §9,
 * "hops"): how long one hop to a scheduler takes, and how many items per second a pipeline moves
 * through one.
 *
 * <ul>
 *   <li>{@code hop} (sample time, µs per op; lower is better): {@code Single.just(1)
 *       .subscribeOn(S).blockingGet()}. One op is a round trip: the caller schedules the
 *       subscription ({@code scheduleDirect}), a worker runs it and wakes the caller.
 *   <li>{@code flatMapSubscribeOn} (items/s; higher is better): {@code Flowable.range(0, 10_000)
 *       .flatMap(i -> Flowable.fromCallable(() -> i).subscribeOn(S), 256)}, to the last item. Up
 *       to 256 single-item hops in flight, each through a {@code Scheduler.Worker} of its own
 *       (RxJava's {@code Flowable.subscribeOn} always takes a worker).
 *   <li>{@code observeOn} (items/s): {@code Flowable.range(0, 10_000).observeOn(S)}, to the last
 *       item. {@code range} fuses with {@code observeOn} (synchronous fusion): the operator's
 *       drain task, scheduled once on a worker of S, polls all 10 000 items itself. So one op is
 *       one hop plus 10 000 turns of the drain loop on S's thread; the schedulers differ only in
 *       that hop and in how fast their thread runs the loop, and the ratios stay near 1.
 * </ul>
 *
 * The {@code scheduler} parameter picks S; only that one is built in a fork:
 *
 * <ul>
 *   <li>{@code cmwqBound}: {@code CmwqSchedulers.bound(runtime)} over a fresh runtime's
 *       {@code systemWq()}, the cmwq counterpart of {@code computation()}.
 *   <li>{@code cmwqUnbound}: {@code CmwqSchedulers.unbound(runtime)}, over
 *       {@code systemUnboundWq()}, the counterpart of {@code io()}.
 *   <li>{@code computation}: a fresh {@code ComputationScheduler}, the class
 *       {@code Schedulers.computation()} returns (one event loop per CPU), so that its
 *       {@code shutdown()} stops its threads without touching the process-wide schedulers.
 *   <li>{@code io}: a fresh {@code IoScheduler}, the class behind {@code Schedulers.io()} (a
 *       cached thread per worker), for the same reason.
 *   <li>{@code forkJoinPool}: {@code Schedulers.from(new ForkJoinPool(2))}.
 * </ul>
 *
 * <p>The pipelines are assembled once per trial (RxJava flows are reusable); each op subscribes
 * and blocks the caller until the last item. So a score holds RxJava's per-subscribe and per-item
 * allocations, the same for every S, plus the scheduler's own. Compare the rows of one method:
 * cmwq / best peer is the ratio DESIGN §9 asks for (≥ 1).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RxJavaPipelineBenchmark {

  /** Items per pipeline op. */
  static final int ITEMS = 10_000;
  /** flatMap's maxConcurrency: inner hops in flight at once. */
  static final int CONCURRENCY = 256;

  @Param({"cmwqBound", "cmwqUnbound", "computation", "io", "forkJoinPool"})
  public String scheduler;

  Scheduler s;
  /** Set for the cmwq schedulers: the runtime they run on, shut down at tear-down. */
  WorkqueueRuntime rt;
  /** Set for forkJoinPool: {@code Schedulers.from} never shuts its executor down; we do. */
  ForkJoinPool fjp;
  /** Name prefixes of the peer's threads, awaited at tear-down. */
  String[] threadPrefixes = new String[0];

  Single<Integer> hop;
  Flowable<Integer> flatMap;
  Flowable<Integer> observeOn;

  @Setup(Level.Trial)
  public void setUp() {
    switch (scheduler) {
      case "cmwqBound":
        rt = WorkqueueRuntime.builder().build();
        s = CmwqSchedulers.bound(rt);
        break;
      case "cmwqUnbound":
        rt = WorkqueueRuntime.builder().build();
        s = CmwqSchedulers.unbound(rt);
        break;
      case "computation":
        s = new ComputationScheduler();
        threadPrefixes = new String[] {"RxComputationThreadPool"};
        break;
      case "io":
        s = new IoScheduler();
        threadPrefixes = new String[] {"RxCachedThreadScheduler", "RxCachedWorkerPoolEvictor"};
        break;
      case "forkJoinPool":
        fjp = new ForkJoinPool(2);
        s = Schedulers.from(fjp);
        break;
      default:
        throw new IllegalArgumentException("unknown scheduler: " + scheduler);
    }
    Scheduler on = s;
    hop = Single.just(1).subscribeOn(on);
    flatMap = Flowable.range(0, ITEMS).flatMap(i -> Flowable.fromCallable(() -> i).subscribeOn(on), CONCURRENCY);
    observeOn = Flowable.range(0, ITEMS).observeOn(on);
    check();
  }

  /** Runs each pipeline once before measuring: a wrong count would make every score meaningless. */
  private void check() {
    long hops = flatMap.count().blockingGet();
    long observed = observeOn.count().blockingGet();
    int one = hop.blockingGet();
    if (hops != ITEMS || observed != ITEMS || one != 1) {
      throw new IllegalStateException(scheduler + ": flatMap " + hops + ", observeOn " + observed + ", hop " + one);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    s.shutdown();
    if (rt != null) {
      TinyTaskBenchmark.stopRuntime(rt, "rxjava " + scheduler);
    }
    if (fjp != null) {
      fjp.shutdownNow();
      if (!fjp.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("ForkJoinPool did not terminate: " + fjp);
      }
    }
    TinyTaskBenchmark.awaitThreadsGone(Duration.ofSeconds(10), threadPrefixes);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Integer hop() {
    return hop.blockingGet();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(ITEMS)
  public Integer flatMapSubscribeOn() {
    return flatMap.blockingLast();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(ITEMS)
  public Integer observeOn() {
    return observeOn.blockingLast();
  }
}
