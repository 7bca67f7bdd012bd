package dev.cmwq;

/**
 * A work item that can wait on the runtime's timer before it is queued (kernel
 * {@code delayed_work}). Queue it with {@link Workqueue#queueDelayedWork}; when the delay has
 * passed it is queued on that workqueue exactly like {@link Workqueue#queueWork}, never early.
 * While the timer is armed the item is pending.
 *
 * <p>{@link #cancel()}, {@link #cancelSync()}, {@link #disable()} act on the timer too;
 * {@link #flush()} fires an armed timer at once and waits for the run. The timer's links are
 * fields of this object: arming, re-arming and cancelling allocate nothing.
 */
public class DelayedWork extends Work {

  /** For subclasses that override {@link #execute()}. */
  protected DelayedWork() {}

  /** For subclasses that pass a function. */
  protected DelayedWork(Runnable fn) {
    super(fn);
  }

  /**
   * Returns: a new, idle delayed work item that runs {@code fn}.
   *
   * @throws NullPointerException if {@code fn} is null
   */
  public static DelayedWork of(Runnable fn) {
    return new DelayedWork(fn);
  }
}
