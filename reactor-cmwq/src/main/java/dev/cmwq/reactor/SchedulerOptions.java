package dev.cmwq.reactor;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link CmwqSchedulers#fromWorkqueue(dev.cmwq.Workqueue, SchedulerOptions)} wraps a
 * workqueue. Immutable; the {@code with*} methods return a copy. Thread-safe.
 *
 * <p>Defaults: interrupts on (a running task whose {@code Disposable} is disposed from another
 * thread is interrupted, as with Reactor's own schedulers), the workqueue not owned (disposing
 * the scheduler leaves the workqueue running), the name {@code cmwq(<workqueue name>)}.
 */
public final class SchedulerOptions {

  private static final SchedulerOptions DEFAULTS = new SchedulerOptions(true, false, null);

  private final boolean interruptOnDispose;
  private final boolean ownsWorkqueue;
  private final @Nullable String name;

  private SchedulerOptions(boolean interruptOnDispose, boolean ownsWorkqueue, @Nullable String name) {
    this.interruptOnDispose = interruptOnDispose;
    this.ownsWorkqueue = ownsWorkqueue;
    this.name = name;
  }

  /** Returns: the defaults. */
  public static SchedulerOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Returns: a copy that interrupts (true) or does not interrupt (false) a running task when its
   * {@code Disposable} is disposed from another thread. Turn it off for tasks doing NIO on
   * interruptible channels, which an interrupt closes (reactor-core#3068).
   */
  public SchedulerOptions withInterruptOnDispose(boolean interrupt) {
    return new SchedulerOptions(interrupt, ownsWorkqueue, name);
  }

  /**
   * Returns: a copy whose scheduler owns the workqueue (true): {@code dispose()} and
   * {@code disposeGracefully()} then destroy it once the scheduler's tasks are done.
   */
  public SchedulerOptions withOwnsWorkqueue(boolean owns) {
    return new SchedulerOptions(interruptOnDispose, owns, name);
  }

  /** Returns: a copy with {@code name} as the scheduler's {@code Scannable.Attr.NAME}. */
  public SchedulerOptions withName(String name) {
    return new SchedulerOptions(interruptOnDispose, ownsWorkqueue, Objects.requireNonNull(name, "name"));
  }

  /** Returns: whether disposing a running task interrupts it. */
  public boolean interruptOnDispose() {
    return interruptOnDispose;
  }

  /** Returns: whether the scheduler destroys the workqueue when it is disposed. */
  public boolean ownsWorkqueue() {
    return ownsWorkqueue;
  }

  /** Returns: the scheduler's name, or null for the default {@code cmwq(<workqueue name>)}. */
  @SuppressWarnings("exports") // a compile-time-only nullness annotation
  public @Nullable String name() {
    return name;
  }

  @Override
  public String toString() {
    return "SchedulerOptions{interruptOnDispose=" + interruptOnDispose + ", ownsWorkqueue=" + ownsWorkqueue
        + (name != null ? ", name=" + name : "") + "}";
  }
}
