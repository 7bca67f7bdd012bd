package dev.cmwq.reactor;

/**
 * A work item queued by a {@link CmwqScheduler}: a direct task, a periodic task, a worker's
 * strand or a worker's timer. Lets the scheduler tell its own tasks (which may schedule while
 * it drains) from other callers, through {@link dev.cmwq.Workqueues#currentWork()}.
 */
interface SchedulerItem {

  /** Returns: the scheduler that queued this item. */
  CmwqScheduler owner();
}
