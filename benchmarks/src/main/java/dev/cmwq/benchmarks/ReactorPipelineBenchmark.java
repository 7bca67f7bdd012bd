package dev.cmwq.benchmarks;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reactor pipelines on cmwq's Reactor adapter and on Reactor's own schedulers (DESIGN §9,
 * "hops"): how long one hop to a scheduler takes, and how many items per second a pipeline
 * moves through one.
 *
 * <ul>
 *   <li>{@code hop} (sample time, µs per op; lower is better): {@code Mono.just(1).subscribeOn(S)
 *       .block()}. One op is a round trip: the caller schedules the subscription, a worker runs
 *       it and wakes the caller. The limit is one thread wake-up each way.
 *   <li>{@code flatMapSubscribeOn} (items/s; higher is better): {@code Flux.range(0, 10_000)
 *       .flatMap(i -> Mono.fromCallable(() -> i).subscribeOn(S), 256)}, to the last item. Up to
 *       256 single-item hops in flight; Reactor schedules each one directly
 *       ({@code Scheduler.schedule}), without a worker.
 *   <li>{@code publishOn} (items/s): {@code Flux.range(0, 10_000).publishOn(S)}, to the last
 *       item. {@code range} fuses with {@code publishOn} (synchronous fusion): the operator's
 *       drain task, scheduled once on a worker of S, polls all 10 000 items itself. So one op is
 *       one hop plus 10 000 turns of the drain loop on S's thread; the schedulers differ only in
 *       that hop and in how fast their thread runs the loop, and the ratios stay near 1.
 * </ul>
 *
 * The {@code scheduler} parameter picks S; only that one is built in a fork:
 *
 * <ul>
 *   <li>{@code cmwqBound}: {@code CmwqSchedulers.bound(runtime)} over a fresh runtime's
 *       {@code systemWq()}, the cmwq counterpart of {@code parallel()}.
 *   <li>{@code cmwqUnbound}: {@code CmwqSchedulers.unbound(runtime)}, over
 *       {@code systemUnboundWq()}, the counterpart of {@code boundedElastic()}.
 *   <li>{@code parallel}: a fresh {@code Schedulers.newParallel} with {@code parallel()}'s
 *       settings (one thread per CPU, daemon).
 *   <li>{@code boundedElastic}: a fresh {@code Schedulers.newBoundedElastic} with
 *       {@code boundedElastic()}'s settings.
 *   <li>{@code forkJoinPool}: {@code Schedulers.fromExecutorService(new ForkJoinPool(2))}.
 * </ul>
 *
 * <p>The pipelines are assembled once per trial (Reactor publishers are reusable); each op
 * subscribes and blocks the caller until the last item. So a score holds Reactor's per-subscribe
 * and per-item allocations, the same for every S, plus the scheduler's own. Compare the rows of
 * one method: cmwq / best peer is the ratio DESIGN §9 asks for (≥ 1).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReactorPipelineBenchmark {

  /** Items per pipeline op. */
  static final int ITEMS = 10_000;
  /** flatMap's maxConcurrency: inner hops in flight at once. */
  static final int CONCURRENCY = 256;

  @Param({"cmwqBound", "cmwqUnbound", "parallel", "boundedElastic", "forkJoinPool"})
  public String scheduler;

  Scheduler s;
  /** Set for the cmwq schedulers: the runtime they run on, shut down at tear-down. */
  WorkqueueRuntime rt;
  /** Set for forkJoinPool: the pool behind the scheduler, awaited at tear-down. */
  ForkJoinPool fjp;
  /** Name prefixes of the peer's threads, awaited at tear-down. */
  String[] threadPrefixes = new String[0];

  Mono<Integer> hop;
  Flux<Integer> flatMap;
  Flux<Integer> publishOn;

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
      case "parallel":
        s = Schedulers.newParallel("bench-parallel", Schedulers.DEFAULT_POOL_SIZE, true);
        threadPrefixes = new String[] {"bench-parallel"};
        break;
      case "boundedElastic":
        s =
            Schedulers.newBoundedElastic(
                Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE,
                Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                "bench-boundedElastic",
                60,
                true);
        threadPrefixes = new String[] {"bench-boundedElastic", "boundedElastic-evictor"};
        break;
      case "forkJoinPool":
        fjp = new ForkJoinPool(2);
        s = Schedulers.fromExecutorService(fjp, "bench-forkJoinPool");
        break;
      default:
        throw new IllegalArgumentException("unknown scheduler: " + scheduler);
    }
    Scheduler on = s;
    hop = Mono.just(1).subscribeOn(on);
    flatMap = Flux.range(0, ITEMS).flatMap(i -> Mono.fromCallable(() -> i).subscribeOn(on), CONCURRENCY);
    publishOn = Flux.range(0, ITEMS).publishOn(on);
    check();
  }

  /** Runs each pipeline once before measuring: a wrong count would make every score meaningless. */
  private void check() {
    Long hops = flatMap.count().block();
    Long published = publishOn.count().block();
    Integer one = hop.block();
    if (hops == null || hops != ITEMS || published == null || published != ITEMS || one == null || one != 1) {
      throw new IllegalStateException(scheduler + ": flatMap " + hops + ", publishOn " + published + ", hop " + one);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    s.dispose();
    if (rt != null) {
      TinyTaskBenchmark.stopRuntime(rt, "reactor " + scheduler);
    }
    if (fjp != null) {
      fjp.shutdownNow(); // the scheduler's dispose() has already shut it down; this only makes sure
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
    return hop.block();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(ITEMS)
  public Integer flatMapSubscribeOn() {
    return flatMap.blockLast();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(ITEMS)
  public Integer publishOn() {
    return publishOn.blockLast();
  }
}
