package dev.cmwq.samples.reactor;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.Workqueues;
import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Blocking, JDBC-style calls from a Reactor pipeline: each call is a
 * {@code Mono.fromCallable(...).subscribeOn(CmwqSchedulers.bound(...))}, many in flight at once
 * through {@code flatMap}.
 *
 * <p>On the bound workqueue a call that blocks gives its CPU slot to another worker (here it says
 * so through {@link Workqueues#blocking}; undeclared blocking is noticed within a couple of
 * milliseconds), so the pipeline does not stall the way a fixed pool of one thread per CPU
 * would. The runtime's worker cap ({@code maxWorkers}) bounds the threads: when every worker is
 * busy, further calls wait in the workqueue and run as workers free up. Nothing is rejected.
 *
 * <p>Use it when a reactive service must call a blocking client and you want a hard bound on
 * threads without a rejection path to handle.
 */
public final class BlockingCalls {

  /** Rows the sample loads. */
  static final int ROWS = 200;
  /** Calls in flight at once. */
  static final int CONCURRENCY = 64;
  /** The runtime's worker cap in the sample. */
  static final int MAX_WORKERS = 16;

  /** A stand-in for a JDBC repository: every call blocks for a few milliseconds. */
  static final class SlowRepository {
    private final WorkqueueRuntime rt;
    final AtomicInteger peakWorkers = new AtomicInteger();

    SlowRepository(WorkqueueRuntime rt) {
      this.rt = rt;
    }

    String findName(int id) throws InterruptedException {
      peakWorkers.accumulateAndGet(rt.workerCount(), Math::max);
      Thread.sleep(5); // the simulated round trip to the database
      return "customer-" + id;
    }
  }

  /**
   * What the run saw.
   *
   * @param names what the calls returned, in completion order
   * @param threads the threads the calls ran on
   * @param peakWorkers the most pool workers alive during a call
   */
  public record Result(List<String> names, Set<String> threads, int peakWorkers) {}

  private BlockingCalls() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).maxWorkers(MAX_WORKERS).build()) {
      run(rt, System.out);
    }
  }

  /** Runs the sample on {@code rt}; build it with a small {@code maxWorkers} to see the cap hold. */
  public static Result run(WorkqueueRuntime rt, PrintStream out) {
    SlowRepository repository = new SlowRepository(rt);
    WorkqueueScheduler db = CmwqSchedulers.bound(rt);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    try {
      List<String> names = Flux.range(1, ROWS)
          .flatMap(id -> Mono.fromCallable(() -> {
                threads.add(Thread.currentThread().getName());
                return Workqueues.blocking(() -> repository.findName(id));
              })
              .subscribeOn(db), CONCURRENCY)
          .collectList()
          .block(Duration.ofSeconds(30));
      out.printf("%d rows loaded, %d calls in flight at a time, on %d distinct worker threads; peak pool workers %d%n",
          names.size(), CONCURRENCY, threads.size(), repository.peakWorkers.get());
      out.printf("workers now: %s%n", rt.workers());
      return new Result(names, Set.copyOf(threads), repository.peakWorkers.get());
    } finally {
      db.dispose();
    }
  }
}
