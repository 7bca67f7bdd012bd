package dev.cmwq.micrometer;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The meters of a {@link WorkqueueRuntime} and of the workqueues it {@link #monitor monitors},
 * in the shape of the kernel's {@code wq_monitor.py}. Bind it to one or more registries; meters
 * of workqueues monitored later are added to every registry bound so far.
 *
 * <h2>Meters</h2>
 *
 * Per workqueue, tagged {@code name} (the workqueue's), {@code type} ({@code bound},
 * {@code unbound} or {@code ordered}) and {@code highpri} ({@code true}/{@code false}):
 *
 * <table>
 *   <caption>Per workqueue</caption>
 *   <tr><th>meter</th><th>kind</th><th>{@link dev.cmwq.WorkqueueStats} / kernel column</th></tr>
 *   <tr><td>{@code workqueue.work.started}</td><td>function counter</td><td>{@code started} / total</td></tr>
 *   <tr><td>{@code workqueue.work.completed}</td><td>function counter</td><td>{@code completed}</td></tr>
 *   <tr><td>{@code workqueue.work.failed}</td><td>function counter</td><td>{@code failed}</td></tr>
 *   <tr><td>{@code workqueue.work.inflight}</td><td>gauge</td><td>{@code inFlight} / infl</td></tr>
 *   <tr><td>{@code workqueue.work.inactive}</td><td>gauge</td><td>{@code inactive} (held back by max_active)</td></tr>
 *   <tr><td>{@code workqueue.cpu.time}</td><td>function counter, seconds</td><td>{@code cpuTime} / CPUtime</td></tr>
 *   <tr><td>{@code workqueue.work.cpu.intensive}</td><td>function counter</td>
 *       <td>{@code cpuIntensive} / CPUitsv</td></tr>
 *   <tr><td>{@code workqueue.cm.wakeups}</td><td>function counter</td><td>{@code cmWakeups} / CMW</td></tr>
 *   <tr><td>{@code workqueue.rescuer.maydays}</td><td>function counter</td><td>{@code mayday}</td></tr>
 *   <tr><td>{@code workqueue.rescuer.rescued}</td><td>function counter</td><td>{@code rescued}</td></tr>
 *   <tr><td>{@code workqueue.max.active}</td><td>gauge</td><td>{@link Workqueue#maxActive()}</td></tr>
 * </table>
 *
 * <p>Per runtime: {@code workqueue.workers} (gauge, threads) tagged {@code state} = {@code idle},
 * {@code running} or {@code blocked} ({@link WorkqueueRuntime#workers()}), and
 * {@code workqueue.watchdog.lockups} (function counter, {@link WorkqueueRuntime#watchdogLockups()}).
 *
 * <p>Unless {@link Builder#executorMeters(boolean) turned off}, the names of Micrometer's
 * {@code ExecutorServiceMetrics} where they mean the same, tagged {@code name} only (as there,
 * so they sit beside other executors' series): per workqueue {@code executor.completed}
 * ({@code completed}), {@code executor.active} ({@code inFlight}: threads running its items) and
 * {@code executor.queued} ({@code inactive}: items held back by max_active; items already on a
 * pool's worklist waiting for a worker are not visible through the core's API, so under CPU
 * saturation of a bound workqueue it reads low); per runtime {@code executor.pool.size} tagged
 * {@code name} = the {@link Builder#runtimeName runtime name} (the pools are shared by all
 * workqueues, so there is no per-workqueue pool size).
 *
 * <p>No meter is tagged per thread, per CPU slot or per instance. The {@link Builder#tags tags}
 * given to the builder are added to every meter.
 *
 * <h2>Workqueues created and destroyed later</h2>
 *
 * By default the binder follows the runtime: it monitors every workqueue the runtime has when
 * the binder is built and, through {@link WorkqueueRuntime#addWorkqueueListener}, every one built
 * afterwards ({@link Builder#followNewWorkqueues(boolean) followNewWorkqueues(false)} limits it
 * to the system workqueues and what {@link #monitor(Workqueue)} is given). Removal is automatic: every meter read checks its workqueue, and a read that finds it
 * destroyed returns the final counts and removes all of that workqueue's meters from every
 * registry; every read of a runtime meter does the same for all monitored workqueues, so a
 * destroyed workqueue's meters are gone after the next scrape or publish. {@link #remove} removes
 * them at once. Once the runtime is shut down, the next read removes every meter of the binder
 * (as {@link #close()}).
 *
 * <p>Meters hold their workqueue through weak references only (Micrometer's function meters do,
 * and so does this binder), so monitoring never keeps a workqueue alive; the meters of a
 * workqueue that was dropped without {@link Workqueue#destroy()} read {@code NaN} until the next
 * runtime-meter read removes them.
 *
 * <p>Bind a runtime's workqueues through one binder per registry: two binders, or two runtimes
 * with workqueues of the same name, would share meter ids (Micrometer returns the meter already
 * registered), and then one's removal removes the other's meters. Thread-safe.
 */
public final class WorkqueueMetrics implements MeterBinder, AutoCloseable {

  /** The default {@link Builder#runtimeName runtime name}: {@code cmwq}. */
  public static final String DEFAULT_RUNTIME_NAME = "cmwq";

  private final Object lock = new Object(); // serialises monitor() and bindTo() with each other
  private final WorkqueueRuntime runtime; // I
  private final Tags tags; // I
  private final boolean executorMeters; // I
  private final RuntimeMeters runtimeMeters; // I

  /** Written under {@link #lock} (add) or lock-free by {@link #unlink}; read lock-free by value functions. */
  private final CopyOnWriteArrayList<WorkqueueMeters> workqueues = new CopyOnWriteArrayList<>();

  /** Written under {@link #lock}. */
  private final CopyOnWriteArrayList<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Set once by {@link #close()}, possibly from a value function. */
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A binder for {@code runtime} with the defaults (see {@link Builder}). */
  public WorkqueueMetrics(WorkqueueRuntime runtime) {
    this(builder(runtime));
  }

  private WorkqueueMetrics(Builder b) {
    this.runtime = b.runtime;
    this.tags = b.tags;
    this.executorMeters = b.executorMeters;
    this.runtimeMeters = new RuntimeMeters(this, b.runtime, b.runtimeName, b.tags, b.executorMeters);
    if (b.systemWorkqueues) {
      monitor(runtime.systemWq());
      monitor(runtime.systemHighpriWq());
      monitor(runtime.systemLongWq());
      monitor(runtime.systemUnboundWq());
    }
    this.follower = b.followNew ? this::monitor : null;
    if (follower != null) {
      // listen first, then look: a workqueue built in between is monitored twice, harmlessly
      runtime.addWorkqueueListener(follower);
      for (Workqueue wq : runtime.workqueues()) {
        if (!wq.isSystem()) {
          monitor(wq);
        }
      }
    }
  }

  /** I: monitors each workqueue the runtime builds; null when not following. */
  private final java.util.function.@Nullable Consumer<Workqueue> follower;

  /** Returns: a builder of a binder for {@code runtime}. */
  public static Builder builder(WorkqueueRuntime runtime) {
    return new Builder(Objects.requireNonNull(runtime, "runtime"));
  }

  /** Configures a {@link WorkqueueMetrics}. Not thread-safe. */
  public static final class Builder {
    private final WorkqueueRuntime runtime;
    private Tags tags = Tags.empty();
    private String runtimeName = DEFAULT_RUNTIME_NAME;
    private boolean executorMeters = true;
    private boolean systemWorkqueues = true;
    private boolean followNew = true;

    private Builder(WorkqueueRuntime runtime) {
      this.runtime = runtime;
    }

    /** Tags added to every meter (for instance to tell two runtimes apart); default none. */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /** As {@link #tags(Iterable)}, as key/value pairs. */
    public Builder tags(String... keyValues) {
      this.tags = Tags.of(keyValues);
      return this;
    }

    /** The {@code name} tag of the runtime's {@code executor.pool.size}; default {@code cmwq}. */
    public Builder runtimeName(String name) {
      this.runtimeName = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Whether to add the {@code executor.*} meters; default true. */
    public Builder executorMeters(boolean on) {
      this.executorMeters = on;
      return this;
    }

    /**
     * Whether to monitor the runtime's system workqueues ({@code events}, {@code events_highpri},
     * {@code events_long}, {@code events_unbound}) from the start; default true.
     */
    public Builder systemWorkqueues(boolean on) {
      this.systemWorkqueues = on;
      return this;
    }

    /**
     * Whether to monitor every workqueue the runtime has and builds from now on (through
     * {@link WorkqueueRuntime#addWorkqueueListener}); default true. With false, only what
     * {@link WorkqueueMetrics#monitor} is given (and the system workqueues) is measured.
     */
    public Builder followNewWorkqueues(boolean on) {
      this.followNew = on;
      return this;
    }

    /** Returns: the binder. */
    public WorkqueueMetrics build() {
      return new WorkqueueMetrics(this);
    }
  }

  /** Returns: the runtime whose workqueues this binder measures. */
  public WorkqueueRuntime runtime() {
    return runtime;
  }

  /**
   * Adds the meters of {@code wq} to every registry this binder is bound to, now and later, until
   * {@code wq} is destroyed or {@link #remove removed}. Idempotent; a destroyed workqueue, or a
   * call after {@link #close()}, adds nothing.
   *
   * @return {@code wq}, so a workqueue can be built and monitored in one expression
   * @throws IllegalArgumentException if {@code wq} runs on another runtime
   */
  public Workqueue monitor(Workqueue wq) {
    Objects.requireNonNull(wq, "wq");
    if (wq.runtime() != runtime) {
      throw new IllegalArgumentException(wq + " runs on another runtime than this binder's");
    }
    WorkqueueMeters added;
    synchronized (lock) {
      if (closed.get() || wq.isDestroyed() || find(wq) != null) {
        return wq;
      }
      added = new WorkqueueMeters(this, wq, tags, executorMeters);
      workqueues.add(added);
      for (MeterRegistry registry : registries) {
        added.bindTo(registry);
      }
    }
    // Dekker pair with close(): it sets `closed`, then reads `workqueues`; we added to
    // `workqueues`, then read `closed` (both sequentially consistent)
    if (closed.get()) {
      added.remove();
    }
    return wq;
  }

  /**
   * Removes the meters of {@code wq} from every registry, now; it is no longer monitored.
   *
   * @return true if it was monitored
   */
  public boolean remove(Workqueue wq) {
    WorkqueueMeters m = find(Objects.requireNonNull(wq, "wq"));
    return m != null && m.remove();
  }

  /** Returns: the monitored workqueues that are still alive and not destroyed, in monitoring order. */
  public List<Workqueue> monitored() {
    List<Workqueue> out = new ArrayList<>();
    for (WorkqueueMeters m : workqueues) {
      Workqueue wq = m.workqueue();
      if (wq != null && !wq.isDestroyed() && !m.isRemoved()) {
        out.add(wq);
      }
    }
    return out;
  }

  /**
   * Registers the runtime's meters and those of every monitored workqueue with {@code registry},
   * and remembers it for workqueues monitored later. Binding the same registry again changes
   * nothing. After {@link #close()} it does nothing.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (lock) {
      if (closed.get()) {
        return;
      }
      registries.addIfAbsent(registry);
      runtimeMeters.bindTo(registry);
      for (WorkqueueMeters m : workqueues) {
        m.bindTo(registry);
      }
    }
    poll();
  }

  /**
   * Removes every meter of this binder from every registry and stops following workqueues.
   * Idempotent. Also done by the first meter read after the runtime has been shut down.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (follower != null) {
      runtime.removeWorkqueueListener(follower);
    }
    runtimeMeters.remove();
    for (WorkqueueMeters m : workqueues) {
      m.remove();
    }
  }

  /**
   * Removes the meters of workqueues that were destroyed or collected, or all of them if the
   * runtime is shut down. Called from value functions: takes no lock of this binder.
   */
  void poll() {
    if (runtime.isShutdown()) {
      close();
      return;
    }
    for (WorkqueueMeters m : workqueues) {
      if (m.isGone()) {
        m.remove();
      }
    }
  }

  /** A workqueue's meters were removed: forget it. Lock-free (may run inside a value function). */
  void unlink(WorkqueueMeters m) {
    workqueues.remove(m);
  }

  private @Nullable WorkqueueMeters find(Workqueue wq) {
    for (WorkqueueMeters m : workqueues) {
      if (m.workqueue() == wq && !m.isRemoved()) {
        return m;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "WorkqueueMetrics{workqueues=" + workqueues.size() + ", registries=" + registries.size() + "}";
  }
}
