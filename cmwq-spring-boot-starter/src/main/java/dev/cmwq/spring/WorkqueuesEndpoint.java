package dev.cmwq.spring;

import dev.cmwq.WorkerCounts;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.micrometer.WorkqueueMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The actuator endpoint {@code workqueues}: the runtime's workers, every known workqueue with its
 * counters, and the runtime's {@code wq_dump}-style text ({@link WorkqueueRuntime#dump()});
 * {@code workqueues/{name}} gives one workqueue (404 if unknown).
 *
 * <p>Known workqueues: the runtime's system workqueues, the {@code Workqueue} beans, and those a
 * {@link WorkqueueMetrics} bean monitors; destroyed ones are left out. The dump shows every
 * workqueue of the runtime, beans or not. Thread-safe.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@Endpoint(id = "workqueues")
public final class WorkqueuesEndpoint {

  private final WorkqueueRuntime runtime; // I
  private final Supplier<? extends Iterable<Workqueue>> workqueues; // I

  /**
   * An endpoint over {@code runtime}; {@code workqueues} supplies, on each read, the workqueues to
   * list besides the runtime's system workqueues (duplicates and destroyed ones are dropped).
   */
  public WorkqueuesEndpoint(WorkqueueRuntime runtime, Supplier<? extends Iterable<Workqueue>> workqueues) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.workqueues = Objects.requireNonNull(workqueues, "workqueues");
  }

  /** Returns: the runtime, its workqueues by name, and the dump. */
  @ReadOperation
  public WorkqueuesDescriptor workqueues() {
    Map<String, WorkqueueDescriptor> byName = new LinkedHashMap<>();
    for (Workqueue wq : known()) {
      byName.putIfAbsent(wq.name(), WorkqueueDescriptor.of(wq));
    }
    WorkerCounts w = runtime.workers();
    return new WorkqueuesDescriptor(
        new RuntimeDescriptor(runtime.cpus(), w.idle(), w.running(), w.blocked(), runtime.watchdogLockups(),
            runtime.isShutdown()),
        Collections.unmodifiableMap(byName),
        runtime.dump());
  }

  /** Returns: the workqueue named {@code name}, or null (404) if no known workqueue has that name. */
  @ReadOperation
  public @Nullable WorkqueueDescriptor workqueue(@Selector String name) {
    for (Workqueue wq : known()) {
      if (wq.name().equals(name)) {
        return WorkqueueDescriptor.of(wq);
      }
    }
    return null;
  }

  private List<Workqueue> known() {
    Set<Workqueue> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Workqueue> out = new ArrayList<>();
    for (Workqueue wq :
        List.of(runtime.systemWq(), runtime.systemHighpriWq(), runtime.systemLongWq(), runtime.systemUnboundWq())) {
      if (seen.add(wq)) {
        out.add(wq);
      }
    }
    for (Workqueue wq : workqueues.get()) {
      if (!wq.isDestroyed() && seen.add(wq)) {
        out.add(wq);
      }
    }
    return out;
  }

  /**
   * The endpoint's answer.
   *
   * @param runtime the runtime's CPU slots, workers and watchdog
   * @param workqueues the known workqueues by name
   * @param dump the runtime's text dump
   */
  public record WorkqueuesDescriptor(
      RuntimeDescriptor runtime, Map<String, WorkqueueDescriptor> workqueues, String dump) {}

  /**
   * A runtime.
   *
   * @param cpus CPU slots
   * @param idleWorkers pool workers waiting for work
   * @param runningWorkers pool workers running an item, counted by concurrency management
   * @param blockedWorkers pool workers inside an item but asleep
   * @param watchdogLockups lockups the watchdog has reported
   * @param shutdown whether it is shut down
   */
  public record RuntimeDescriptor(
      int cpus, int idleWorkers, int runningWorkers, int blockedWorkers, long watchdogLockups, boolean shutdown) {}

  /**
   * A workqueue: its kind and its {@link WorkqueueStats} (the kernel's {@code wq_monitor}
   * columns).
   *
   * @param name its name
   * @param type {@code bound}, {@code unbound} or {@code ordered}
   * @param highpri whether it runs on the high-priority pools
   * @param memReclaim whether it has a rescuer
   * @param maxActive its max_active
   * @param started items that started running
   * @param completed items that finished running
   * @param failed items whose function threw
   * @param inFlight items running now
   * @param inactive items held back by max_active now
   * @param cpuTimeSeconds CPU time spent in its items, in seconds
   * @param cpuIntensive items that ran past the CPU-intensive threshold
   * @param cmWakeups workers woken because a running one blocked
   * @param mayday times a pool asked its rescuer for help
   * @param rescued items the rescuer ran
   */
  public record WorkqueueDescriptor(
      String name,
      String type,
      boolean highpri,
      boolean memReclaim,
      int maxActive,
      long started,
      long completed,
      long failed,
      long inFlight,
      long inactive,
      double cpuTimeSeconds,
      long cpuIntensive,
      long cmWakeups,
      long mayday,
      long rescued) {

    static WorkqueueDescriptor of(Workqueue wq) {
      WorkqueueStats s = wq.stats();
      return new WorkqueueDescriptor(
          wq.name(),
          wq.isOrdered() ? "ordered" : wq.isUnbound() ? "unbound" : "bound",
          wq.isHighpri(),
          wq.isMemReclaim(),
          wq.maxActive(),
          s.started(),
          s.completed(),
          s.failed(),
          s.inFlight(),
          s.inactive(),
          s.cpuTime().toNanos() / 1e9,
          s.cpuIntensive(),
          s.cmWakeups(),
          s.mayday(),
          s.rescued());
    }
  }
}
