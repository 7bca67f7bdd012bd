package dev.cmwq.micrometer;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one workqueue: the kernel's {@code wq_monitor} columns as {@code workqueue.*}
 * (tags {@code name}, {@code type}, {@code highpri}), and the {@code executor.*} meters of
 * Micrometer's {@code ExecutorServiceMetrics} that mean the same for a workqueue (tag
 * {@code name} only, as there).
 *
 * <p>Nothing here holds the workqueue strongly: the registries' meters hold it weakly (Micrometer's
 * own rule for function meters) and this set keeps a {@link WeakReference} to recognise it. Each
 * value function reads {@link Workqueue#stats()} and, once the workqueue is destroyed, returns its
 * final counts and removes the meters.
 */
final class WorkqueueMeters extends MeterSet {

  private final WorkqueueMetrics owner; // I
  private final WeakReference<Workqueue> ref; // I
  private final Tags wqTags; // I: name, type, highpri + the binder's tags
  private final Tags executorTags; // I: name + the binder's tags
  private final boolean executorMeters; // I

  WorkqueueMeters(WorkqueueMetrics owner, Workqueue wq, Tags extraTags, boolean executorMeters) {
    this.owner = owner;
    this.ref = new WeakReference<>(wq);
    this.wqTags =
        Tags.of("name", wq.name(), "type", type(wq), "highpri", Boolean.toString(wq.isHighpri())).and(extraTags);
    this.executorTags = Tags.of("name", wq.name()).and(extraTags);
    this.executorMeters = executorMeters;
  }

  /** Returns: the {@code type} tag: {@code ordered}, {@code unbound} or {@code bound}. */
  static String type(Workqueue wq) {
    return wq.isOrdered() ? "ordered" : wq.isUnbound() ? "unbound" : "bound";
  }

  /** Returns: the workqueue, or null once it has been collected. */
  @Nullable Workqueue workqueue() {
    return ref.get();
  }

  /** Returns: whether the workqueue was collected or destroyed: its meters should go. */
  boolean isGone() {
    Workqueue wq = ref.get();
    return wq == null || wq.isDestroyed();
  }

  /** A snapshot for one meter read; a destroyed workqueue's final counts, then its meters go. */
  private WorkqueueStats stats(Workqueue wq) {
    WorkqueueStats s = wq.stats();
    if (wq.isDestroyed()) {
      remove();
    }
    return s;
  }

  @Override
  void onRemoved() {
    owner.unlink(this);
  }

  @Override
  List<Meter> register(MeterRegistry registry) {
    Workqueue wq = ref.get();
    if (wq == null) {
      return List.of();
    }
    List<Meter> m = new ArrayList<>(14);
    m.add(counter(registry, wq, "workqueue.work.started", "Work items that started running", WorkqueueStats::started));
    m.add(counter(registry, wq, "workqueue.work.completed", "Work items that finished running, normally or by throwing",
        WorkqueueStats::completed));
    m.add(counter(registry, wq, "workqueue.work.failed", "Work items whose function threw", WorkqueueStats::failed));
    m.add(gauge(registry, wq, "workqueue.work.inflight", "Work items running now", WorkqueueStats::inFlight));
    m.add(gauge(registry, wq, "workqueue.work.inactive", "Work items held back by max_active (or a freeze) now",
        WorkqueueStats::inactive));
    m.add(
        FunctionCounter.builder("workqueue.cpu.time", wq, w -> stats(w).cpuTime().toNanos() / 1e9)
            .tags(wqTags)
            .description("CPU time of the workers while running this workqueue's items")
            .baseUnit("seconds")
            .register(registry));
    m.add(counter(registry, wq, "workqueue.work.cpu.intensive", "Work items that ran past the CPU-intensive threshold",
        WorkqueueStats::cpuIntensive));
    m.add(counter(registry, wq, "workqueue.cm.wakeups",
        "Workers woken by concurrency management because a running one blocked", WorkqueueStats::cmWakeups));
    m.add(counter(registry, wq, "workqueue.rescuer.maydays", "Times a pool asked this workqueue's rescuer for help",
        WorkqueueStats::mayday));
    m.add(counter(registry, wq, "workqueue.rescuer.rescued", "Work items run by the rescuer", WorkqueueStats::rescued));
    m.add(
        Gauge.builder("workqueue.max.active", wq, w -> {
              stats(w); // notices a destroyed workqueue like every other meter
              return w.maxActive();
            })
            .tags(wqTags)
            .description("Work items that may be active at once (per CPU slot for bound workqueues)")
            .register(registry));
    if (executorMeters) {
      // the names, units and descriptions of io.micrometer...ExecutorServiceMetrics
      m.add(
          FunctionCounter.builder("executor.completed", wq, w -> stats(w).completed())
              .tags(executorTags)
              .description("The approximate total number of tasks that have completed execution")
              .baseUnit(BaseUnits.TASKS)
              .register(registry));
      m.add(
          Gauge.builder("executor.active", wq, w -> stats(w).inFlight())
              .tags(executorTags)
              .description("The approximate number of threads that are actively executing tasks")
              .baseUnit(BaseUnits.THREADS)
              .register(registry));
      m.add(
          Gauge.builder("executor.queued", wq, w -> stats(w).inactive())
              .tags(executorTags)
              .description("The approximate number of tasks that are queued for execution")
              .baseUnit(BaseUnits.TASKS)
              .register(registry));
    }
    return m;
  }

  private Meter counter(
      MeterRegistry registry, Workqueue wq, String name, String description, ToDoubleFunction<WorkqueueStats> f) {
    return FunctionCounter.builder(name, wq, w -> f.applyAsDouble(stats(w)))
        .tags(wqTags)
        .description(description)
        .register(registry);
  }

  private Meter gauge(
      MeterRegistry registry, Workqueue wq, String name, String description, ToDoubleFunction<WorkqueueStats> f) {
    return Gauge.builder(name, wq, w -> f.applyAsDouble(stats(w)))
        .tags(wqTags)
        .description(description)
        .register(registry);
  }
}
