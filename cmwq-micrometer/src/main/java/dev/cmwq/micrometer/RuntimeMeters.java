package dev.cmwq.micrometer;

import dev.cmwq.WorkerCounts;
import dev.cmwq.WorkqueueRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The meters of the runtime: its pool workers by state ({@code workqueue.workers{state}}), the
 * watchdog's lockup count, and {@code executor.pool.size{name=<runtime name>}}.
 *
 * <p>Each read also prunes the owner's workqueues that were destroyed or collected (the core has
 * no listener to tell us), and a read that finds the runtime shut down removes every meter of the
 * owner.
 */
final class RuntimeMeters extends MeterSet {

  private final WorkqueueMetrics owner; // I
  private final WorkqueueRuntime runtime; // I: held strongly; it outlives its workqueues anyway
  private final Tags tags; // I: the binder's tags
  private final String runtimeName; // I
  private final boolean executorMeters; // I

  RuntimeMeters(
      WorkqueueMetrics owner, WorkqueueRuntime runtime, String runtimeName, Tags tags, boolean executorMeters) {
    this.owner = owner;
    this.runtime = runtime;
    this.runtimeName = runtimeName;
    this.tags = tags;
    this.executorMeters = executorMeters;
  }

  /** One read of the runtime: prunes what is gone first. */
  private WorkerCounts workers(WorkqueueRuntime rt) {
    WorkerCounts c = rt.workers();
    owner.poll();
    return c;
  }

  @Override
  void onRemoved() {
    // the runtime's meters go only with the whole binder (close, or the runtime shut down)
  }

  @Override
  List<Meter> register(MeterRegistry registry) {
    List<Meter> m = new ArrayList<>(5);
    m.add(workerGauge(registry, "idle", WorkerCounts::idle));
    m.add(workerGauge(registry, "running", WorkerCounts::running));
    m.add(workerGauge(registry, "blocked", WorkerCounts::blocked));
    m.add(
        FunctionCounter.builder("workqueue.watchdog.lockups", runtime, rt -> {
              owner.poll();
              return rt.watchdogLockups();
            })
            .tags(tags)
            .description("Pools reported stuck by the watchdog (worklist unmoved past the watchdog threshold)")
            .register(registry));
    if (executorMeters) {
      m.add(
          Gauge.builder("executor.pool.size", runtime, rt -> workers(rt).total())
              .tags(Tags.of("name", runtimeName).and(tags))
              .description("The current number of threads in the pool")
              .baseUnit(BaseUnits.THREADS)
              .register(registry));
    }
    return m;
  }

  /**
   * One description for every state: registries such as Prometheus keep one per meter name, and
   * an aggregate over the tag must not read as one state's.
   */
  static final String WORKERS_DESCRIPTION =
      "Pool workers by state: idle (waiting for work), running (counted by concurrency management), "
          + "blocked (inside a work item but asleep, declared or detected)";

  private Meter workerGauge(MeterRegistry registry, String state, ToIntFunction<WorkerCounts> f) {
    return Gauge.builder("workqueue.workers", runtime, rt -> f.applyAsInt(workers(rt)))
        .tags(Tags.of("state", state).and(tags))
        .description(WORKERS_DESCRIPTION)
        .baseUnit(BaseUnits.THREADS)
        .register(registry);
  }
}
