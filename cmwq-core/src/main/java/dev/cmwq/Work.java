package dev.cmwq;

import dev.cmwq.internal.WorkItem;
import dev.cmwq.internal.WorkOps;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A work item (kernel {@code work_struct}): a function plus the state that makes queueing it
 * idempotent. Create it once and queue it again and again; queueing allocates nothing.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Idempotent queueing.</b> While the item is pending (queued, or armed for delayed
 *       work), {@link Workqueue#queueWork} returns false and does not queue it twice.
 *   <li><b>Non-reentrant.</b> The item never runs concurrently with itself, whichever CPU or
 *       thread queues it, as long as it is queued on one workqueue. PENDING is cleared just
 *       before the function runs, so an item queued while it runs (for example by itself) runs
 *       exactly once more, after the current run, however often it was queued meanwhile.
 *   <li><b>Visibility.</b> Everything the queueing thread wrote before a {@code queueWork}
 *       call that returned true, or that returned false because the item was pending and had
 *       not started, is visible to the function when it runs.
 * </ul>
 *
 * <p>Thread-safety: every method may be called from any thread. The {@code *Sync} and
 * {@link #flush()} methods block; called on a cmwq worker they tell concurrency management,
 * so another worker takes over the pool meanwhile. Called from inside the item itself they
 * would wait for themselves and throw {@link IllegalStateException} instead.
 *
 * <p>Subclasses may pass no function and override {@link #execute()} instead.
 */
public class Work extends WorkItem {

  private final @Nullable Runnable fn;

  /** For subclasses that override {@link #execute()}. */
  protected Work() {
    this.fn = null;
  }

  /** For subclasses that pass a function. */
  protected Work(Runnable fn) {
    this.fn = Objects.requireNonNull(fn, "fn");
  }

  /**
   * Returns: a new, idle work item that runs {@code fn}.
   *
   * @throws NullPointerException if {@code fn} is null
   */
  public static Work of(Runnable fn) {
    return new Work(fn);
  }

  /**
   * The function, run on a worker thread. Anything it throws goes to the worker thread's
   * {@link Thread.UncaughtExceptionHandler}; the worker lives on. The interrupt status is
   * cleared after it returns.
   */
  @Override
  protected void execute() {
    Runnable f = fn;
    if (f == null) {
      throw new UnsupportedOperationException(getClass().getName() + " passed no function and does not override execute()");
    }
    f.run();
  }

  /** Returns: the class of the function (or of this item when it overrides execute()), for reports. */
  @Override
  protected String functionName() {
    Runnable f = fn;
    return f != null ? f.getClass().getName() : getClass().getName();
  }

  /** Returns: whether the item is queued or armed and has not started (kernel work_pending). */
  public final boolean isPending() {
    return WorkOps.isPending(this);
  }

  /**
   * Returns: what the item is doing now: {@link WorkBusy#PENDING} and/or {@link WorkBusy#RUNNING}
   * (kernel {@code work_busy}). Advisory: it may have changed by the time you look.
   */
  public final Set<WorkBusy> busy() {
    EnumSet<WorkBusy> s = EnumSet.noneOf(WorkBusy.class);
    if (WorkOps.isPending(this)) {
      s.add(WorkBusy.PENDING);
    }
    if (WorkOps.isRunning(this)) {
      s.add(WorkBusy.RUNNING);
    }
    return s;
  }

  /**
   * Takes the item off its queue or timer if it is pending (kernel {@code cancel_work}). Does not
   * wait for a running instance.
   *
   * @return true if it was pending
   */
  public final boolean cancel() {
    return WorkOps.cancel(this);
  }

  /**
   * Cancels, then waits until no instance is running (kernel {@code cancel_work_sync}). It
   * terminates even for an item that keeps queueing itself: while it waits, queueing the item
   * returns false. On return the item is idle unless another thread queued it afterwards.
   *
   * @return true if it was pending
   * @throws IllegalStateException if called from inside this item
   */
  public final boolean cancelSync() throws InterruptedException {
    return WorkOps.cancelSync(this);
  }

  /**
   * Waits for the latest queueing of the item to finish running (kernel {@code flush_work}); for
   * a {@link DelayedWork} whose timer is armed, the timer fires now first.
   *
   * @return true if it waited, false if the item was idle (neither pending nor running)
   * @throws IllegalStateException if called from inside this item
   */
  public final boolean flush() throws InterruptedException {
    return WorkOps.flush(this);
  }

  /**
   * Cancels and disables the item (kernel {@code disable_work}): until a matching
   * {@link #enable()}, queueing it returns false. Disables nest up to 65 535 deep.
   *
   * @return true if it was pending
   * @throws IllegalStateException past 65 535 nested disables
   */
  public final boolean disable() {
    return WorkOps.disable(this);
  }

  /**
   * As {@link #disable()}, then waits until no instance is running (kernel {@code disable_work_sync}).
   *
   * @return true if it was pending
   */
  public final boolean disableSync() throws InterruptedException {
    return WorkOps.disableSync(this);
  }

  /**
   * Undoes one {@link #disable()} (kernel {@code enable_work}). Does not queue the item.
   *
   * @return true if the disable depth reached 0 (the item may be queued again)
   * @throws IllegalStateException if the item is not disabled
   */
  public final boolean enable() {
    return WorkOps.enable(this);
  }

  @Override
  public String toString() {
    return "Work{" + (fn != null ? fn : getClass().getName()) + ", " + busy() + "}";
  }
}
