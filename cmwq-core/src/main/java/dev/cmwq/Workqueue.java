package dev.cmwq;

import dev.cmwq.internal.WorkOps;
import dev.cmwq.internal.WorkqueueStruct;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A workqueue (kernel {@code workqueue_struct}): where work items are queued. It runs nothing
 * itself; it feeds the shared worker pools of its {@link WorkqueueRuntime} and is the domain of
 * {@link #flush()}, {@link #drain()}, {@code max_active} and forward progress.
 *
 * <h2>Kinds</h2>
 *
 * <ul>
 *   <li><b>Bound</b> (default): items run on the pool of a CPU slot, the caller's own slot when
 *       queued from a bound worker, else spread round-robin. Each slot's pool keeps one worker
 *       running and starts another only when the running one blocks (see
 *       {@link Workqueues#blocking}). {@code maxActive} limits each CPU slot.
 *   <li><b>Unbound</b>: every active item gets a worker; {@code maxActive} limits the workqueue
 *       as a whole.
 *   <li><b>Ordered</b>: one item at a time, strictly in queueing order, whatever thread queued.
 *   <li><b>Highpri</b>: served by separate high-priority pools (Java priority above normal).
 * </ul>
 *
 * <h2>Ordering</h2>
 *
 * Only ordered workqueues order items. On others, items queued on one CPU slot start in FIFO
 * order but may overlap; {@code maxActive} held-back items are released in FIFO order.
 *
 * <h2>Lifecycle</h2>
 *
 * Running, then (after {@link #destroy()}) destroyed for good. While it drains only its own
 * running items may queue on it; after destroy every queueing call throws
 * {@link RejectedExecutionException}. Thread-safe.
 */
public final class Workqueue implements AutoCloseable {

  /** Longest name, as the kernel's WQ_NAME_LEN. */
  public static final int NAME_LEN = 32;

  private final WorkqueueStruct wq;
  private final WorkqueueRuntime runtime;

  private Workqueue(WorkqueueStruct wq, WorkqueueRuntime runtime) {
    this.wq = wq;
    this.runtime = runtime;
    wq.facade = this;
  }

  static Workqueue system(WorkqueueRuntime rt, String name, boolean unbound, boolean highpri, int maxActive) {
    return new Workqueue(
        new WorkqueueStruct(rt.core(), name, unbound, highpri, false, false, false, false, maxActive, true), rt);
  }

  /**
   * Returns: a builder for a workqueue named {@code name}.
   *
   * @throws IllegalArgumentException if {@code name} is null, empty or longer than 32 characters
   */
  public static Builder builder(String name) {
    if (name == null || name.isEmpty() || name.length() > NAME_LEN) {
      throw new IllegalArgumentException(
          "a workqueue name must have 1.." + NAME_LEN + " characters: " + (name == null ? "null" : "\"" + name + "\""));
    }
    return new Builder(name);
  }

  /** Configures a workqueue; flags as the kernel's {@code alloc_workqueue}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private boolean unbound;
    private boolean highpri;
    private boolean cpuIntensive;
    private boolean memReclaim;
    private boolean freezable;
    private boolean ordered;
    private int maxActive;
    private @Nullable WorkqueueRuntime runtime;

    private Builder(String name) {
      this.name = name;
    }

    /** WQ_UNBOUND: not concurrency-managed; every active item gets a worker. */
    public Builder unbound() {
      unbound = true;
      return this;
    }

    /** WQ_HIGHPRI: the high-priority pools. */
    public Builder highpri() {
      highpri = true;
      return this;
    }

    /** WQ_CPU_INTENSIVE: running items do not hold back others on the CPU (bound only). */
    public Builder cpuIntensive() {
      cpuIntensive = true;
      return this;
    }

    /** WQ_MEM_RECLAIM: a rescuer thread guarantees forward progress. */
    public Builder memReclaim() {
      memReclaim = true;
      return this;
    }

    /** WQ_FREEZABLE: {@link WorkqueueRuntime#freeze()} stops it from starting items. */
    public Builder freezable() {
      freezable = true;
      return this;
    }

    /** Ordered: one item at a time in queueing order (implies unbound, max_active 1). */
    public Builder ordered() {
      ordered = true;
      return this;
    }

    /**
     * Items active at once: per CPU slot for bound workqueues, in total for unbound ones. 0
     * means the default, 1024; values outside 1..2048 are clamped with a logged warning.
     */
    public Builder maxActive(int maxActive) {
      this.maxActive = maxActive;
      return this;
    }

    /** The runtime to run on; default {@link WorkqueueRuntime#global()}. */
    public Builder runtime(WorkqueueRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * Returns: the new workqueue.
     *
     * @throws RejectedExecutionException if the runtime is shut down
     */
    public Workqueue build() {
      WorkqueueRuntime rt = runtime != null ? runtime : WorkqueueRuntime.global();
      int max = ordered ? 1 : WorkqueueStruct.clampMaxActive(maxActive, name);
      Workqueue wq =
          new Workqueue(
              new WorkqueueStruct(
                  rt.core(), name, unbound, highpri, cpuIntensive, memReclaim, freezable, ordered, max, false),
              rt);
      rt.workqueueCreated(wq);
      return wq;
    }
  }

  /** Returns: the name. */
  public String name() {
    return wq.name;
  }

  /** Returns: the current max_active. */
  public int maxActive() {
    return wq.maxActive();
  }

  /** Returns: the runtime it runs on. */
  public WorkqueueRuntime runtime() {
    return runtime;
  }

  /** Returns: whether it is unbound (ordered ones are). */
  public boolean isUnbound() {
    return wq.isUnbound();
  }

  /** Returns: whether it is ordered. */
  public boolean isOrdered() {
    return wq.isOrdered();
  }

  /** Returns: whether it is one of the runtime's system workqueues (never destroyed). */
  public boolean isSystem() {
    return wq.isSystem();
  }

  /** Returns: whether it runs on the high-priority pools. */
  public boolean isHighpri() {
    return wq.isHighpri();
  }

  /** Returns: whether it has a rescuer ({@link Builder#memReclaim()}). */
  public boolean isMemReclaim() {
    return wq.isMemReclaim();
  }

  /** Returns: whether {@link WorkqueueRuntime#freeze()} holds it. */
  public boolean isFreezable() {
    return wq.isFreezable();
  }

  /** Returns: whether its items stay out of concurrency management ({@link Builder#cpuIntensive()}). */
  public boolean isCpuIntensive() {
    return wq.isCpuIntensive();
  }

  /** Returns: whether {@link #destroy()} has been called. */
  public boolean isDestroyed() {
    return wq.isDestroyed();
  }

  /**
   * Queues {@code work} on the local CPU slot (kernel {@code queue_work}).
   *
   * @return true if queued; false if it was already pending or is disabled
   * @throws NullPointerException if {@code work} is null
   * @throws RejectedExecutionException if the workqueue is destroyed, or draining and the caller
   *     is not one of its own items
   */
  public boolean queueWork(Work work) {
    return wq.queueWork(WorkqueueStruct.CPU_LOCAL, work);
  }

  /**
   * Queues {@code work} on CPU slot {@code cpu} (kernel {@code queue_work_on}). For unbound and
   * ordered workqueues the slot is only validated.
   *
   * @return as {@link #queueWork}
   * @throws IllegalArgumentException if {@code cpu} is not a slot of the runtime
   */
  public boolean queueWorkOn(int cpu, Work work) {
    checkSlot(cpu);
    return wq.queueWork(cpu, work);
  }

  /**
   * Arms {@code work} to be queued here after {@code delay} (kernel {@code queue_delayed_work}).
   * A zero delay queues at once; there is no maximum delay.
   *
   * @return true if armed or queued; false if it was already pending or is disabled
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code delay} is negative
   * @throws RejectedExecutionException as {@link #queueWork}
   */
  public boolean queueDelayedWork(DelayedWork work, Duration delay) {
    return WorkOps.queueDelayed(wq, WorkqueueStruct.CPU_LOCAL, work, nanos(delay));
  }

  /**
   * As {@link #queueDelayedWork(DelayedWork, Duration)}, with the delay as an amount of a unit,
   * so a caller that has one (as the reactive schedulers do) allocates nothing.
   *
   * @throws NullPointerException if {@code work} or {@code unit} is null
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public boolean queueDelayedWork(DelayedWork work, long delay, TimeUnit unit) {
    return WorkOps.queueDelayed(wq, WorkqueueStruct.CPU_LOCAL, work, nanos(delay, unit));
  }

  /** As {@link #queueDelayedWork}, queued on CPU slot {@code cpu} when it fires. */
  public boolean queueDelayedWorkOn(int cpu, DelayedWork work, Duration delay) {
    checkSlot(cpu);
    return WorkOps.queueDelayed(wq, cpu, work, nanos(delay));
  }

  /** As {@link #queueDelayedWork(DelayedWork, long, TimeUnit)}, on CPU slot {@code cpu}. */
  public boolean queueDelayedWorkOn(int cpu, DelayedWork work, long delay, TimeUnit unit) {
    checkSlot(cpu);
    return WorkOps.queueDelayed(wq, cpu, work, nanos(delay, unit));
  }

  /**
   * Re-arms {@code work} to fire {@code delay} from now, whether it was pending or not (kernel
   * {@code mod_delayed_work}); a zero delay queues it at once. Re-arming an armed timer
   * allocates nothing. A disabled item is left idle.
   *
   * @return true if it was pending and has been modified; false if it was idle and is now armed
   */
  public boolean modDelayedWork(DelayedWork work, Duration delay) {
    return WorkOps.modDelayed(wq, WorkqueueStruct.CPU_LOCAL, work, nanos(delay));
  }

  /** As {@link #modDelayedWork(DelayedWork, Duration)}, with the delay as an amount of a unit. */
  public boolean modDelayedWork(DelayedWork work, long delay, TimeUnit unit) {
    return WorkOps.modDelayed(wq, WorkqueueStruct.CPU_LOCAL, work, nanos(delay, unit));
  }

  /** As {@link #modDelayedWork}, queued on CPU slot {@code cpu} when it fires. */
  public boolean modDelayedWorkOn(int cpu, DelayedWork work, Duration delay) {
    checkSlot(cpu);
    return WorkOps.modDelayed(wq, cpu, work, nanos(delay));
  }

  /** As {@link #modDelayedWork(DelayedWork, long, TimeUnit)}, on CPU slot {@code cpu}. */
  public boolean modDelayedWorkOn(int cpu, DelayedWork work, long delay, TimeUnit unit) {
    checkSlot(cpu);
    return WorkOps.modDelayed(wq, cpu, work, nanos(delay, unit));
  }

  private static long nanos(long delay, TimeUnit unit) {
    Objects.requireNonNull(unit, "unit");
    if (delay < 0) {
      throw new IllegalArgumentException("delay must not be negative: " + delay + " " + unit);
    }
    // saturates; beyond ~146 years a deadline would wrap the nanosecond clock
    return Math.min(unit.toNanos(delay), Long.MAX_VALUE / 2);
  }

  private void checkSlot(int cpu) {
    wq.checkCpu(cpu < 0 ? Integer.MIN_VALUE : cpu);
  }

  private static long nanos(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    try {
      // beyond ~146 years a deadline would wrap the nanosecond clock: saturate
      return Math.min(delay.toNanos(), Long.MAX_VALUE / 2);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  /**
   * Waits until every item queued before the call has finished (kernel {@code flush_workqueue}).
   * Items queued later, including requeues, are not waited for, so it always ends. Delayed items
   * whose timer has not fired are not waited for.
   *
   * @throws IllegalStateException if called from one of this workqueue's own items
   */
  public void flush() throws InterruptedException {
    wq.checkNotFromInside("flush()");
    WorkOps.await(wq.flushAsync());
  }

  /**
   * As {@link #flush()}, without blocking. Callbacks on the future may run on a worker thread.
   *
   * @return a future completing when the items queued before the call have finished
   */
  public CompletableFuture<Void> flushAsync() {
    return wq.flushAsync();
  }

  /**
   * Flushes until the workqueue is empty (kernel {@code drain_workqueue}). While it drains only
   * the workqueue's own running items may queue on it; other callers get
   * {@link RejectedExecutionException}.
   *
   * @throws IllegalStateException if called from one of this workqueue's own items
   */
  public void drain() throws InterruptedException {
    wq.checkNotFromInside("drain()");
    WorkOps.await(wq.drainAsync());
  }

  /** As {@link #drain()}, without blocking. Returns: a future completing when empty. */
  public CompletableFuture<Void> drainAsync() {
    return wq.drainAsync();
  }

  /**
   * Changes max_active, clamped like {@link Builder#maxActive}; raising it starts held-back
   * items in FIFO order.
   *
   * @throws IllegalStateException for an ordered workqueue (its max_active is 1 by definition)
   */
  public void setMaxActive(int maxActive) {
    wq.setMaxActive(maxActive);
  }

  /**
   * Moves an unbound workqueue to the pool for {@code attrs} (kernel
   * {@code apply_workqueue_attrs}). Items already queued finish where they are; an ordered
   * workqueue stays strictly FIFO across the change.
   *
   * @throws IllegalStateException for a bound workqueue, or a destroyed one
   * @throws IllegalArgumentException if {@code attrs} names a CPU the runtime does not have
   */
  public void applyAttrs(WorkqueueAttrs attrs) {
    wq.applyAttrs(attrs);
  }

  /** Returns: the attributes of the pool new items go to. */
  public WorkqueueAttrs attrs() {
    return wq.attrs();
  }

  /**
   * Returns: whether items are held back by max_active on {@code cpu}'s slot (kernel
   * {@code workqueue_congested}; advisory).
   */
  public boolean congested(int cpu) {
    checkSlot(cpu);
    return wq.congested(cpu);
  }

  /** Returns: a snapshot of the counters. */
  public WorkqueueStats stats() {
    long[] s = wq.rawStats();
    return new WorkqueueStats(
        s[0], s[1], Math.max(0, s[0] - s[1]), Duration.ofNanos(s[3]), s[4], s[5], s[6], s[7], s[8], s[2]);
  }

  /**
   * Destroys the workqueue (kernel {@code destroy_workqueue}): rejects new items from now on,
   * cancels delayed items armed for it (they become idle), waits for what is queued to finish,
   * and releases its pools. Idempotent.
   *
   * @throws IllegalStateException for a system workqueue, or if called from one of its own items
   */
  public void destroy() {
    wq.checkNotFromInside("destroy()");
    try {
      WorkOps.await(wq.destroyAsync());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while destroying workqueue " + wq.name, e);
    }
  }

  /**
   * As {@link #destroy()}, without blocking; may be called from one of the workqueue's own items
   * (it then completes after that item returns). Callbacks on the future may run on a worker.
   *
   * @return a future completing when the workqueue is destroyed; the same future on every call
   * @throws IllegalStateException for a system workqueue
   */
  public CompletableFuture<Void> destroyAsync() {
    return wq.destroyAsync();
  }

  /** Same as {@link #destroy()}. */
  @Override
  public void close() {
    destroy();
  }

  WorkqueueStruct struct() {
    return wq;
  }

  @Override
  public String toString() {
    return "Workqueue{" + wq.name + (isOrdered() ? ", ordered" : isUnbound() ? ", unbound" : ", bound") + "}";
  }
}
