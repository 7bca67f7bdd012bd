package dev.cmwq.samples.demo;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
import java.time.Duration;
import java.util.Optional;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One scheduler the demo runs the workload on, with what it needs to watch it and to shut it
 * down. Each contender is built fresh for its phase and closed after it, so that no thread
 * outlives the demo.
 *
 * <p>Reactor's two are built with the same settings as the cached {@code Schedulers.parallel()}
 * and {@code Schedulers.boundedElastic()} (same sizes, thread names, TTL, daemon threads), but as
 * new instances: the cached ones cannot be disposed by the code that borrowed them. cmwq's is
 * {@link CmwqSchedulers#bound(WorkqueueRuntime)} on a runtime of its own with the default
 * settings, whose {@code events} workqueue provides the {@code wq_monitor} columns.
 */
public final class Contender implements AutoCloseable {

  /** BoundedElasticScheduler's default time-to-live of an idle thread, in seconds. */
  private static final int BOUNDED_ELASTIC_TTL_SECONDS = 60;

  private final String label; // I
  private final String threadPrefix; // I
  private final String builtAs; // I
  private final Scheduler scheduler; // I
  private final Optional<WorkqueueRuntime> runtime; // I: cmwq only; closed with the contender
  private boolean closed; // confined to the thread running the phase

  private Contender(
      String label, String threadPrefix, String builtAs, Scheduler scheduler, Optional<WorkqueueRuntime> runtime) {
    this.label = label;
    this.threadPrefix = threadPrefix;
    this.builtAs = builtAs;
    this.scheduler = scheduler;
    this.runtime = runtime;
  }

  /** Returns: Reactor's {@code parallel()}: one single-threaded executor per CPU. */
  public static Contender reactorParallel() {
    int n = Schedulers.DEFAULT_POOL_SIZE;
    return new Contender(
        "parallel()",
        "parallel-",
        "Schedulers.newParallel(\"parallel\", " + n + ", true)",
        Schedulers.newParallel("parallel", n, true),
        Optional.empty());
  }

  /** Returns: Reactor's {@code boundedElastic()}: up to 10 threads per CPU, created on demand. */
  public static Contender reactorBoundedElastic() {
    int cap = Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE;
    int queue = Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE;
    return new Contender(
        "boundedElastic()",
        "boundedElastic-",
        "Schedulers.newBoundedElastic(" + cap + ", " + queue + ", \"boundedElastic\", "
            + BOUNDED_ELASTIC_TTL_SECONDS + ", true)",
        Schedulers.newBoundedElastic(cap, queue, "boundedElastic", BOUNDED_ELASTIC_TTL_SECONDS, true),
        Optional.empty());
  }

  /** Returns: cmwq's {@code bound()} on a new runtime with the default settings. */
  public static Contender cmwqBound() {
    WorkqueueRuntime rt = WorkqueueRuntime.builder().build();
    return new Contender(
        "cmwq bound()",
        "kworker/",
        "CmwqSchedulers.bound(runtime), runtime = WorkqueueRuntime.builder().build() ("
            + rt.cpus() + " CPU slots)",
        CmwqSchedulers.bound(rt),
        Optional.of(rt));
  }

  /** Returns: the name in the tables. */
  public String label() {
    return label;
  }

  /** Returns: how its threads' names start. */
  public String threadPrefix() {
    return threadPrefix;
  }

  /** Returns: the code that built it, for the output. */
  public String builtAs() {
    return builtAs;
  }

  /** Returns: the scheduler the items are subscribed on. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** Returns: the workqueue whose {@code wq_monitor} columns are shown; cmwq only. */
  public Optional<Workqueue> workqueue() {
    return runtime.map(WorkqueueRuntime::systemWq);
  }

  /** Returns: the runtime behind the scheduler; cmwq only. */
  public Optional<WorkqueueRuntime> runtime() {
    return runtime;
  }

  /**
   * Disposes the scheduler and, for cmwq, shuts its runtime down, waiting up to five seconds for
   * each. Called once the phase's items are all done, so nothing is cancelled. An interrupt ends
   * the wait and stays set. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      scheduler.disposeGracefully().block(Duration.ofSeconds(5));
    } catch (IllegalStateException timedOut) {
      scheduler.dispose();
    }
    if (runtime.isPresent()) {
      runtime.get().shutdown();
      try {
        runtime.get().awaitTermination(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
